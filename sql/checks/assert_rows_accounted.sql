-- Files of source $source and years $years whose rows do not add up. Zero rows = pass.
-- rows_read comes from the reader; kept and quarantined are counted in the stored tables, so a
-- row lost anywhere between the file and the marts shows here.
WITH kept AS (
    -- a BPS table row is kept once, whatever number of period columns it has values in
    SELECT year, 'bps' AS source, source_file, count(DISTINCT (sheet, row_number)) AS n
    FROM staging.bps GROUP BY ALL
    UNION ALL
    SELECT year, 'perpustakaan', source_file, count(*) FROM staging.perpustakaan GROUP BY ALL
    UNION ALL
    SELECT year, 'terbitan', source_file, count(*) FROM staging.terbitan GROUP BY ALL
), quarantined AS (
    SELECT year, source, source_file, count(*) AS n FROM quarantine GROUP BY ALL
), ledger AS (
    SELECT f.year, f.source, f.source_file, f.rows_read, f.rows_kept, f.rows_quarantined,
           coalesce(k.n, 0) AS kept_stored, coalesce(q.n, 0) AS quarantined_stored
    FROM source_files f
    FULL JOIN kept k USING (year, source, source_file)
    FULL JOIN quarantined q USING (year, source, source_file)
)
SELECT * FROM ledger
WHERE source = $source AND year IN (SELECT unnest($years::INTEGER[]))
  AND (rows_read IS NULL
       OR rows_read <> kept_stored + quarantined_stored
       OR rows_kept <> kept_stored
       OR rows_quarantined <> quarantined_stored)
ORDER BY year, source_file;
