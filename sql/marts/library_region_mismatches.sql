-- Grain: one row per (year, library) whose Kabupaten/Kota text disagrees with the regency of its
-- NPP (the NPP decides; SOURCES.md §2). Replaces the rows of IPLM year $year only.
DELETE FROM library_region_mismatches WHERE year = $year;

INSERT INTO library_region_mismatches BY NAME
SELECT l.year, l.npp, l.name, l.kemendagri_code, l.bps_code, r.name AS npp_regency_name,
       l.regency_name AS text_regency_name, l.text_region_code, l.text_region_status AS status,
       l.source_file, l.sheet, l.row_number
FROM staging.perpustakaan l
JOIN regions r ON r.kemendagri_code = l.kemendagri_code
WHERE l.year = $year AND l.text_region_status IN ('other_regency', 'unknown_text')
ORDER BY l.source_file, l.row_number;
