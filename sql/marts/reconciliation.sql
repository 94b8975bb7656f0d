-- Grain: one row per (year, level, bps_code, measure) for IPLM year $year (see the table comment).
-- Every disagreement is shown with what it implies; nothing is resolved silently.
DELETE FROM reconciliation WHERE year = $year;

INSERT INTO reconciliation BY NAME
WITH areas AS (
    SELECT 'regency' AS level, bps_code, regency_name AS area_name, province_bps_code,
           * EXCLUDE (bps_code, regency_name, province_bps_code)
    FROM iplm_regency WHERE year = $year
    UNION ALL BY NAME
    SELECT 'province' AS level, bps_code, province_name AS area_name, bps_code AS province_bps_code,
           * EXCLUDE (bps_code, province_name)
    FROM iplm_province WHERE year = $year
    UNION ALL BY NAME
    SELECT 'national' AS level, '00' AS bps_code, 'Indonesia' AS area_name, '00' AS province_bps_code, *
    FROM iplm_national WHERE year = $year
), computed AS (
    -- every element of the method applied to the year, and the IPLM (the long scores table); the
    -- IPLM also unrounded (100 x the mean of the unrounded elements), for a table that prints it so
    SELECT s.level, s.bps_code, s.element AS measure, s.value AS computed,
           CASE WHEN s.element = 'iplm' THEN u.unrounded END AS computed_unrounded
    FROM iplm_scores s
    LEFT JOIN (SELECT level, bps_code,
                      CASE WHEN count(value) = count(*) THEN 100 * avg(value) END AS unrounded
               FROM iplm_scores WHERE year = $year AND element <> 'iplm' GROUP BY ALL) u USING (level, bps_code)
    WHERE s.year = $year
), published_wide AS (
    SELECT level, bps_code, region_text, source_file, row_number, coalesce(publishes_uplm, true) AS publishes_uplm,
           uplm1, uplm2, uplm3, uplm4, uplm5, uplm6, uplm7, iplm,
           uplm1_decimals, uplm2_decimals, uplm3_decimals, uplm4_decimals, uplm5_decimals, uplm6_decimals,
           uplm7_decimals, iplm_decimals
    FROM staging.terbitan WHERE year = $year
), published AS (
    FROM published_wide
    UNPIVOT INCLUDE NULLS ((published, decimals) FOR measure IN (
        (uplm1, uplm1_decimals) AS uplm1, (uplm2, uplm2_decimals) AS uplm2, (uplm3, uplm3_decimals) AS uplm3,
        (uplm4, uplm4_decimals) AS uplm4, (uplm5, uplm5_decimals) AS uplm5, (uplm6, uplm6_decimals) AS uplm6,
        (uplm7, uplm7_decimals) AS uplm7, (iplm, iplm_decimals) AS iplm))
    -- An IPLM-only table (Satu Data) publishes no UPLM: its areas are reconciled on the IPLM alone.
    WHERE publishes_uplm OR measure = 'iplm'
), iplm_only AS (
    SELECT DISTINCT level, bps_code FROM published_wide WHERE NOT publishes_uplm
), inputs_wide AS (
    SELECT level, bps_code, population, school_civitas, academic_civitas, institutions, libraries,
           collections, staff, visits_per_day, snp_libraries, participation, members
    FROM areas
), inputs AS (
    UNPIVOT inputs_wide
    ON population, school_civitas, academic_civitas, institutions, libraries, collections, staff,
       visits_per_day, snp_libraries, participation, members
    INTO NAME input VALUE amount
), compared AS (
    SELECT coalesce(c.level, p.level) AS level, coalesce(c.bps_code, p.bps_code) AS bps_code,
           coalesce(c.measure, p.measure) AS measure,
           -- an IPLM printed with more than 2 decimals (data.go.id: 62.969633) was not rounded: compare
           -- it with the unrounded computation, at its own precision
           CASE WHEN c.measure = 'iplm' AND p.decimals > 2 THEN c.computed_unrounded ELSE c.computed END
               AS computed,
           p.published, p.region_text,
           p.source_file, p.row_number, p.decimals,
           -- Half a unit of the value's last printed decimal (0,4189: 0.00005, 0.271669: 0.0000005,
           -- 62,62: 0.005), without a published value (or its precision), the report's 4 and 2 decimals.
           CASE WHEN p.decimals IS NOT NULL THEN 0.5 * pow(10, -p.decimals)
                WHEN coalesce(c.measure, p.measure) = 'iplm' THEN 0.005 ELSE 0.00005 END AS tolerance
    FROM (FROM computed c WHERE measure = 'iplm' OR NOT EXISTS (
              SELECT 1 FROM iplm_only o WHERE o.level = c.level AND o.bps_code = c.bps_code)) c
    FULL JOIN published p USING (level, bps_code, measure)
), explained AS (
    -- Back-solve a mismatching UPLM: UPLM = actual / (factor x base), so the published value implies
    -- base = actual / (factor x UPLM) with the computed actual, or actual = UPLM x factor x base.
    SELECT x.*, e.actual_measure, e.base_measure, e.cap,
           act.amount AS actual, base.amount AS base,
           e.factor_numerator / e.factor_denominator AS factor,
           CASE WHEN x.published > 0 AND x.published < coalesce(e.cap, 'infinity'::DOUBLE)
                THEN act.amount / ((e.factor_numerator / e.factor_denominator) * x.published) END AS implied_base,
           CASE WHEN x.published < coalesce(e.cap, 'infinity'::DOUBLE)
                THEN x.published * (e.factor_numerator / e.factor_denominator) * base.amount END AS implied_actual,
           CASE WHEN x.published > x.tolerance AND x.published < coalesce(e.cap, 'infinity'::DOUBLE)
                THEN act.amount / ((e.factor_numerator / e.factor_denominator) * (x.published + x.tolerance)) END
               AS implied_base_low,
           CASE WHEN x.published > x.tolerance AND x.published < coalesce(e.cap, 'infinity'::DOUBLE)
                THEN act.amount / ((e.factor_numerator / e.factor_denominator) * (x.published - x.tolerance)) END
               AS implied_base_high
    FROM compared x
    LEFT JOIN (SELECT * FROM methodology_applied WHERE year = $year) e ON x.measure = 'uplm' || e.uplm
    LEFT JOIN inputs act ON act.level = x.level AND act.bps_code = x.bps_code AND act.input = e.actual_measure
    LEFT JOIN inputs base ON base.level = x.level AND base.bps_code = x.bps_code AND base.input = e.base_measure
), statused AS (
    SELECT *,
           CASE WHEN published IS NULL AND computed IS NULL THEN 'missing_computed'
                WHEN published IS NULL THEN 'missing_published'
                WHEN computed IS NULL THEN 'missing_computed'
                WHEN abs(computed - published) <= tolerance + 1e-9 THEN 'match'
                ELSE 'mismatch' END AS status
    FROM explained
), regency_means AS (
    -- The mean of regency scores, to spot a published province (or nation) that was averaged
    -- rather than pooled (NTB 2024: province 60,42 while its regencies average 50,53).
    SELECT province_bps_code AS bps_code, 'province' AS level, avg(CAST(iplm AS DOUBLE)) AS regency_mean
    FROM iplm_regency WHERE year = $year GROUP BY ALL
    UNION ALL
    SELECT '00', 'national', avg(CAST(iplm AS DOUBLE)) FROM iplm_regency WHERE year = $year
), uplm_mismatches AS (
    SELECT level, bps_code, string_agg(upper(measure), ', ' ORDER BY measure) AS which
    FROM statused WHERE status = 'mismatch' AND measure <> 'iplm' GROUP BY ALL
)
SELECT $year AS year, s.level, s.bps_code,
       coalesce(a.area_name, s.region_text) AS area_name, s.measure, s.computed, s.published,
       s.computed - s.published AS difference, s.tolerance, s.status,
       CASE
           WHEN s.status = 'missing_computed' AND a.bps_code IS NULL THEN
               format('published in {} row {}, but the raw data hold no {} for it', s.source_file, s.row_number,
                      s.level)
           WHEN s.status = 'missing_computed' AND s.source_file IS NULL THEN
               format('neither published nor computable: {}', coalesce(a.missing_inputs, 'an input is missing'))
           WHEN s.status = 'missing_computed' THEN
               format('published in {} row {}; not computable: {}', s.source_file, s.row_number,
                      coalesce(a.missing_inputs, 'an input is missing'))
           WHEN s.status = 'missing_published' AND s.source_file IS NULL THEN 'not in the published tables'
           WHEN s.status = 'missing_published' THEN format('empty in {} row {}', s.source_file, s.row_number)
           WHEN s.status = 'mismatch' AND s.measure <> 'iplm' AND s.published >= coalesce(s.cap, 'infinity'::DOUBLE) THEN
               format('published {} is the cap; the computed {} = {:.0f} / ({:g} x {:.0f}) is below it',
                      s.published, s.measure, s.actual, s.factor, s.base)
           WHEN s.status = 'mismatch' AND s.measure <> 'iplm' THEN
               format('published {:.{}f} implies {} = {:.1f} ({:.1f}-{:.1f} within {}-decimal rounding) with the '
                      'computed {} = {:.0f}, where the sources give {:.0f}; or {} = {:.1f} with the computed {} = {:.0f}',
                      s.published, coalesce(s.decimals, 4), s.base_measure, s.implied_base, s.implied_base_low,
                      s.implied_base_high, coalesce(s.decimals, 4),
                      s.actual_measure, s.actual, s.base, s.actual_measure, s.implied_actual, s.base_measure, s.base)
           WHEN s.status = 'mismatch' AND m.which IS NOT NULL THEN
               format('follows from the mismatching {}', m.which)
           WHEN s.status = 'mismatch' THEN 'every UPLM matches: the published IPLM does not follow from them'
           WHEN s.status = 'match' AND s.computed <> s.published THEN 'equal at the published precision'
       END || CASE
           WHEN s.measure = 'iplm' AND s.level <> 'regency' AND r.regency_mean IS NOT NULL AND s.published IS NOT NULL
                AND abs(s.published - r.regency_mean) < abs(s.published - s.computed)
           THEN format('; the published value is closer to the mean of regency scores ({:.2f}) than to the pooled '
                       'value ({:.2f})', r.regency_mean, s.computed)
           ELSE '' END AS detail,
       CASE WHEN s.status = 'mismatch' THEN s.implied_base END AS implied_base,
       CASE WHEN s.status = 'mismatch' THEN s.implied_actual END AS implied_actual,
       CASE WHEN s.measure = 'iplm' AND s.level <> 'regency' AND s.published IS NOT NULL
            THEN abs(s.published - r.regency_mean) < abs(s.published - s.computed) END AS closer_to_regency_mean,
       s.source_file, s.row_number
