-- Score rows for years $years with a negative input, a UPLM below 0 or above the cap of the
-- year's method (uncapped methods, e.g. 2022, may exceed 1), or an IPLM outside 0..100 under a
-- capped method. Zero rows = pass.
WITH scores AS (
    SELECT 'iplm_regency' AS mart, * EXCLUDE (kemendagri_code, province_bps_code, province_name, regency_name)
    FROM iplm_regency
    UNION ALL BY NAME
    SELECT 'iplm_province' AS mart, * EXCLUDE (kemendagri_code, province_name, regencies) FROM iplm_province
    UNION ALL BY NAME
    SELECT 'iplm_national' AS mart, '00' AS bps_code, * EXCLUDE (provinces, regencies) FROM iplm_national
)
SELECT s.mart, s.year, s.bps_code, s.uplm1, s.uplm2, s.uplm3, s.uplm4, s.uplm5, s.uplm6, s.uplm7, s.iplm,
       m.cap
FROM scores s
JOIN (-- the cap of the method the year was computed with (methodology_applied), else the registered one
      SELECT m.year, CASE WHEN a.year IS NOT NULL THEN a.cap ELSE m.cap END AS cap
      FROM methodology m LEFT JOIN (SELECT DISTINCT year, cap FROM methodology_applied) a USING (year)) m
  USING (year)
WHERE s.year IN (SELECT unnest($years::INTEGER[]))
  AND (least(s.population, s.school_civitas, s.academic_civitas, s.institutions, s.libraries,
             s.collections, s.staff, s.visits_per_day, s.snp_libraries, s.participation, s.members) < 0
       OR least(s.uplm1, s.uplm2, s.uplm3, s.uplm4, s.uplm5, s.uplm6, s.uplm7) < 0
       OR (m.cap IS NOT NULL AND greatest(s.uplm1, s.uplm2, s.uplm3, s.uplm4, s.uplm5, s.uplm6, s.uplm7) > m.cap)
       OR (m.cap IS NOT NULL AND (s.iplm < 0 OR s.iplm > 100 * m.cap)))
ORDER BY s.mart, s.year, s.bps_code;
