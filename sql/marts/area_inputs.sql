-- Grain: one row per (level, area) for IPLM year $year: level 'regency' (bps_code 4 chars),
-- 'province' (2 chars) and 'national' ('00'), with the eleven IPLM inputs.
-- Regencies: every regency of a province with library rows in the year (a national BPS table
-- covers 38 provinces; only those with exports are computed). Each BPS indicator is taken from
-- the column the registry names for the year (methodology_bps_columns: IPLM 2024 takes BPS's
-- 2023 population column and the 2022 columns of the others).
-- Province and national inputs are sums over their regencies; a sum with a missing part is
-- missing (NULL), because a partial total would lower the index silently.

CREATE OR REPLACE TEMP TABLE regency_universe AS
WITH present AS (
    SELECT DISTINCT r.province_bps_code
    FROM staging.perpustakaan l JOIN regions r ON r.kemendagri_code = l.kemendagri_code
    WHERE l.year = $year
)
SELECT r.bps_code, r.kemendagri_code, r.province_bps_code, r.name
FROM regions r JOIN present p USING (province_bps_code)
WHERE r.level = 'regency';

CREATE OR REPLACE TEMP TABLE bps_components AS
-- One row per (regency, indicator): the reference-year value, or why there is none.
WITH grid AS (
    SELECT u.bps_code, u.province_bps_code, c.indicator, c.bps_period
    FROM regency_universe u CROSS JOIN (SELECT * FROM methodology_bps_columns WHERE year = $year) c
)
SELECT g.bps_code, g.indicator, v.value,
       CASE
           WHEN v.value IS NOT NULL THEN NULL
           WHEN v.bps_code IS NOT NULL THEN
               format('{} {}: not available in {} row {}', g.indicator, g.bps_period, v.source_file,
                      v.row_number)
           WHEN t.source_file IS NOT NULL AND NOT t.has_bps_year THEN
               format('{} {}: {} has no {} column (it has {})', g.indicator, g.bps_period, t.source_file,
                      g.bps_period, t.years_in_table)
           WHEN t.source_file IS NOT NULL THEN
               format('{} {}: no row for this regency in {}', g.indicator, g.bps_period, t.source_file)
           ELSE format('{} {}: no BPS table for this province', g.indicator, g.bps_period)
       END AS missing_reason
FROM grid g
LEFT JOIN staging.bps v
       ON v.year = $year AND v.bps_code = g.bps_code AND v.indicator = g.indicator AND NOT v.is_aggregate
      AND v.bps_period = g.bps_period
LEFT JOIN (SELECT province_bps_code, indicator, min(source_file) AS source_file,
                  bool_or(has_bps_year) AS has_bps_year, string_agg(DISTINCT years_in_table, '; ') AS years_in_table
           FROM staging.bps_tables WHERE year = $year GROUP BY ALL) t
       ON t.province_bps_code = g.province_bps_code AND t.indicator = g.indicator;

