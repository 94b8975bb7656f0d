-- Marts: what analysts and downstream tools read (SOURCES.md §5). Every table states its grain.
-- Measures are the same at every level; UPLM are unrounded, IPLM has 2 decimals (rounded at the end).
-- A column added to an existing table must be nullable: publishing carries other years' rows made
-- by earlier versions, which do not have it (warehouse.py refuses to publish otherwise).

CREATE TABLE IF NOT EXISTS regions (
    level VARCHAR NOT NULL, kemendagri_code VARCHAR NOT NULL, bps_code VARCHAR NOT NULL,
    province_kemendagri_code VARCHAR NOT NULL, province_bps_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL, short_name VARCHAR NOT NULL, type VARCHAR NOT NULL
);
COMMENT ON TABLE regions IS 'One row per province or kabupaten/kota (Kepmendagri 300.2.2-2138/2025) with its Kemendagri and BPS (2023+) codes. The region dimension of every mart.';

CREATE TABLE IF NOT EXISTS methodology (
    year INTEGER NOT NULL, method_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
    bps_reference_year INTEGER NOT NULL, cap DOUBLE, description VARCHAR, note VARCHAR,
    kind VARCHAR, computable BOOLEAN
);
COMMENT ON TABLE methodology IS 'One row per IPLM year with a registered method: kind (uplm: ratios to standards; dimensions: Perka 7/2025), status (final, provisional, approximate), the BPS year the report labels (bps_reference_year; the columns actually taken are in methodology_bps_columns), cap (NULL = uncapped), computable (false while parts of the method are unknown). From iplm_pipeline/reference/methodology.toml.';

CREATE TABLE IF NOT EXISTS methodology_bps_columns (
    year INTEGER NOT NULL, indicator VARCHAR NOT NULL, bps_period VARCHAR NOT NULL, bps_year INTEGER NOT NULL,
    status VARCHAR NOT NULL, evidence VARCHAR
);
COMMENT ON TABLE methodology_bps_columns IS 'One row per (IPLM year, BPS indicator): the column of the BPS table the year takes (bps_period: a year such as 2023, or a school year 2022/2023) and how sure that is: verified (reproduces the published figures, evidence given), as labelled (what the report''s label names), assumed.';

CREATE TABLE IF NOT EXISTS methodology_elements (
    year INTEGER NOT NULL, uplm INTEGER NOT NULL, name VARCHAR NOT NULL,
    actual_measure VARCHAR NOT NULL, base_measure VARCHAR NOT NULL,
    factor_numerator BIGINT NOT NULL, factor_denominator BIGINT NOT NULL, cap DOUBLE,
    method_id VARCHAR, method_status VARCHAR, official BOOLEAN
);

CREATE TABLE IF NOT EXISTS methodology_applied (
    year INTEGER NOT NULL, method_id VARCHAR NOT NULL, method_status VARCHAR NOT NULL, official BOOLEAN NOT NULL,
    uplm INTEGER NOT NULL, name VARCHAR NOT NULL, actual_measure VARCHAR NOT NULL, base_measure VARCHAR NOT NULL,
    factor_numerator BIGINT NOT NULL, factor_denominator BIGINT NOT NULL, cap DOUBLE
);
COMMENT ON TABLE methodology_applied IS 'One row per (IPLM year, element) of the method the year''s scores were computed with: the registered method, or another one asked for by name (iplm run --method), then official = false and method_status says so.';
COMMENT ON TABLE methodology_elements IS 'One row per (IPLM year, UPLM element): UPLM = min(cap, actual_measure / (factor_numerator / factor_denominator x base_measure)).';

CREATE TABLE IF NOT EXISTS methodology_bands (
    year INTEGER NOT NULL, lower DOUBLE NOT NULL, upper DOUBLE, category VARCHAR NOT NULL
);
COMMENT ON TABLE methodology_bands IS 'One row per (IPLM year, category band): lower <= IPLM < upper.';