FROM statused s
LEFT JOIN areas a USING (level, bps_code)
LEFT JOIN regency_means r USING (level, bps_code)
LEFT JOIN uplm_mismatches m USING (level, bps_code)

UNION ALL BY NAME

-- Source check: each BPS table's aggregate row (per province block of a national table) against
-- the sum of its regency rows, in the column the IPLM year takes for the indicator.
SELECT $year AS year, 'source' AS level, t.province_bps_code AS bps_code, t.province_name AS area_name,
       'bps_aggregate:' || t.indicator AS measure, rows.total AS computed, agg.value AS published,
       rows.total - agg.value AS difference,
       CASE WHEN t.unit_multiplier = 1000 THEN 10 * rows.n ELSE 0 END AS tolerance,
       CASE WHEN agg.value IS NULL THEN 'missing_published'
            WHEN rows.total IS NULL THEN 'missing_computed'
            WHEN abs(rows.total - agg.value) <= (CASE WHEN t.unit_multiplier = 1000 THEN 10 * rows.n ELSE 0 END) + 1e-9
                THEN 'match'
            ELSE 'mismatch' END AS status,
       format('{}: {} {} for {}: {} regency rows sum to {}, the {} row says {}{}', t.source_file, t.indicator,
              t.bps_period, t.province_name, coalesce(rows.n, 0),
              coalesce(format('{:.0f}', rows.total), 'n/a (a row is not available)'),
              coalesce(format('aggregate (row {})', agg.row_number), 'aggregate'),
              coalesce(format('{:.0f}', agg.value),
                       CASE WHEN t.has_aggregate THEN 'n/a' ELSE 'nothing (no aggregate row)' END),
              CASE WHEN t.unit_multiplier = 1000 THEN ' (table in Ribu: 0,01 thousand per row is rounding)' ELSE '' END)
           AS detail,
       NULL AS implied_base, NULL AS implied_actual, NULL AS closer_to_regency_mean,
       t.source_file, agg.row_number
