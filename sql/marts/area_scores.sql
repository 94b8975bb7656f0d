-- The scores of IPLM year $year, computed from the elements of the method applied to the year
-- (methodology_applied): how many elements there are, their names and standards all come from the
-- registry, none is written here, so a method with 5 or 9 elements needs no new SQL.
-- UPLMn = actual / standard, standard = factor x base, capped where the method caps; a standard
-- of 0 gives 0 and a warning. IPLM = 100 x mean of the UNROUNDED elements, rounded to 2 decimals
-- only at the end (averaging 4-decimal UPLM gives 45,53 instead of 45,52 for Sabu Raijua 2024).
-- The DECIMAL cast rounds like the report's spreadsheet (2.675 -> 2.68), not like a binary double.

-- Grain of iplm_scores: one row per (year, level, area, element), elements 'uplm<n>' and 'iplm'.
DELETE FROM iplm_scores WHERE year = $year;

INSERT INTO iplm_scores BY NAME
WITH long_inputs AS (
    UNPIVOT area_inputs
    ON population, school_civitas, academic_civitas, institutions, libraries, collections, staff,
       visits_per_day, snp_libraries, participation, members
    INTO NAME measure VALUE value
), ratios AS (
    SELECT a.level, a.bps_code, e.uplm, e.name, e.cap, e.method_id, e.method_status, act.value AS actual,
           base.value * e.factor_numerator / e.factor_denominator AS standard
    FROM area_inputs a
    CROSS JOIN (SELECT * FROM methodology_applied WHERE year = $year) e
    LEFT JOIN long_inputs act
           ON act.level = a.level AND act.bps_code = a.bps_code AND act.measure = e.actual_measure
    LEFT JOIN long_inputs base
           ON base.level = a.level AND base.bps_code = a.bps_code AND base.measure = e.base_measure
), elements AS (
    SELECT *,
           CASE WHEN actual IS NULL OR standard IS NULL THEN NULL
                WHEN standard = 0 THEN 0.0
                WHEN cap IS NULL THEN actual / standard
                ELSE least(cap, actual / standard) END AS value
    FROM ratios
)
SELECT $year AS year, level, bps_code, 'uplm' || uplm AS element, uplm AS element_number, name AS element_name,
       value, actual, standard, method_id, method_status,
       CASE WHEN standard = 0 THEN format('UPLM{} standard is 0, UPLM set to 0', uplm) END AS warning
FROM elements
UNION ALL
SELECT $year, level, bps_code, 'iplm', NULL, 'Indeks Pembangunan Literasi Masyarakat',
       CASE WHEN count(value) = count(*)
            THEN CAST(round(CAST(100 * sum(value) / count(*) AS DECIMAL(38, 10)), 2) AS DOUBLE) END,
       NULL, NULL, any_value(method_id), any_value(method_status),
       string_agg(CASE WHEN standard = 0 THEN format('UPLM{} standard is 0, UPLM set to 0', uplm) END,
                  '; ' ORDER BY uplm)
FROM elements GROUP BY level, bps_code;

-- The year's scores, one row per (level, area), for the wide marts (iplm_regency, _province,
-- _national: SOURCES.md §5). PIVOT takes the element columns from the data, so the table of the
-- year is made first (a PIVOT source cannot hold parameters).
CREATE OR REPLACE TEMP TABLE year_scores AS
SELECT level, bps_code, element, value FROM iplm_scores WHERE year = $year;

CREATE OR REPLACE TEMP TABLE year_scores_wide AS
PIVOT year_scores ON element USING first(value) GROUP BY level, bps_code;

-- A band of 0-100 means nothing above 100 (the uncapped 2022 approximation): no category there.
CREATE OR REPLACE TEMP TABLE area_scores AS
SELECT w.* EXCLUDE (iplm), CAST(w.iplm AS DECIMAL(8, 2)) AS iplm, b.category, m.method_status, m.method_id, p.*,
       nullif(concat_ws('; ', s.warning,
                        CASE WHEN w.iplm > 100 THEN format('IPLM {} is above 100 under the uncapped method {}: '
                                                           'no category', w.iplm, m.method_id) END), '') AS warnings
FROM year_scores_wide w
JOIN (SELECT level, bps_code, warning FROM iplm_scores WHERE year = $year AND element = 'iplm') s
  USING (level, bps_code)
CROSS JOIN (SELECT DISTINCT method_status, method_id FROM methodology_applied WHERE year = $year) m
CROSS JOIN input_periods p
LEFT JOIN (SELECT * FROM methodology_bands WHERE year = $year) b
       ON w.iplm >= b.lower AND (b.upper IS NULL OR w.iplm < b.upper) AND w.iplm <= 100;