CREATE TABLE IF NOT EXISTS iplm_scores (
    year INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    bps_code VARCHAR NOT NULL,
    element VARCHAR NOT NULL,
    element_number INTEGER,
    element_name VARCHAR,
    value DOUBLE,
    actual DOUBLE,
    standard DOUBLE,
    method_id VARCHAR NOT NULL,
    method_status VARCHAR NOT NULL,
    warning VARCHAR
);
COMMENT ON TABLE iplm_scores IS 'One row per (year, level, area, element): every element of the method applied to the year (uplm1 ... uplmN, as many as the method has) with its actual, standard and unrounded value, and the IPLM (element iplm, 2 decimals). iplm_regency, iplm_province and iplm_national are its wide form.';

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
    warnings VARCHAR,
    method_id VARCHAR,
    population_bps_year VARCHAR, institutions_bps_year VARCHAR,
    school_civitas_bps_year VARCHAR, academic_civitas_bps_year VARCHAR
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
    warnings VARCHAR,
    method_id VARCHAR,
    population_bps_year VARCHAR, institutions_bps_year VARCHAR,
    school_civitas_bps_year VARCHAR, academic_civitas_bps_year VARCHAR
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
    warnings VARCHAR,
    method_id VARCHAR,
    population_bps_year VARCHAR, institutions_bps_year VARCHAR,
    school_civitas_bps_year VARCHAR, academic_civitas_bps_year VARCHAR
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
    rows_skipped INTEGER NOT NULL,
    notes VARCHAR  -- how the file was read: lines decoded as Windows-1252, columns ignored, ... (NULL: nothing to say)
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
    rows_quarantined INTEGER,
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
COMMENT ON TABLE reconciliation IS 'One row per (year, level, bps_code, measure): computed against published. Levels regency/province/national compare uplm1..uplm7 and iplm; level source holds source checks: bps_aggregate:<indicator> (a BPS table''s aggregate row against the sum of its rows) published_self:iplm (a printed IPLM against 100 x the mean of its own printed UPLM) and published_self:category (a printed category against the band of the printed IPLM). Areas published only in IPLM-only tables are compared on iplm alone. Tolerances follow each value''s printed precision. status: match, mismatch, missing_published, missing_computed.';

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

