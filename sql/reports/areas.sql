-- For `iplm export|report|chart`: one row per area (kabupaten/kota, province, nation) of IPLM year
-- $year, every level in one shape. Order: per province (BPS code), its regencies in BPS-code order,
-- then the province itself; the nation last (the Satu Data portal order). Names are the official ones with prefix from `regions`
-- ("Kabupaten Sabu Raijua", "Provinsi Nusa Tenggara Timur"); no category under an uncapped method. UNION ALL BY NAME keeps any column a
-- newer pipeline adds to the score marts (e.g. per-input `*_bps_year`) and NULLs it where absent.
WITH scores AS (
    SELECT 'regency' AS level, * EXCLUDE (regency_name, province_name) FROM iplm_regency WHERE year = $year
    UNION ALL BY NAME
    SELECT 'province' AS level, bps_code AS province_bps_code, * EXCLUDE (province_name, regencies)
    FROM iplm_province WHERE year = $year
    UNION ALL BY NAME
    SELECT 'national' AS level, '00' AS bps_code, '00' AS kemendagri_code, * EXCLUDE (provinces, regencies)
    FROM iplm_national WHERE year = $year
)
SELECT s.level, s.year, s.bps_code, s.kemendagri_code, s.province_bps_code,
       coalesce(g.name, 'Indonesia') AS area_name, coalesce(g.short_name, 'Indonesia') AS short_name,
       s.* EXCLUDE (level, year, bps_code, kemendagri_code, province_bps_code, iplm, category, method_id),
       s.iplm::DOUBLE AS iplm,  -- exact: 2 decimals, formatted by the writers
       -- Under an uncapped method (2022) the IPLM is not on the 0-100 scale the bands are drawn on,
       -- so a category would mislead (METHODOLOGY.md: such a figure must not carry one).
       CASE WHEN m.cap IS NULL THEN NULL ELSE s.category END AS category,
       coalesce(s.method_id, m.method_id) AS method_id, m.bps_reference_year, m.cap AS method_cap
FROM scores s
LEFT JOIN regions g ON g.level = s.level AND g.bps_code = s.bps_code
-- the method the year was computed with (methodology_applied, e.g. by --method), else the registered one
JOIN (SELECT m.year, coalesce(a.method_id, m.method_id) AS method_id, m.bps_reference_year,
             CASE WHEN a.year IS NOT NULL THEN a.cap ELSE m.cap END AS cap
      FROM methodology m
      LEFT JOIN (SELECT DISTINCT year, method_id, cap FROM methodology_applied) a USING (year)) m USING (year)
ORDER BY s.province_bps_code NULLS LAST, s.level = 'province', s.bps_code;