FROM staging.bps_tables t
LEFT JOIN (
    SELECT source_file, province_bps_code, bps_period, count(*) AS n,
           CASE WHEN count(value) = count(*) THEN sum(value) END AS total
    FROM staging.bps WHERE year = $year AND NOT is_aggregate GROUP BY ALL
) rows ON rows.source_file = t.source_file AND rows.province_bps_code = t.province_bps_code
      AND rows.bps_period = t.bps_period
LEFT JOIN (
    SELECT source_file, bps_code AS province_bps_code, bps_period, value, row_number
    FROM staging.bps WHERE year = $year AND is_aggregate AND bps_code <> '00'
) agg ON agg.source_file = t.source_file AND agg.province_bps_code = t.province_bps_code
     AND agg.bps_period = t.bps_period
WHERE t.year = $year AND t.has_bps_year

UNION ALL BY NAME

-- Source check: which BPS column did the publisher use? A published regency UPLM below its cap
-- implies its base (population, institutions) = actual / (factor x UPLM), within the printed
-- precision; every period column the BPS tables hold is tried against that interval, per province.
-- computed = the BPS year whose column fits most published values; match when it is the column the
-- registry takes (methodology_bps_columns), mismatch when another column fits better.
SELECT $year AS year, 'source' AS level, f.province_bps_code AS bps_code, p.short_name AS area_name,
       'bps_year:' || f.indicator AS measure,
       CASE WHEN f.best_fits > 0 AND f.best_count = 1 THEN CAST(left(f.best_period, 4) AS DOUBLE) END AS computed,
       NULL AS published, NULL AS difference, 0 AS tolerance,
       CASE WHEN f.tried = 0 THEN 'missing_published'
            WHEN f.best_fits = 0 OR f.best_count > 1 THEN 'mismatch'
            WHEN f.best_period = f.taken THEN 'match' ELSE 'mismatch' END AS status,
       format('{} published regency values depending on {}: {}; the registry takes {}{}', f.tried, f.base_measure,
              f.per_period, f.taken,
              CASE WHEN f.tried = 0 THEN ''
                   WHEN f.best_fits = 0 THEN '; no column fits'
                   WHEN f.best_count > 1 THEN '; a tie between columns'
                   WHEN f.best_period <> f.taken THEN format('; the {} column fits better', f.best_period)
                   ELSE '' END) AS detail,
       NULL AS implied_base, NULL AS implied_actual, NULL AS closer_to_regency_mean,
       NULL AS source_file, NULL AS row_number
