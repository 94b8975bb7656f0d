-- Grain: one row per (year, province), from inputs pooled over its regencies (never an average
-- of regency scores). Replaces the rows of IPLM year $year only.
DELETE FROM iplm_province WHERE year = $year;

INSERT INTO iplm_province BY NAME
SELECT $year AS year, i.bps_code, p.kemendagri_code, p.short_name AS province_name,
       i.* EXCLUDE (level, bps_code, province_bps_code),
       s.* EXCLUDE (level, bps_code)
FROM area_inputs i
JOIN area_scores s USING (level, bps_code)
JOIN regions p ON p.bps_code = i.bps_code AND p.level = 'province'
WHERE i.level = 'province'
ORDER BY i.bps_code;
