-- Grain: one row per (level, area) of area_inputs for IPLM year $year: the UPLM of the method
-- applied to the year (methodology_applied), the IPLM and its category (methodology_bands).
-- The elements, their number and their standards come from the registry; none is written here.
-- UPLMn = actual / standard, standard = factor x base, capped where the method caps; a standard
-- of 0 gives 0 and a warning. IPLM = 100 x mean of the UNROUNDED UPLM, rounded to 2 decimals
-- only at the end (averaging 4-decimal UPLM gives 45,53 instead of 45,52 for Sabu Raijua 2024).
-- The DECIMAL cast rounds like the report's spreadsheet (2.675 -> 2.68), not like a binary double.

CREATE OR REPLACE TEMP TABLE area_scores AS
WITH long_inputs AS (
    UNPIVOT area_inputs
    ON population, school_civitas, academic_civitas, institutions, libraries, collections, staff,
       visits_per_day, snp_libraries, participation, members
    INTO NAME measure VALUE value
), ratios AS (
    SELECT a.level, a.bps_code, e.uplm, e.cap, act.value AS actual,
           base.value * e.factor_numerator / e.factor_denominator AS standard
    FROM area_inputs a
    CROSS JOIN (SELECT * FROM methodology_applied WHERE year = $year) e
    LEFT JOIN long_inputs act
           ON act.level = a.level AND act.bps_code = a.bps_code AND act.measure = e.actual_measure
    LEFT JOIN long_inputs base
           ON base.level = a.level AND base.bps_code = a.bps_code AND base.measure = e.base_measure
), uplm AS (
    SELECT *,
           CASE WHEN actual IS NULL OR standard IS NULL THEN NULL
                WHEN standard = 0 THEN 0.0
                WHEN cap IS NULL THEN actual / standard
                ELSE least(cap, actual / standard) END AS value
    FROM ratios
), scored AS (
    SELECT level, bps_code,
           max(value) FILTER (uplm = 1) AS uplm1, max(value) FILTER (uplm = 2) AS uplm2,
           max(value) FILTER (uplm = 3) AS uplm3, max(value) FILTER (uplm = 4) AS uplm4,
           max(value) FILTER (uplm = 5) AS uplm5, max(value) FILTER (uplm = 6) AS uplm6,
           max(value) FILTER (uplm = 7) AS uplm7,
           CASE WHEN count(value) = count(*)
                THEN round(CAST(100 * sum(value) / count(*) AS DECIMAL(38, 10)), 2) END AS iplm,
           string_agg(CASE WHEN standard = 0 THEN format('UPLM{} standard is 0, UPLM set to 0', uplm) END,
                      '; ' ORDER BY uplm) AS warnings
    FROM uplm GROUP BY level, bps_code
)
-- A band of 0-100 means nothing above 100 (the uncapped 2022 approximation): no category there.
SELECT s.* EXCLUDE (warnings), b.category, m.method_status, m.method_id, p.*,
       nullif(concat_ws('; ', s.warnings,
                        CASE WHEN s.iplm > 100 THEN format('IPLM {} is above 100 under the uncapped method {}: '
                                                           'no category', s.iplm, m.method_id) END), '') AS warnings
FROM scored s
CROSS JOIN (SELECT DISTINCT method_status, method_id FROM methodology_applied WHERE year = $year) m
CROSS JOIN input_periods p
LEFT JOIN (SELECT * FROM methodology_bands WHERE year = $year) b
       ON s.iplm >= b.lower AND (b.upper IS NULL OR s.iplm < b.upper) AND s.iplm <= 100;