FROM (
    WITH implied AS (
        SELECT x.bps_code, x.base_measure, x.actual / (x.factor * (x.published + x.tolerance)) AS low,
               x.actual / (x.factor * (x.published - x.tolerance)) AS high
        FROM explained x
        WHERE x.level = 'regency' AND x.measure <> 'iplm' AND x.base_measure IN ('population', 'institutions')
          AND x.published > x.tolerance AND x.published < coalesce(x.cap, 'infinity'::DOUBLE) - x.tolerance
          AND x.actual IS NOT NULL
    ), candidates AS (
        SELECT bps_code, bps_period,
               max(value) FILTER (indicator = 'penduduk') AS population,
               CASE WHEN count(value) FILTER (indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) = 3
                    THEN sum(value) FILTER (indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) END
                   AS institutions
        FROM staging.bps WHERE year = $year AND NOT is_aggregate GROUP BY ALL
    ), candidate AS (
        UNPIVOT candidates ON population, institutions INTO NAME base_measure VALUE amount
    ), tried AS (
        SELECT r.province_bps_code, i.base_measure, count(*) AS tried
        FROM implied i JOIN iplm_regency r ON r.year = $year AND r.bps_code = i.bps_code GROUP BY ALL
    ), fits AS (
        SELECT r.province_bps_code, i.base_measure, c.bps_period,
               count(*) FILTER (c.amount BETWEEN i.low * (1 - 1e-12) AND i.high * (1 + 1e-12)) AS fits
        FROM implied i
        JOIN iplm_regency r ON r.year = $year AND r.bps_code = i.bps_code
        JOIN candidate c ON c.bps_code = i.bps_code AND c.base_measure = i.base_measure
        GROUP BY ALL
    ), taken AS (
        SELECT 'population' AS base_measure, any_value(population_bps_year) AS taken
        FROM iplm_regency WHERE year = $year
        UNION ALL
        SELECT 'institutions', any_value(institutions_bps_year) FROM iplm_regency WHERE year = $year
    )
    SELECT t.province_bps_code, t.base_measure,
           CASE t.base_measure WHEN 'population' THEN 'penduduk' ELSE 'institutions' END AS indicator,
           t.tried, k.taken,
           coalesce(max(f.fits), 0) AS best_fits,
           arg_max(f.bps_period, f.fits) AS best_period,
           count(*) FILTER (f.fits = (SELECT max(g.fits) FROM fits g WHERE g.province_bps_code = t.province_bps_code
                                     AND g.base_measure = t.base_measure)) AS best_count,
           coalesce(string_agg(format('{} fits {} of {}', f.bps_period, f.fits, t.tried), ', '
                               ORDER BY f.bps_period), 'no BPS column to try') AS per_period
    FROM tried t
    JOIN taken k USING (base_measure)
    LEFT JOIN fits f USING (province_bps_code, base_measure)
    GROUP BY ALL
) f
LEFT JOIN regions p ON p.level = 'province' AND p.bps_code = f.province_bps_code

