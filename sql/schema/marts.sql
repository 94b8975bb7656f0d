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
    raw_values VARCHAR,
    bps_code VARCHAR
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
    share_participation DOUBLE, share_members DOUBLE, share_updated_at DOUBLE, share_complete DOUBLE,
    rows_quarantined INTEGER NOT NULL,
    quarantined_by_reason VARCHAR
);
COMMENT ON TABLE data_completeness IS 'One row per (year, kabupaten/kota): libraries registered (by type), per input field the share of them that reported it (0-1; NULL without libraries), and the export rows naming the regency that were quarantined, by reason. Empty fields count as 0 in the index, so read these shares next to it.';

CREATE TABLE IF NOT EXISTS reconciliation (
    year INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    area_name VARCHAR,
    measure VARCHAR NOT NULL,
    computed DOUBLE,
    published DOUBLE,
    difference DOUBLE,
    tolerance DOUBLE NOT NULL,
    status VARCHAR NOT NULL,
    detail VARCHAR,
    implied_base DOUBLE,
    implied_actual DOUBLE,
    closer_to_regency_mean BOOLEAN,
    source_file VARCHAR,
    row_number INTEGER
);
COMMENT ON TABLE reconciliation IS 'One row per (year, level, bps_code, measure): computed against published. Levels regency/province/national compare uplm1..uplm7 and iplm; level source holds source checks: bps_aggregate:<indicator> (a BPS table''s aggregate row against the sum of its rows) and published_self:iplm (a printed IPLM against 100 x the mean of its own printed UPLM). status: match, mismatch, missing_published, missing_computed.';

CREATE TABLE IF NOT EXISTS library_region_mismatches (
    year INTEGER NOT NULL,
    npp VARCHAR NOT NULL,
    name VARCHAR,
    kemendagri_code VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    npp_regency_name VARCHAR NOT NULL,
    text_regency_name VARCHAR,
    text_region_code VARCHAR,
    status VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_number INTEGER NOT NULL
);
COMMENT ON TABLE library_region_mismatches IS 'One row per (year, library) whose Kabupaten/Kota text names another regency (other_regency) or no known regency (unknown_text) than its NPP. The library counts under its NPP regency.';

CREATE TABLE IF NOT EXISTS corrections_applied (
    year INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_year INTEGER NOT NULL,
    area VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    original DOUBLE,
    corrected DOUBLE,
    reason VARCHAR NOT NULL
);
COMMENT ON TABLE corrections_applied IS 'One row per (year, correction) applied in staging from corrections.csv beside the raw folders: which source value was replaced, by what, and why.';

CREATE OR REPLACE VIEW iplm_regency_completeness AS
SELECT r.*, c.* EXCLUDE (year, bps_code, kemendagri_code, province_bps_code, regency_name, libraries)
FROM iplm_regency r
LEFT JOIN data_completeness c USING (year, bps_code);
COMMENT ON VIEW iplm_regency_completeness IS 'One row per (year, kabupaten/kota): iplm_regency with its data_completeness shares beside the index, so a low score from unreported fields is told apart from a low score from few libraries.';

CREATE OR REPLACE VIEW iplm_province_completeness AS
SELECT p.*,
       c.libraries_umum, c.libraries_sekolah, c.libraries_perguruan_tinggi, c.libraries_khusus,
       c.share_collections, c.share_librarians, c.share_technicians, c.share_visits_per_day, c.share_snp,
       c.share_participation, c.share_members, c.share_complete
FROM iplm_province p
LEFT JOIN (
    SELECT year, province_bps_code AS bps_code,
           sum(libraries_umum) AS libraries_umum, sum(libraries_sekolah) AS libraries_sekolah,
           sum(libraries_perguruan_tinggi) AS libraries_perguruan_tinggi, sum(libraries_khusus) AS libraries_khusus,
           sum(share_collections * libraries) / nullif(sum(libraries), 0) AS share_collections,
           sum(share_librarians * libraries) / nullif(sum(libraries), 0) AS share_librarians,
           sum(share_technicians * libraries) / nullif(sum(libraries), 0) AS share_technicians,
           sum(share_visits_per_day * libraries) / nullif(sum(libraries), 0) AS share_visits_per_day,
           sum(share_snp * libraries) / nullif(sum(libraries), 0) AS share_snp,
           sum(share_participation * libraries) / nullif(sum(libraries), 0) AS share_participation,
           sum(share_members * libraries) / nullif(sum(libraries), 0) AS share_members,
           sum(share_complete * libraries) / nullif(sum(libraries), 0) AS share_complete
    FROM data_completeness GROUP BY ALL
) c USING (year, bps_code);
COMMENT ON VIEW iplm_province_completeness IS 'One row per (year, province): iplm_province with the shares of its libraries that reported each field (weighted by libraries).';

CREATE OR REPLACE VIEW quarantine_summary AS
SELECT year, source, reason, count(*) AS rows, count(DISTINCT source_file) AS files
FROM quarantine GROUP BY ALL;
COMMENT ON VIEW quarantine_summary IS 'One row per (year, source, reason): how many raw rows were quarantined and from how many files.';

CREATE TABLE IF NOT EXISTS schema_info (version VARCHAR NOT NULL);
COMMENT ON TABLE schema_info IS 'One row: a digest of the DDL that made this file (a run reuses a marts file in place only when its own DDL matches).';