CREATE OR REPLACE TEMP TABLE area_inputs AS
WITH bps AS (
    SELECT bps_code,
           max(value) FILTER (indicator = 'penduduk') AS population,
           -- sum() skips NULLs; a composite with a missing component must stay missing
           CASE WHEN count(value) FILTER (indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) = 3
                THEN sum(value) FILTER (indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) END
               AS institutions,
           CASE WHEN count(value) FILTER (indicator IN ('murid', 'guru')) = 2
                THEN sum(value) FILTER (indicator IN ('murid', 'guru')) END AS school_civitas,
           CASE WHEN count(value) FILTER (indicator IN ('mahasiswa', 'dosen')) = 2
                THEN sum(value) FILTER (indicator IN ('mahasiswa', 'dosen')) END AS academic_civitas,
           string_agg(missing_reason, '; ' ORDER BY indicator) AS missing_inputs
    FROM bps_components GROUP BY bps_code
), libs AS (
    -- An empty field is "not reported": 0 in sums (its share shows in data_completeness).
    SELECT bps_code,
           count(*) AS libraries,
           sum(coalesce(collections, 0)) AS collections,
           sum(coalesce(librarians, 0) + coalesce(technicians, 0) + coalesce(staff_total, 0)) AS staff,
           sum(coalesce(visits_per_day, 0)) AS visits_per_day,
           count(*) FILTER (snp) AS snp_libraries,
           sum(coalesce(participation, 0)) AS participation,
           sum(coalesce(members, 0)) AS members
    FROM staging.perpustakaan WHERE year = $year GROUP BY bps_code
), regency AS (
    SELECT 'regency' AS level, u.bps_code, u.province_bps_code,
           b.population, b.school_civitas, b.academic_civitas, b.institutions,
           coalesce(l.libraries, 0) AS libraries, coalesce(l.collections, 0) AS collections,
           coalesce(l.staff, 0) AS staff, coalesce(l.visits_per_day, 0) AS visits_per_day,
           coalesce(l.snp_libraries, 0) AS snp_libraries, coalesce(l.participation, 0) AS participation,
           coalesce(l.members, 0) AS members, b.missing_inputs
    FROM regency_universe u
    LEFT JOIN bps b USING (bps_code)
    LEFT JOIN libs l USING (bps_code)
)
SELECT level, bps_code, province_bps_code, 1 AS regencies,
       population, school_civitas, academic_civitas, institutions, libraries, collections, staff,
       visits_per_day, snp_libraries, participation, members, missing_inputs
FROM regency
UNION ALL BY NAME
SELECT level, bps_code, province_bps_code, count(*) AS regencies,
       CASE WHEN count(population) = count(*) THEN sum(population) END AS population,
       CASE WHEN count(school_civitas) = count(*) THEN sum(school_civitas) END AS school_civitas,
       CASE WHEN count(academic_civitas) = count(*) THEN sum(academic_civitas) END AS academic_civitas,
       CASE WHEN count(institutions) = count(*) THEN sum(institutions) END AS institutions,
       sum(libraries) AS libraries, sum(collections) AS collections, sum(staff) AS staff,
       sum(visits_per_day) AS visits_per_day, sum(snp_libraries) AS snp_libraries,
       sum(participation) AS participation, sum(members) AS members,
       CASE WHEN count(missing_inputs) > 0
            THEN format('{} of {} regencies lack BPS inputs (see iplm_regency.missing_inputs)',
                        count(missing_inputs), count(*)) END AS missing_inputs
FROM (
    SELECT 'province' AS level, province_bps_code AS bps_code, province_bps_code, * EXCLUDE (level, bps_code, province_bps_code)
    FROM regency
    UNION ALL
    SELECT 'national' AS level, '00' AS bps_code, '00' AS province_bps_code, * EXCLUDE (level, bps_code, province_bps_code)
    FROM regency
)
GROUP BY level, bps_code, province_bps_code;

-- One row: the BPS column each input of IPLM year $year was taken from, for every score row.
CREATE OR REPLACE TEMP TABLE input_periods AS
WITH c AS (SELECT * FROM methodology_bps_columns WHERE year = $year)
SELECT (SELECT bps_period FROM c WHERE indicator = 'penduduk') AS population_bps_year,
       (SELECT CASE WHEN count(DISTINCT bps_period) = 1 THEN any_value(bps_period)
                    ELSE string_agg(indicator || ' ' || bps_period, '; ' ORDER BY indicator) END
        FROM c WHERE indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) AS institutions_bps_year,
       (SELECT CASE WHEN count(DISTINCT bps_period) = 1 THEN any_value(bps_period)
                    ELSE string_agg(indicator || ' ' || bps_period, '; ' ORDER BY indicator) END
        FROM c WHERE indicator IN ('murid', 'guru')) AS school_civitas_bps_year,
       (SELECT CASE WHEN count(DISTINCT bps_period) = 1 THEN any_value(bps_period)
                    ELSE string_agg(indicator || ' ' || bps_period, '; ' ORDER BY indicator) END
        FROM c WHERE indicator IN ('mahasiswa', 'dosen')) AS academic_civitas_bps_year;