UNION ALL BY NAME

-- Source check: each printed IPLM against 100 x the mean of its own printed UPLM. Each printed UPLM is
-- within half a unit of its last decimal of the value the IPLM was computed from, so the mean x 100 is
-- within 100 x the mean of those half-units, and the printed IPLM adds half a unit of its own:
-- 4-decimal UPLM and a 2-decimal IPLM give 0.005 + 0.005 = 0.01 (the report's "up to 0,01 is rounding"),
-- unrounded 6-decimal values give 0.00005 + 0.0000005. A larger gap is an error inside the publication.
-- IPLM-only tables print no UPLM and get no such row.
SELECT $year AS year, 'source' AS level, p.bps_code, p.region_text AS area_name, 'published_self:iplm' AS measure,
       p.self_iplm AS computed, p.iplm AS published, p.self_iplm - p.iplm AS difference,
       p.self_tolerance AS tolerance,
       CASE WHEN p.iplm IS NULL THEN 'missing_published'
            WHEN p.self_iplm IS NULL THEN 'missing_computed'
            WHEN abs(p.self_iplm - p.iplm) <= p.self_tolerance + 1e-9 THEN 'match'
            ELSE 'mismatch' END AS status,
       format('{} row {} ({}): printed IPLM against 100 x the mean of its printed UPLM{}', p.source_file,
              p.row_number, p.level,
              CASE WHEN abs(p.self_iplm - p.iplm) > p.self_tolerance + 1e-9
                       THEN format('; the gap exceeds the {:g} that rounding allows: a publication error',
                                   p.self_tolerance)
                   WHEN round(p.self_iplm, coalesce(p.iplm_decimals, 2)) <> p.iplm
                       THEN format('; {:g} apart, within the {:g} that rounding the printed values allows',
                                   abs(p.self_iplm - p.iplm), p.self_tolerance)
                   ELSE '' END) AS detail,
       NULL AS implied_base, NULL AS implied_actual, NULL AS closer_to_regency_mean, p.source_file, p.row_number
FROM (
    -- 100 x the mean of the row's printed elements (as many as the year's method has, all printed),
    -- and the rounding the printed precisions allow.
    SELECT w.*, e.self_iplm, e.self_tolerance
    FROM published_wide w
    JOIN (SELECT source_file, row_number,
                 -- the elements of the method applied to the year, else of the registered one
                 CASE WHEN count(published) = coalesce(
                          nullif((SELECT count(*) FROM methodology_applied WHERE year = $year), 0),
                          (SELECT count(*) FROM methodology_elements WHERE year = $year))
                      THEN 100 * avg(published) END AS self_iplm,
                 100 * avg(0.5 * pow(10, -coalesce(decimals, 4))) AS uplm_half
          FROM published WHERE measure <> 'iplm' GROUP BY ALL) u USING (source_file, row_number)
    CROSS JOIN LATERAL (SELECT u.self_iplm, u.uplm_half + 0.5 * pow(10, -coalesce(w.iplm_decimals, 2))
                               AS self_tolerance) e
    WHERE w.publishes_uplm) p

