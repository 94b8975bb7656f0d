-- The report's detail block (view iplm_detail) of IPLM year $year: one row per (level, area).
SELECT * FROM iplm_detail WHERE year = $year;
