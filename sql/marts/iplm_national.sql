-- Grain: one row per year, from inputs pooled over every regency loaded for IPLM year $year.
DELETE FROM iplm_national WHERE year = $year;

INSERT INTO iplm_national BY NAME
SELECT $year AS year,
       (SELECT count(*) FROM area_inputs WHERE level = 'province') AS provinces,
       i.* EXCLUDE (level, bps_code, province_bps_code),
       s.* EXCLUDE (level, bps_code)
FROM area_inputs i
JOIN area_scores s USING (level, bps_code)
WHERE i.level = 'national';
