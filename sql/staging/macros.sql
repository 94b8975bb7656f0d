-- Indonesian notation, as SQL macros for column-wise typing in DuckDB. The same grammar as
-- iplm_pipeline/parsing.py:parse_number (tests/unit/test_parsing.py checks they agree):
-- '.' groups thousands, ',' is the decimal mark; '-'/'–'/'—' is zero (nihil);
-- '', '…', '...', 'NA', 'N/A', 'x' are not available; anything else is not a number.
-- The macros take text already passed through id_compact, so each cell is cleaned once.
-- list_contains, not IN (...): DuckDB plans IN lists over a column as joins, 10x slower here.
CREATE OR REPLACE TEMP MACRO id_compact(t) AS replace(trim(replace(coalesce(t, ''), chr(160), ' ')), ' ', '');

CREATE OR REPLACE TEMP MACRO id_number(c) AS
    CASE WHEN list_contains(['-', '–', '—'], c) THEN 0.0
         WHEN regexp_full_match(c, '[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?')
             THEN CAST(replace(replace(c, '.', ''), ',', '.') AS DOUBLE) END;

-- Given n = id_number(c): unreadable when there is no number and the text is no missing marker.
CREATE OR REPLACE TEMP MACRO id_number_invalid(c, n) AS
    n IS NULL AND NOT list_contains(['', '…', '...', 'na', 'n/a', 'x'], lower(c));

-- dd/mm/yyyy or yyyy-mm-dd (optionally with a time). A bare number is no date: native xlsx date
-- cells arrive as 'yyyy-mm-dd' text (parsing.cell_text), so '45366' is an Excel serial typed as
-- text, '2024' a year and '202403' a month, none of them a day (id_date_is_number: implausible_date).
CREATE OR REPLACE TEMP MACRO id_date_is_number(t) AS regexp_full_match(t, '[0-9]+(?:[.,][0-9]+)?');

CREATE OR REPLACE TEMP MACRO id_date(t) AS coalesce(
    CAST(try_strptime(t, '%d/%m/%Y') AS DATE),
    CAST(try_strptime(t, '%Y-%m-%d') AS DATE),
    CAST(try_strptime(t, '%Y-%m-%d %H:%M:%S') AS DATE),
    CAST(try_strptime(t, '%d/%m/%Y %H:%M:%S') AS DATE));
