-- Grain: one row per (year, kabupaten/kota). Replaces the rows of IPLM year $year only.
DELETE FROM iplm_regency WHERE year = $year;

INSERT INTO iplm_regency BY NAME
SELECT $year AS year, i.bps_code, r.kemendagri_code, i.province_bps_code,
       p.short_name AS province_name, r.name AS regency_name,
       i.* EXCLUDE (level, bps_code, province_bps_code, regencies),
       s.* EXCLUDE (level, bps_code)
FROM area_inputs i
JOIN area_scores s USING (level, bps_code)
JOIN regions r ON r.bps_code = i.bps_code AND r.level = 'regency'
JOIN regions p ON p.bps_code = i.province_bps_code AND p.level = 'province'
WHERE i.level = 'regency'
ORDER BY i.bps_code;
