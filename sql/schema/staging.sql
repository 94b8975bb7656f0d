-- Staging: each raw source parsed, validated and typed, one table per source (1:1 with data/raw/<source>).
-- Rows are keyed by the IPLM year they were loaded for; a run replaces its years' rows only.
-- Column descriptions are in column_comments.csv (one place for the DuckDB COMMENTs and the Dagster catalog).
CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE IF NOT EXISTS staging.bps (
    year INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_number INTEGER NOT NULL,
    region_text VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    province_bps_code VARCHAR NOT NULL,
    is_aggregate BOOLEAN NOT NULL,
    bps_year INTEGER NOT NULL,
    value DOUBLE,
    value_status VARCHAR NOT NULL,
    unit_multiplier INTEGER NOT NULL,
    bps_period VARCHAR,
    column_header VARCHAR
);
COMMENT ON TABLE staging.bps IS 'One row per (IPLM year, BPS table row, period column of the indicator): regency rows and the flagged aggregate rows (province, national), for every period the table holds; the registry (methodology_bps_columns) says which period an IPLM year takes.';

CREATE TABLE IF NOT EXISTS staging.bps_tables (
    year INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    province_bps_code VARCHAR NOT NULL,
    province_name VARCHAR NOT NULL,
    bps_year INTEGER NOT NULL,
    years_in_table VARCHAR NOT NULL,
    has_bps_year BOOLEAN NOT NULL,
    unit_multiplier INTEGER NOT NULL,
    regency_rows INTEGER NOT NULL,
    has_aggregate BOOLEAN NOT NULL,
    note VARCHAR,
    bps_period VARCHAR,               -- the period the IPLM year takes for this indicator (registry)
    layout VARCHAR                    -- how the file was read (dynamic-table export, flattened, classic, national)
);
COMMENT ON TABLE staging.bps_tables IS 'One row per (IPLM year, BPS table file, province block): its indicator, layout, periods, unit and notes; a national table has one row per province.';

CREATE TABLE IF NOT EXISTS staging.perpustakaan (
    year INTEGER NOT NULL,
    npp VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    name VARCHAR,
    library_type VARCHAR NOT NULL,
    subtype VARCHAR,
    province_name VARCHAR,
    regency_name VARCHAR,
    district_name VARCHAR,
    collection_titles DOUBLE,
    collections DOUBLE,
    librarians DOUBLE,
    technicians DOUBLE,
    staff_total DOUBLE,                -- all staff, from an export giving only Jumlah Tenaga Perpustakaan (then librarians and technicians are NULL)
    visits_per_day DOUBLE,
    members DOUBLE,
    participation DOUBLE,
    snp BOOLEAN,
    updated_at DATE,
    text_region_code VARCHAR,
    text_region_status VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_number INTEGER NOT NULL,
    read_order BIGINT NOT NULL
);
COMMENT ON TABLE staging.perpustakaan IS 'One row per (year, NPP): the library registration kept after validation and deduplication, typed.';

CREATE TABLE IF NOT EXISTS staging.terbitan (
    year INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    region_text VARCHAR NOT NULL,
    uplm1 DOUBLE, uplm2 DOUBLE, uplm3 DOUBLE, uplm4 DOUBLE, uplm5 DOUBLE, uplm6 DOUBLE, uplm7 DOUBLE,
    iplm DOUBLE,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_number INTEGER NOT NULL,
    -- Added for the real layouts (SOURCES.md §3); nullable so rows of earlier versions still copy.
    -- Decimals each value is printed with: the reconciliation tolerance is half a unit of the last one.
    uplm1_decimals INTEGER, uplm2_decimals INTEGER, uplm3_decimals INTEGER, uplm4_decimals INTEGER,
    uplm5_decimals INTEGER, uplm6_decimals INTEGER, uplm7_decimals INTEGER, iplm_decimals INTEGER,
    category VARCHAR,                  -- the printed category (method spelling), NULL where the table has none
    publishes_uplm BOOLEAN,            -- false for IPLM-only tables: no UPLM is reconciled for the row
    layout VARCHAR                     -- report, open_data or iplm_only
);
COMMENT ON TABLE staging.terbitan IS 'One row per (year, level, area) printed in the published tables (report copies, open-data files, IPLM-only tables), with the printed precision of every value.';
