-- Marts: what analysts and downstream tools read (SOURCES.md §5). Every table states its grain.
-- Measures are the same at every level; UPLM are unrounded, IPLM has 2 decimals (rounded at the end).

CREATE TABLE IF NOT EXISTS regions (
    level VARCHAR NOT NULL, kemendagri_code VARCHAR NOT NULL, bps_code VARCHAR NOT NULL,
    province_kemendagri_code VARCHAR NOT NULL, province_bps_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL, short_name VARCHAR NOT NULL, type VARCHAR NOT NULL
);
COMMENT ON TABLE regions IS 'One row per province or kabupaten/kota (Kepmendagri 300.2.2-2138/2025) with its Kemendagri and BPS (2023+) codes. The region dimension of every mart.';

CREATE TABLE IF NOT EXISTS methodology (
    year INTEGER NOT NULL, method_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
    bps_reference_year INTEGER NOT NULL, cap DOUBLE, description VARCHAR, note VARCHAR
);
COMMENT ON TABLE methodology IS 'One row per IPLM year with a registered method: status (final, provisional, approximate), BPS reference year, cap (NULL = uncapped). From iplm_pipeline/reference/methodology.toml.';

CREATE TABLE IF NOT EXISTS methodology_elements (
    year INTEGER NOT NULL, uplm INTEGER NOT NULL, name VARCHAR NOT NULL,
    actual_measure VARCHAR NOT NULL, base_measure VARCHAR NOT NULL,
    factor_numerator BIGINT NOT NULL, factor_denominator BIGINT NOT NULL, cap DOUBLE
);
COMMENT ON TABLE methodology_elements IS 'One row per (IPLM year, UPLM element): UPLM = min(cap, actual_measure / (factor_numerator / factor_denominator x base_measure)).';

CREATE TABLE IF NOT EXISTS methodology_bands (
    year INTEGER NOT NULL, lower DOUBLE NOT NULL, upper DOUBLE, category VARCHAR NOT NULL
);
COMMENT ON TABLE methodology_bands IS 'One row per (IPLM year, category band): lower <= IPLM < upper.';

CREATE TABLE IF NOT EXISTS iplm_regency (
    year INTEGER NOT NULL,
    bps_code VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    province_bps_code VARCHAR NOT NULL,
    province_name VARCHAR NOT NULL,
    regency_name VARCHAR NOT NULL,
    population DOUBLE, school_civitas DOUBLE, academic_civitas DOUBLE, institutions DOUBLE,
    libraries DOUBLE, collections DOUBLE, staff DOUBLE, visits_per_day DOUBLE, snp_libraries DOUBLE,
    participation DOUBLE, members DOUBLE,
    uplm1 DOUBLE, uplm2 DOUBLE, uplm3 DOUBLE, uplm4 DOUBLE, uplm5 DOUBLE, uplm6 DOUBLE, uplm7 DOUBLE,
    iplm DECIMAL(8, 2),
    category VARCHAR,
    method_status VARCHAR NOT NULL,
    missing_inputs VARCHAR,
    warnings VARCHAR
);
COMMENT ON TABLE iplm_regency IS 'One row per (year, kabupaten/kota): the IPLM inputs, the seven unrounded UPLM, the IPLM (0-100, 2 decimals) and its category. Regencies of every province present in the year''s sources.';

CREATE TABLE IF NOT EXISTS iplm_province (
    year INTEGER NOT NULL,
    bps_code VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    province_name VARCHAR NOT NULL,
    regencies INTEGER NOT NULL,
    population DOUBLE, school_civitas DOUBLE, academic_civitas DOUBLE, institutions DOUBLE,
    libraries DOUBLE, collections DOUBLE, staff DOUBLE, visits_per_day DOUBLE, snp_libraries DOUBLE,
    participation DOUBLE, members DOUBLE,
    uplm1 DOUBLE, uplm2 DOUBLE, uplm3 DOUBLE, uplm4 DOUBLE, uplm5 DOUBLE, uplm6 DOUBLE, uplm7 DOUBLE,
    iplm DECIMAL(8, 2),
    category VARCHAR,
    method_status VARCHAR NOT NULL,
    missing_inputs VARCHAR,
    warnings VARCHAR
);
COMMENT ON TABLE iplm_province IS 'One row per (year, province): inputs pooled (summed) over its regencies, UPLM and IPLM computed from the pooled counts, never averaged from regency scores.';

CREATE TABLE IF NOT EXISTS iplm_national (
    year INTEGER NOT NULL,
    provinces INTEGER NOT NULL,
    regencies INTEGER NOT NULL,
    population DOUBLE, school_civitas DOUBLE, academic_civitas DOUBLE, institutions DOUBLE,
    libraries DOUBLE, collections DOUBLE, staff DOUBLE, visits_per_day DOUBLE, snp_libraries DOUBLE,
    participation DOUBLE, members DOUBLE,
    uplm1 DOUBLE, uplm2 DOUBLE, uplm3 DOUBLE, uplm4 DOUBLE, uplm5 DOUBLE, uplm6 DOUBLE, uplm7 DOUBLE,
    iplm DECIMAL(8, 2),
    category VARCHAR,
    method_status VARCHAR NOT NULL,
    missing_inputs VARCHAR,
    warnings VARCHAR
);
COMMENT ON TABLE iplm_national IS 'One row per year: inputs pooled over every regency of every province loaded for that year (see column provinces), UPLM and IPLM from the pooled counts.';

CREATE TABLE IF NOT EXISTS quarantine (
    year INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_number INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    column_name VARCHAR,
    detail VARCHAR,
    raw_values VARCHAR
);
COMMENT ON TABLE quarantine IS 'One row per raw row rejected or dropped (invalid, duplicate, footer, footnote), with the reason code, a readable detail and the raw cells. Rows read = rows kept + rows here, per file.';

CREATE TABLE IF NOT EXISTS source_files (
    year INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    sha256 VARCHAR NOT NULL,
    header_row INTEGER,
    rows_read INTEGER NOT NULL,
    rows_kept INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL
);
COMMENT ON TABLE source_files IS 'One row per (year, raw file) read by the latest run of that year: its checksum and the row ledger (rows_read = rows_kept + rows_quarantined; rows_skipped = blank and repeated header rows, not records).';

CREATE TABLE IF NOT EXISTS data_completeness (
    year INTEGER NOT NULL,
    bps_code VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    province_bps_code VARCHAR NOT NULL,
    regency_name VARCHAR NOT NULL,
    libraries INTEGER NOT NULL,
    libraries_umum INTEGER NOT NULL,
    libraries_sekolah INTEGER NOT NULL,
    libraries_perguruan_tinggi INTEGER NOT NULL,
    libraries_khusus INTEGER NOT NULL,
    share_collection_titles DOUBLE, share_collections DOUBLE, share_librarians DOUBLE,
    share_technicians DOUBLE, share_visits_per_day DOUBLE, share_snp DOUBLE,
    share_participation DOUBLE, share_members DOUBLE, share_updated_at DOUBLE, share_complete DOUBLE
);
COMMENT ON TABLE data_completeness IS 'One row per (year, kabupaten/kota): libraries registered (by type) and, per input field, the share of them that reported it (0-1; NULL without libraries). Empty fields count as 0 in the index, so read these shares next to it.';
