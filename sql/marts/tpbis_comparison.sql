-- Grain: one row per (year, unit, partner_group, measure) for IPLM year $year, from the resolved
-- partner list `tpbis_partners_resolved` (iplm_pipeline/tpbis.py registers it).
-- unit 'regency': iplm and each UPLM of the method applied (methodology_applied), mean over the
--   group's regencies; completeness = share of the group's libraries that reported the field
--   behind the measure (every input for iplm; libraries themselves are always counted: 1).
-- unit 'library': each library's own fields (staging.perpustakaan), mean over the libraries that
--   reported the field; completeness = that share.
-- partner_group: partner_after_joining (joined_year <= year), partner_before_joining, non_partner.
-- difference_from_non_partner is descriptive: partners were not chosen at random.
DELETE FROM tpbis_comparison WHERE year = $year;

INSERT INTO tpbis_comparison BY NAME
WITH partner_regency AS (
    SELECT bps_code, min(joined_year) AS joined_year FROM tpbis_partners_resolved GROUP BY bps_code
), partner_library AS (
    SELECT npp, min(joined_year) AS joined_year FROM tpbis_partners_resolved WHERE level = 'npp' GROUP BY npp
), grouped_regency AS (
    SELECT r.*,
           CASE WHEN p.joined_year IS NULL THEN 'non_partner'
                WHEN p.joined_year <= r.year THEN 'partner_after_joining'
                ELSE 'partner_before_joining' END AS partner_group
    FROM iplm_regency r LEFT JOIN partner_regency p USING (bps_code)
    WHERE r.year = $year
), libs AS (
    -- one row per library of the year: what it reported, and its groups as a library and by regency
    SELECT l.npp, l.bps_code, g.partner_group AS regency_group,
           CASE WHEN p.joined_year IS NULL THEN 'non_partner'
                WHEN p.joined_year <= l.year THEN 'partner_after_joining'
                ELSE 'partner_before_joining' END AS library_group,
           l.collection_titles, l.collections,
           CASE WHEN l.librarians IS NOT NULL OR l.technicians IS NOT NULL
                THEN coalesce(l.librarians, 0) + coalesce(l.technicians, 0) END AS staff,
           l.visits_per_day, CAST(l.snp AS DOUBLE) AS snp_libraries, l.participation, l.members,
           (l.collections IS NOT NULL AND (l.librarians IS NOT NULL OR l.technicians IS NOT NULL)
            AND l.visits_per_day IS NOT NULL AND l.snp IS NOT NULL
            AND l.participation IS NOT NULL AND l.members IS NOT NULL) AS complete
    FROM staging.perpustakaan l
    JOIN grouped_regency g USING (bps_code)
    LEFT JOIN partner_library p USING (npp)
    WHERE l.year = $year
), reported AS (
    -- per regency group and input measure: the share of its libraries that reported the field
    SELECT regency_group AS partner_group, measure, avg(CAST(value IS NOT NULL AS DOUBLE)) AS share
    FROM (FROM libs SELECT regency_group, collections, staff, visits_per_day, snp_libraries, participation, members)
         UNPIVOT INCLUDE NULLS (value FOR measure IN (collections, staff, visits_per_day, snp_libraries,
                                                      participation, members))
    GROUP BY ALL
    UNION ALL
    SELECT regency_group, 'libraries', 1.0 FROM libs GROUP BY ALL
    UNION ALL
    SELECT regency_group, '*', avg(CAST(complete AS DOUBLE)) FROM libs GROUP BY ALL
), regency_long AS (
    SELECT partner_group, bps_code, element AS measure, value,
           CASE WHEN element = 'iplm' THEN 0 ELSE CAST(substr(element, 5) AS INTEGER) END AS uplm
    FROM (FROM grouped_regency SELECT partner_group, bps_code, CAST(iplm AS DOUBLE) AS iplm, COLUMNS('^uplm[0-9]+$'))
         UNPIVOT INCLUDE NULLS (value FOR element IN (iplm, COLUMNS('^uplm[0-9]+$')))
), regency_rows AS (
    SELECT 'regency' AS unit, l.partner_group, l.measure, coalesce(e.name, 'IPLM') AS measure_name,
           count(*) AS n, count(l.value) AS n_with_value, avg(l.value) AS mean_value,
           any_value(s.share) AS completeness
    FROM regency_long l
    LEFT JOIN (SELECT uplm, name, actual_measure FROM methodology_applied WHERE year = $year) e ON e.uplm = l.uplm
    LEFT JOIN reported s ON s.partner_group = l.partner_group
                        AND s.measure = CASE WHEN l.uplm = 0 THEN '*' ELSE e.actual_measure END
    WHERE l.uplm = 0 OR e.uplm IS NOT NULL
    GROUP BY ALL
), library_rows AS (
    SELECT 'library' AS unit, library_group AS partner_group, measure,
           CASE measure WHEN 'collection_titles' THEN 'Jumlah Koleksi Judul'
                        WHEN 'collections' THEN 'Jumlah Koleksi Eksemplar'
                        WHEN 'staff' THEN 'Pustakawan + Tenaga Teknis'
                        WHEN 'visits_per_day' THEN 'Rata-rata Kunjungan per Hari'
                        WHEN 'snp_libraries' THEN 'Share Dibina Sesuai SNP = Ya'
                        WHEN 'participation' THEN 'Jumlah Keterlibatan Masyarakat'
                        WHEN 'members' THEN 'Jumlah Anggota' END AS measure_name,
           count(*) AS n, count(value) AS n_with_value, avg(value) AS mean_value,
           count(value) / count(*) AS completeness
    FROM (FROM libs SELECT library_group, collection_titles, collections, staff, visits_per_day, snp_libraries,
                           participation, members)
         UNPIVOT INCLUDE NULLS (value FOR measure IN (collection_titles, collections, staff, visits_per_day,
                                                      snp_libraries, participation, members))
    GROUP BY ALL
), together AS (
    SELECT * FROM regency_rows UNION ALL BY NAME SELECT * FROM library_rows
)
SELECT $year AS year, *,
       CASE WHEN partner_group <> 'non_partner'
            THEN mean_value - max(mean_value) FILTER (partner_group = 'non_partner') OVER (PARTITION BY unit, measure)
       END AS difference_from_non_partner
FROM together
-- only when a partner list is loaded: an empty list means no comparison at all
WHERE EXISTS (SELECT 1 FROM tpbis_partners_resolved)
ORDER BY unit, measure, partner_group;
