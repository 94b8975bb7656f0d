-- Score marts with more than one row per grain key for years $years. Zero rows = pass.
SELECT 'iplm_regency' AS mart, year, bps_code, count(*) AS rows
FROM iplm_regency WHERE year IN (SELECT unnest($years::INTEGER[])) GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'iplm_province', year, bps_code, count(*)
FROM iplm_province WHERE year IN (SELECT unnest($years::INTEGER[])) GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'iplm_national', year, '00', count(*)
FROM iplm_national WHERE year IN (SELECT unnest($years::INTEGER[])) GROUP BY ALL HAVING count(*) > 1;
