-- Provinces with library exports in years $years whose BPS inputs are missing, wholly or in the
-- column the year takes (methodology_bps_columns): one row per (year, province, indicator).
-- Zero rows = pass. Blocking: a year computed without them would publish NULL or wrong scores
-- over a good year. A single regency's value that is not available is not this check's business:
-- it leaves that regency's affected UPLM NULL with the reason in missing_inputs.
WITH present AS (
    SELECT DISTINCT l.year, r.province_bps_code
    FROM staging.perpustakaan l JOIN regions r ON r.kemendagri_code = l.kemendagri_code
    WHERE l.year IN (SELECT unnest($years::INTEGER[]))
), needed AS (
    SELECT p.year, p.province_bps_code, c.indicator, c.bps_period
    FROM present p JOIN methodology_bps_columns c USING (year)
), tables AS (
    SELECT year, province_bps_code, indicator, bool_or(has_bps_year) AS has_column,
           string_agg(DISTINCT source_file, ', ') AS files, string_agg(DISTINCT years_in_table, '; ') AS periods
    FROM staging.bps_tables GROUP BY ALL
)
SELECT n.year, n.province_bps_code, pr.short_name AS province, n.indicator, n.bps_period AS column_needed,
       CASE WHEN t.files IS NULL THEN format('no table in bps/{}/ for this province', n.indicator)
            ELSE format('{} has no {} column (it has {})', t.files, n.bps_period, t.periods) END AS problem
FROM needed n
LEFT JOIN tables t USING (year, province_bps_code, indicator)
LEFT JOIN regions pr ON pr.level = 'province' AND pr.bps_code = n.province_bps_code
WHERE t.files IS NULL OR NOT t.has_column
ORDER BY n.year, n.province_bps_code, n.indicator;