-- The report's detail block per area (METHODOLOGY.md), from the same inputs as the index:
-- shortfall to each standard, libraries per 100 000, people per collection and per staff member,
-- shares in percent and the achievement of each UPLM in percent. Standards come from the year's
-- methodology_applied, never from constants here.
CREATE OR REPLACE VIEW iplm_detail AS
WITH areas AS (
    SELECT year, 'regency' AS level, bps_code, regency_name AS area_name, population, school_civitas,
           academic_civitas, institutions, libraries, collections, staff, visits_per_day, snp_libraries,
           participation, members, uplm1, uplm2, uplm3, uplm4, uplm5, uplm6, uplm7,
           population_bps_year, institutions_bps_year, school_civitas_bps_year, academic_civitas_bps_year
    FROM iplm_regency
    UNION ALL
    SELECT year, 'province', bps_code, province_name, population, school_civitas, academic_civitas, institutions,
           libraries, collections, staff, visits_per_day, snp_libraries, participation, members,
           uplm1, uplm2, uplm3, uplm4, uplm5, uplm6, uplm7,
           population_bps_year, institutions_bps_year, school_civitas_bps_year, academic_civitas_bps_year
    FROM iplm_province
    UNION ALL
    SELECT year, 'national', '00', 'Indonesia', population, school_civitas, academic_civitas, institutions,
           libraries, collections, staff, visits_per_day, snp_libraries, participation, members,
           uplm1, uplm2, uplm3, uplm4, uplm5, uplm6, uplm7,
           population_bps_year, institutions_bps_year, school_civitas_bps_year, academic_civitas_bps_year
    FROM iplm_national
), by_type AS (
    SELECT year, 'regency' AS level, bps_code, libraries_umum, libraries_sekolah, libraries_perguruan_tinggi
    FROM data_completeness
    UNION ALL
    SELECT year, 'province', province_bps_code, sum(libraries_umum), sum(libraries_sekolah),
           sum(libraries_perguruan_tinggi)
    FROM data_completeness GROUP BY ALL
    UNION ALL
    SELECT year, 'national', '00', sum(libraries_umum), sum(libraries_sekolah), sum(libraries_perguruan_tinggi)
    FROM data_completeness GROUP BY ALL
), shortfalls AS (
    -- ceil(standard - actual), floored at 0, per element of the year's method
    SELECT a.year, a.level, a.bps_code, e.uplm,
           greatest(0, ceil(e.factor_numerator / e.factor_denominator
                            * CASE e.base_measure WHEN 'institutions' THEN a.institutions
                                                  WHEN 'population' THEN a.population
                                                  WHEN 'libraries' THEN a.libraries END
                            - CASE e.actual_measure WHEN 'libraries' THEN a.libraries
                                                    WHEN 'collections' THEN a.collections
                                                    WHEN 'staff' THEN a.staff
                                                    WHEN 'visits_per_day' THEN a.visits_per_day
                                                    WHEN 'snp_libraries' THEN a.snp_libraries
                                                    WHEN 'participation' THEN a.participation
                                                    WHEN 'members' THEN a.members END
                            - 1e-9)) AS shortfall
    FROM areas a JOIN methodology_applied e USING (year)
), shortfall AS (
    SELECT year, level, bps_code,
           max(shortfall) FILTER (uplm = 1) AS shortfall_libraries,
           max(shortfall) FILTER (uplm = 2) AS shortfall_collections,
           max(shortfall) FILTER (uplm = 3) AS shortfall_staff,
           max(shortfall) FILTER (uplm = 4) AS shortfall_visits_per_day,
           max(shortfall) FILTER (uplm = 5) AS shortfall_snp_libraries,
           max(shortfall) FILTER (uplm = 6) AS shortfall_participation,
           max(shortfall) FILTER (uplm = 7) AS shortfall_members
    FROM shortfalls GROUP BY ALL
)
SELECT a.year, a.level, a.bps_code, a.area_name,
       -- the BPS column each input was taken from (the report prints it above the inputs)
       a.population_bps_year, a.institutions_bps_year, a.school_civitas_bps_year, a.academic_civitas_bps_year,
       s.* EXCLUDE (year, level, bps_code),
       -- 0 when the population is 0; NULL (not 0) when it is not available
       CASE WHEN a.population IS NOT NULL THEN coalesce(ceil(100000 * t.libraries_umum / nullif(a.population, 0) - 1e-9), 0) END
           AS public_libraries_per_100k_population,
       CASE WHEN a.school_civitas IS NOT NULL
            THEN coalesce(ceil(100000 * t.libraries_sekolah / nullif(a.school_civitas, 0) - 1e-9), 0) END
           AS school_libraries_per_100k_school_civitas,
       CASE WHEN a.academic_civitas IS NOT NULL
            THEN coalesce(ceil(100000 * t.libraries_perguruan_tinggi / nullif(a.academic_civitas, 0) - 1e-9), 0) END
           AS university_libraries_per_100k_academic_civitas,
       ceil(a.population / nullif(a.collections, 0) - 1e-9) AS people_per_collection,
       ceil(a.population / nullif(a.staff, 0) - 1e-9) AS people_per_staff,
       round(100 * a.visits_per_day / nullif(a.population, 0), 2) AS visits_percent_of_population,
       round(100 * a.snp_libraries / nullif(a.libraries, 0), 2) AS snp_percent_of_libraries,
       round(100 * a.participation / nullif(a.population, 0), 2) AS participation_percent_of_population,
       round(100 * a.members / nullif(a.population, 0), 2) AS members_percent_of_population,
       round(100 * a.uplm1) AS achievement1, round(100 * a.uplm2) AS achievement2, round(100 * a.uplm3) AS achievement3,
       round(100 * a.uplm4) AS achievement4, round(100 * a.uplm5) AS achievement5, round(100 * a.uplm6) AS achievement6,
       round(100 * a.uplm7) AS achievement7
FROM areas a
LEFT JOIN shortfall s USING (year, level, bps_code)
LEFT JOIN by_type t USING (year, level, bps_code);
COMMENT ON VIEW iplm_detail IS 'One row per (year, level, area): the report''s detail block: shortfall to each standard (ceil, floored at 0), libraries per 100 000 of the population they serve (rounded up), people per collection and per staff member (rounded up), shares in percent (2 decimals) and each UPLM''s achievement in percent.';