UNION ALL BY NAME

-- Source check: a printed category against the band of the printed IPLM (methodology bands of the
-- year). A category that belongs to a value within half a unit of the printed IPLM is rounding
-- (49,995 printed as 50,00 may be Rendah), any other disagreement is an error in the publication.
SELECT $year AS year, 'source' AS level, p.bps_code, p.region_text AS area_name,
       'published_self:category' AS measure, NULL AS computed, p.iplm AS published, NULL AS difference,
       p.half AS tolerance,
       CASE WHEN b.category IS NULL THEN 'missing_computed'
            WHEN p.category IN (b.category, lo.category, hi.category) THEN 'match'
            ELSE 'mismatch' END AS status,
       format('{} row {} ({}): printed category {} for the printed IPLM {}, whose band is {}{}', p.source_file,
              p.row_number, p.level, p.category, p.iplm, coalesce(b.category, 'unknown (no band for the year)'),
              CASE WHEN b.category IS NULL THEN ''
                   WHEN p.category = b.category THEN ''
                   WHEN p.category IN (lo.category, hi.category)
                       THEN '; the band boundary lies within the rounding of the printed IPLM'
                   ELSE '; a publication error: the category does not follow from the IPLM' END) AS detail,
       NULL AS implied_base, NULL AS implied_actual, NULL AS closer_to_regency_mean, p.source_file, p.row_number
FROM (
    SELECT *, 0.5 * pow(10, -coalesce(iplm_decimals, 2)) AS half
    FROM staging.terbitan WHERE year = $year AND category IS NOT NULL AND iplm IS NOT NULL
) p
LEFT JOIN (SELECT * FROM methodology_bands WHERE year = $year) b
    ON p.iplm >= b.lower AND (b.upper IS NULL OR p.iplm < b.upper)
LEFT JOIN (SELECT * FROM methodology_bands WHERE year = $year) lo
    ON p.iplm - p.half >= lo.lower AND (lo.upper IS NULL OR p.iplm - p.half < lo.upper)
LEFT JOIN (SELECT * FROM methodology_bands WHERE year = $year) hi
    ON p.iplm + p.half >= hi.lower AND (hi.upper IS NULL OR p.iplm + p.half < hi.upper)
ORDER BY level, bps_code, measure;
