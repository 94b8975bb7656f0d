-- For `iplm reconcile --year $year`: what needs explaining, most important first: mismatches of
-- the index, then of its elements, then source checks; missing rows only counted (see summary).
-- Rounded for display only, to the finest precision published (6 decimals in open-data files).
SELECT level, bps_code, area_name, measure, round(computed, 6) AS computed, round(published, 6) AS published,
       round(difference, 7) AS difference, status, implied_base, implied_actual, detail
FROM reconciliation
WHERE year = $year AND status = 'mismatch'
ORDER BY level = 'source', CASE level WHEN 'national' THEN 0 WHEN 'province' THEN 1 ELSE 2 END,
         measure <> 'iplm', bps_code, measure;
