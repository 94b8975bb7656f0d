-- Published figures (and BPS aggregates) that disagree with the computation for years $years.
-- A WARN check: disagreement with a publisher is information to explain, not a broken pipeline.
SELECT year, level, bps_code, area_name, measure, computed, published, difference, detail
FROM reconciliation
WHERE year IN (SELECT unnest($years::INTEGER[])) AND status = 'mismatch'
ORDER BY year, level, bps_code, measure;