-- ---------------------------------------------------------------- what analysts take away
-- Targets (iplm_pipeline/targets.py): per (year, regency, plan, input) the smallest whole addition
-- of an input that lifts the IPLM into the next band of methodology_bands; plan 'single' = that
-- input alone, 'combined' = the cheapest combination (cost model reference/target_costs.toml).
CREATE TABLE IF NOT EXISTS iplm_targets (
    year INTEGER NOT NULL,
    bps_code VARCHAR NOT NULL,
    kemendagri_code VARCHAR NOT NULL,
    province_bps_code VARCHAR NOT NULL,
    regency_name VARCHAR NOT NULL,
    method_id VARCHAR NOT NULL,
    plan VARCHAR NOT NULL,
    uplm INTEGER NOT NULL,
    input VARCHAR NOT NULL,
    current_value DOUBLE,
    standard DOUBLE,
    current_uplm DOUBLE,
    addition BIGINT,
    new_value DOUBLE,
    new_uplm DOUBLE,
    cost DOUBLE,
    current_iplm DECIMAL(8, 2),
    current_category VARCHAR,
    target_category VARCHAR,
    target_lower DOUBLE,
    iplm_after DECIMAL(8, 2),
    reason VARCHAR,
    note VARCHAR
);
COMMENT ON TABLE iplm_targets IS 'One row per (year, kabupaten/kota, plan, input): plan single = the smallest whole addition of that input alone (the actual measure of one element of the year''s method) after which the IPLM rounded to 2 decimals reaches the next category band; plan combined = that input''s share of the cheapest combination (cost = weight x addition / standard, iplm_pipeline/reference/target_costs.toml). addition NULL with a reason where it cannot (element at its cap, standard 0, top band, uncapped method, no IPLM).';

-- Trends: a view, so it always agrees with the score marts of the same file (a table per year
-- would keep a stale previous_value in year Y+1 after year Y is rerun alone). Elements and
-- method_id per year from methodology_applied (what the scores were computed with), falling back
-- to the registry (methodology, methodology_elements).
CREATE OR REPLACE VIEW iplm_trends AS
WITH areas AS (
    SELECT year, 'regency' AS level, bps_code, regency_name AS area_name, CAST(iplm AS DOUBLE) AS iplm,
           COLUMNS('^uplm[0-9]+$')
    FROM iplm_regency
    UNION ALL BY NAME
    SELECT year, 'province' AS level, bps_code, province_name AS area_name, CAST(iplm AS DOUBLE) AS iplm,
           COLUMNS('^uplm[0-9]+$')
    FROM iplm_province
    UNION ALL BY NAME
    SELECT year, 'national' AS level, '00' AS bps_code, 'Indonesia' AS area_name, CAST(iplm AS DOUBLE) AS iplm,
           COLUMNS('^uplm[0-9]+$')
    FROM iplm_national
), long AS (
    SELECT l.*, CASE WHEN l.element = 'iplm' THEN 0 ELSE CAST(substr(l.element, 5) AS INTEGER) END AS uplm
    FROM (FROM areas UNPIVOT INCLUDE NULLS (value FOR element IN (iplm, COLUMNS('^uplm[0-9]+$')))) l
), applied AS (
    -- the elements and method each year's scores were computed with (methodology_applied; an
    -- older file without it: the registered ones)
    SELECT year, uplm, name, method_id, method_status, cap FROM methodology_applied
    UNION ALL
    SELECT e.year, e.uplm, e.name, m.method_id, m.status, m.cap
    FROM methodology_elements e JOIN methodology m USING (year)
    WHERE coalesce(e.official, true) AND e.year NOT IN (SELECT year FROM methodology_applied)
), year_method AS (
    SELECT year, any_value(method_id) AS method_id, any_value(method_status) AS status, any_value(cap) AS cap
    FROM applied GROUP BY year
    UNION ALL
    SELECT year, method_id, status, cap FROM methodology WHERE year NOT IN (SELECT year FROM applied)
), named AS (
    -- only the elements the year's method has (an uplmN column beyond its count is not an element)
    SELECT l.*, coalesce(e.name, 'IPLM') AS element_name
    FROM long l
    LEFT JOIN applied e ON e.year = l.year AND e.uplm = l.uplm
    WHERE l.uplm = 0 OR e.uplm IS NOT NULL
), years_present AS (
    SELECT DISTINCT year FROM areas
), joined AS (
    SELECT c.*, p.value AS previous_value, p.bps_code IS NOT NULL AS previous_present,
           y.year IS NOT NULL AS previous_year_present,
           m.method_id, m.status, m.cap IS NULL AS uncapped,
           mp.method_id AS previous_method_id, mp.status AS previous_status, mp.cap IS NULL AS previous_uncapped
    FROM named c
    JOIN year_method m ON m.year = c.year
    LEFT JOIN year_method mp ON mp.year = c.year - 1
    LEFT JOIN years_present y ON y.year = c.year - 1
    LEFT JOIN named p
           ON p.year = c.year - 1 AND p.level = c.level AND p.bps_code = c.bps_code AND p.element = c.element
), judged AS (
    SELECT *, coalesce(previous_method_id = method_id, false) AND previous_present AS comparable FROM joined
)
SELECT year, level, bps_code, area_name, element, element_name, value, previous_value,
       CASE WHEN comparable THEN CASE WHEN element = 'iplm' THEN round(value - previous_value, 2)
                                      ELSE value - previous_value END END AS delta,
       comparable, method_id, previous_method_id,
       CASE
           WHEN previous_method_id IS NULL THEN format('no method is registered for {}', year - 1)
           WHEN previous_method_id <> method_id THEN
               format('not comparable: the method changed from {} ({}, {}) in {} to {} ({}, {}) in {}',
                      previous_method_id, previous_status, CASE WHEN previous_uncapped THEN 'uncapped' ELSE 'capped' END,
                      year - 1, method_id, status, CASE WHEN uncapped THEN 'uncapped' ELSE 'capped' END, year)
           WHEN NOT previous_year_present THEN format('no {} figures in the marts', year - 1)
           WHEN NOT previous_present THEN format('this area has no {} row', year - 1)
           WHEN value IS NULL OR previous_value IS NULL THEN 'same method; a value is missing (see missing_inputs)'
           WHEN status <> 'final' OR previous_status <> 'final' THEN
               format('same method ({}); {} is {}, {} is {}', method_id, year - 1, previous_status, year, status)
           ELSE format('same method ({})', method_id)
       END AS note
