-- Grain: one row per validated library row of one IPLM year (library_typed without the rows in
-- library_rejected), with the dedupe decision (SOURCES.md §2):
--   rows equal in every field but `No` keep one (the last read), the rest are duplicate_identical;
--   then per NPP the row with the latest Tanggal Pembaruan wins, older ones are duplicate_older;
--   same NPP and same date but different values: the row read last wins (files in name order,
--   rows in order), the other is duplicate_conflict. A missing date counts as oldest.
CREATE OR REPLACE TEMP TABLE library_decisions AS
WITH candidates AS (
    SELECT * FROM library_typed WHERE row_id NOT IN (SELECT row_id FROM library_rejected)
), copies AS (
    SELECT *,
           row_number() OVER (
               PARTITION BY npp, name, library_type, subtype, province_name, regency_name, district_name,
                            collection_titles, collections, librarians, technicians, staff_total, visits_per_day,
                            members, participation, snp, updated_at
               ORDER BY read_order DESC) AS copy_rank
    FROM candidates
), versions AS (
    SELECT read_order,
           row_number() OVER (PARTITION BY npp ORDER BY updated_at DESC NULLS LAST, read_order DESC)
               AS version_rank
    FROM copies WHERE copy_rank = 1
), winners AS (
    SELECT c.npp, c.updated_at AS kept_updated_at, c.source_file AS kept_file, c.row_number AS kept_row
    FROM copies c JOIN versions v USING (read_order) WHERE v.version_rank = 1
)
SELECT c.row_id,
       CASE WHEN c.copy_rank > 1 THEN 'duplicate_identical'
            WHEN v.version_rank = 1 THEN NULL
            WHEN c.updated_at IS NOT DISTINCT FROM w.kept_updated_at THEN 'duplicate_conflict'
            ELSE 'duplicate_older' END AS drop_reason,
       w.kept_file, w.kept_row, w.kept_updated_at
FROM copies c
LEFT JOIN versions v USING (read_order)
JOIN winners w USING (npp);
