-- Grain: one row per (year, kabupaten/kota) of iplm_regency: libraries registered, by type, per
-- input field the share of those libraries that reported it (NULL share when there are no
-- libraries), and the export rows naming the regency (by NPP) that were quarantined, by reason.
-- Read next to the index: a low UPLM from empty fields is not a low UPLM from few libraries.
-- Replaces the rows of IPLM year $year only.
DELETE FROM data_completeness WHERE year = $year;

INSERT INTO data_completeness BY NAME
WITH lost AS (
    SELECT bps_code, sum(n) AS rows_quarantined, string_agg(reason || ' ' || n, ', ' ORDER BY reason) AS by_reason
    FROM (SELECT bps_code, reason, count(*) AS n FROM quarantine
          WHERE year = $year AND source = 'perpustakaan' AND bps_code IS NOT NULL GROUP BY ALL)
    GROUP BY bps_code
)
SELECT r.year, r.bps_code, r.kemendagri_code, r.province_bps_code, r.regency_name,
       count(l.npp) AS libraries,
       count(l.npp) FILTER (l.library_type = 'Umum') AS libraries_umum,
       count(l.npp) FILTER (l.library_type = 'Sekolah') AS libraries_sekolah,
       count(l.npp) FILTER (l.library_type = 'Perguruan Tinggi') AS libraries_perguruan_tinggi,
       count(l.npp) FILTER (l.library_type = 'Khusus') AS libraries_khusus,
       count(l.collection_titles) / nullif(count(l.npp), 0) AS share_collection_titles,
       count(l.collections) / nullif(count(l.npp), 0) AS share_collections,
       count(l.librarians) / nullif(count(l.npp), 0) AS share_librarians,
       count(l.technicians) / nullif(count(l.npp), 0) AS share_technicians,
       count(l.visits_per_day) / nullif(count(l.npp), 0) AS share_visits_per_day,
       count(l.snp) / nullif(count(l.npp), 0) AS share_snp,
       count(l.participation) / nullif(count(l.npp), 0) AS share_participation,
       count(l.members) / nullif(count(l.npp), 0) AS share_members,
       count(l.updated_at) / nullif(count(l.npp), 0) AS share_updated_at,
       -- all seven inputs reported: the libraries whose figures fully count in the index
       count(l.npp) FILTER (l.collections IS NOT NULL AND (l.librarians IS NOT NULL OR l.technicians IS NOT NULL
                                                       OR l.staff_total IS NOT NULL)
                            AND l.visits_per_day IS NOT NULL AND l.snp IS NOT NULL
                            AND l.participation IS NOT NULL AND l.members IS NOT NULL)
           / nullif(count(l.npp), 0) AS share_complete,
       coalesce(any_value(q.rows_quarantined), 0) AS rows_quarantined,
       any_value(q.by_reason) AS quarantined_by_reason
FROM iplm_regency r
LEFT JOIN staging.perpustakaan l ON l.year = r.year AND l.bps_code = r.bps_code
LEFT JOIN lost q ON q.bps_code = r.bps_code
WHERE r.year = $year
GROUP BY ALL
ORDER BY r.bps_code;