FROM judged;
COMMENT ON VIEW iplm_trends IS 'One row per (year, level, area, element incl. iplm): the value, the previous year''s value and the delta. comparable is false (and delta NULL) when the previous year''s method_id differs (2022 uncapped -> 2023 capped, 2024 -> 2025 Perka) or the previous year or area is missing; note says why. Elements and method ids from methodology_applied (else methodology, methodology_elements).';

-- Release changes (iplm_pipeline/release.py): written into each new marts file at publish time,
-- comparing it with the file it replaces (which becomes iplm.previous.duckdb). Not a year table:
-- the whole table describes one publish, so its year column is iplm_year, not year.
CREATE TABLE IF NOT EXISTS release_changes (
    released_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    table_name VARCHAR,
    iplm_year INTEGER,
    rows_before BIGINT,
    rows_after BIGINT,
    rows_added BIGINT,
    rows_removed BIGINT,
    rows_changed BIGINT,
    level VARCHAR,
    bps_code VARCHAR,
    area_name VARCHAR,
    measure VARCHAR,
    old_value VARCHAR,
    new_value VARCHAR,
    note VARCHAR
);
COMMENT ON TABLE release_changes IS 'What this published file changed against the file it replaced (iplm.previous.duckdb), written at publish: kind release (one row: when, against what), kind table (per table and year: rows before/after, added, removed, changed by the table''s grain key) and kind area (per score-mart area whose iplm or category changed: old and new value).';

-- TPBIS (Transformasi Perpustakaan Berbasis Inklusi Sosial): descriptive comparison of partner
-- and non-partner areas and libraries (data/raw/tpbis/tpbis_partners.csv); no causal reading.
CREATE TABLE IF NOT EXISTS tpbis_comparison (
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    partner_group VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    measure_name VARCHAR,
    n BIGINT NOT NULL,
    n_with_value BIGINT NOT NULL,
    mean_value DOUBLE,
    completeness DOUBLE,
    difference_from_non_partner DOUBLE
);
COMMENT ON TABLE tpbis_comparison IS 'One row per (year, unit, partner_group, measure): unit regency (iplm and each UPLM of the year''s method) or library (its own fields, from staging.perpustakaan); partner_group partner_after_joining (joined_year <= year), partner_before_joining or non_partner. Means with the completeness share (libraries reporting the field) beside each; differences are descriptive only (partners were not chosen at random). Empty when data/raw/tpbis/ is absent.';
