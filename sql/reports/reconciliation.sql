-- Reconciliation rows of one province's areas in IPLM year $year: its kabupaten/kota, the province
-- itself, and the source checks of either (level source: bps_aggregate under the province's code,
-- published_self under the area's). Mismatches first.
SELECT level, bps_code, area_name, measure, computed, published, difference, tolerance, status, detail,
       implied_base, implied_actual, closer_to_regency_mean, source_file, row_number
FROM reconciliation
WHERE year = $year
  AND (bps_code = $province_bps_code
       OR bps_code IN (SELECT bps_code FROM iplm_regency WHERE year = $year AND province_bps_code = $province_bps_code))
ORDER BY status <> 'mismatch', CASE level WHEN 'province' THEN 0 WHEN 'regency' THEN 1 ELSE 2 END, bps_code, measure;
