"""Release changes: what a newly published marts file changes against the file it replaces.

`Warehouse.publish` calls `record_release_changes(ready, published, scratch)` on the ready file
just before renaming it over `iplm.duckdb`, under the publish lock: the current published file
(about to become `iplm.previous.duckdb`) is byte-copied to `scratch` (no DuckDB lock needed, an
analyst may hold it), attached read-only and compared table by table with the ready file. The
result replaces the ready file's `release_changes`:

- kind `release`: one row, when and against what (or "first release");
- kind `table`: per table (and `iplm_year`, for year tables) rows before and after, and rows added,
  removed and changed by the table's grain key (`GRAIN_KEYS`; a table without one is compared
  as whole rows, so a changed row counts as one removed and one added);
- kind `area`: per score-mart area and year whose `iplm` or `category` changed, old and new.

`iplm diff` prints a one-screen summary of it (`print_summary`). A failure to compare never
blocks publishing: it is recorded as the release row's note.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from pathlib import Path

import duckdb

# The grain of each published table (sql/schema/*.sql "one row per ..."): rows are matched on it.
GRAIN_KEYS: dict[str, tuple[str, ...]] = {
    "staging.bps": ("year", "indicator", "source_file", "sheet", "row_number"),
    "staging.bps_tables": ("year", "indicator", "source_file", "sheet"),
    "staging.perpustakaan": ("year", "npp"),
    "staging.terbitan": ("year", "level", "bps_code"),
    "iplm_regency": ("year", "bps_code"),
    "iplm_province": ("year", "bps_code"),
    "iplm_national": ("year",),
    "quarantine": ("year", "source", "source_file", "sheet", "row_number", "reason"),
    "source_files": ("year", "source", "source_file", "sheet"),
    "corrections_applied": ("year", "source", "source_year", "area", "field"),
    "data_completeness": ("year", "bps_code"),
    "reconciliation": ("year", "level", "bps_code", "measure"),
    "library_region_mismatches": ("year", "npp"),
    "iplm_targets": ("year", "bps_code", "plan", "input"),
    "tpbis_comparison": ("year", "unit", "partner_group", "measure"),
    "regions": ("level", "kemendagri_code"),
    "methodology": ("year",),
    "methodology_elements": ("year", "uplm"),
    "methodology_bands": ("year", "lower"),
    "methodology_bps_columns": ("year", "indicator"),
    "methodology_applied": ("year", "uplm"),
    "iplm_scores": ("year", "level", "bps_code", "element"),
}
# Score marts: (table, area name expression) whose areas' iplm and category changes are listed.
SCORE_MARTS = {"iplm_regency": ("regency", "bps_code", "regency_name"),
               "iplm_province": ("province", "bps_code", "province_name"),
               "iplm_national": ("national", "'00'", "'Indonesia'")}
NO_CHANGES = "No changes against the previous release."


def _tables() -> list[str]:
    from iplm_pipeline.warehouse import REFERENCE_TABLES, YEAR_TABLES

    return [*YEAR_TABLES, *REFERENCE_TABLES]


class _Catalog:
    """Column names per (database, table), read once (duckdb_columns() costs ~30 ms a call)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.columns: dict[tuple[str, str], list[str]] = {}
        for database, schema, table, column in con.execute(
                "SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() "
                "ORDER BY database_name, schema_name, table_name, column_index").fetchall():
            name = table if schema == "main" else f"{schema}.{table}"
            self.columns.setdefault((database, name), []).append(column)

    def __call__(self, database: str, table: str) -> list[str]:
        return self.columns.get((database, table.removeprefix("main.")), [])


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _compare_table(con, table: str, new_db: str, columns: _Catalog) -> tuple[list[tuple], str | None]:
    """Rows (year, before, after, added, removed, changed) per year of one table, and a note."""
    schema, _, name = table.rpartition(".")
    qualified = f"{schema or 'main'}.{name}"
    new_cols, old_cols = columns(new_db, table), columns("old", table)
    if not new_cols and not old_cols:
        return [], None
    notes = []
    if not old_cols:
        notes.append("table is new in this release")
    elif not new_cols:
        notes.append("table was removed in this release")
    elif set(new_cols) != set(old_cols):
        only_new = sorted(set(new_cols) - set(old_cols))
        only_old = sorted(set(old_cols) - set(new_cols))
        notes.append("columns differ (" + "; ".join(
            part for part in (f"new: {', '.join(only_new)}" if only_new else "",
                              f"dropped: {', '.join(only_old)}" if only_old else "") if part)
                     + "); compared on the common columns")
    common = [c for c in (new_cols or old_cols) if c in (old_cols or new_cols)]
    key = [c for c in GRAIN_KEYS.get(table, ()) if c in common]
    if table not in GRAIN_KEYS or len(key) < len(GRAIN_KEYS[table]):
        key = common
        notes.append("no grain key: compared as whole rows (a changed row counts as removed + added)")
    values = [c for c in common if c not in key] or key
    year = "year" if "year" in common else "NULL::INTEGER"

    def side(db: str, present: bool) -> str:
        if not present:
            return "SELECT NULL::INTEGER AS year, NULL::UBIGINT AS k, NULL::HUGEINT AS h, 0 AS n WHERE false"
        return (f"SELECT {year} AS year, hash({', '.join(map(_quote, key))}) AS k, "
                f"sum(hash({', '.join(map(_quote, values))})::HUGEINT) AS h, count(*) AS n "
                f"FROM {_quote(db)}.{qualified} GROUP BY ALL")

    rows = con.execute(f"""
        WITH n AS ({side(new_db, bool(new_cols))}), o AS ({side('old', bool(old_cols))})
        SELECT coalesce(n.year, o.year) AS year, coalesce(sum(o.n), 0), coalesce(sum(n.n), 0),
               count(*) FILTER (o.k IS NULL), count(*) FILTER (n.k IS NULL),
               count(*) FILTER (n.k IS NOT NULL AND o.k IS NOT NULL AND (n.h <> o.h OR n.n <> o.n))
        FROM n FULL OUTER JOIN o ON n.k = o.k AND n.year IS NOT DISTINCT FROM o.year
        GROUP BY ALL ORDER BY 1""").fetchall()
    return rows, ("; ".join(notes) or None)


def _area_changes(con, new_db: str, columns: _Catalog) -> list[tuple]:
    rows = []
    for table, (level, code, name) in SCORE_MARTS.items():
        if not columns("old", table) or not columns(new_db, table):
            continue
        for measure in ("iplm", "category"):
            rows += con.execute(f"""
                WITH n AS (SELECT year, {code} AS bps_code, {name} AS area_name, CAST({measure} AS VARCHAR) AS v
                           FROM {_quote(new_db)}.main.{table}),
                     o AS (SELECT year, {code} AS bps_code, {name} AS area_name, CAST({measure} AS VARCHAR) AS v
                           FROM old.main.{table})
                SELECT '{table}', coalesce(n.year, o.year), '{level}', coalesce(n.bps_code, o.bps_code),
                       coalesce(n.area_name, o.area_name), '{measure}', o.v, n.v
                FROM n FULL OUTER JOIN o ON n.year = o.year AND n.bps_code = o.bps_code
                WHERE n.v IS DISTINCT FROM o.v OR n.year IS NULL OR o.year IS NULL
                ORDER BY 2, 4""").fetchall()
    return rows


def _insert_many(con: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple]) -> None:
    if rows:
        con.executemany(sql, rows)


def record_release_changes(ready: Path, published: Path, scratch: Path) -> None:
    """Write `release_changes` into the `ready` file, comparing it with `published` (if any)."""
    released_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect(str(ready))
    try:
        con.execute("SET enable_progress_bar = false")
        new_db = con.execute("SELECT current_database()").fetchone()[0]
        con.execute("DELETE FROM release_changes")
        if not Path(published).exists():
            con.execute("INSERT INTO release_changes (released_at, kind, note) VALUES (?, 'release', ?)",
                        [released_at, "first release: there is no previous file to compare with"])
            return
        shutil.copyfile(published, scratch)
        try:
            con.execute(f"ATTACH '{str(scratch).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
            columns = _Catalog(con)
            table_rows, area_rows = [], []
            for table in _tables():
                per_year, note = _compare_table(con, table, new_db, columns)
                table_rows += [(released_at, "table", table, *r, note) for r in per_year]
            area_rows = _area_changes(con, new_db, columns)
            con.execute("INSERT INTO release_changes (released_at, kind, note) VALUES (?, 'release', ?)",
                        [released_at, "compared with the file it replaces (now iplm.previous.duckdb)"])
            _insert_many(con,
                "INSERT INTO release_changes (released_at, kind, table_name, iplm_year, rows_before, rows_after, "
                "rows_added, rows_removed, rows_changed, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", table_rows)
            _insert_many(con,
                "INSERT INTO release_changes (released_at, kind, table_name, iplm_year, level, bps_code, area_name, "
                "measure, old_value, new_value) VALUES (?, 'area', ?, ?, ?, ?, ?, ?, ?, ?)",
                [(released_at, *r) for r in area_rows])
        except duckdb.Error as exc:
            con.execute("DELETE FROM release_changes")
            con.execute("INSERT INTO release_changes (released_at, kind, note) VALUES (?, 'release', ?)",
                        [released_at, f"comparison with the previous file failed: {exc}"])
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute("DETACH old")
            Path(scratch).unlink(missing_ok=True)
        con.execute("CHECKPOINT")
    finally:
        con.close()


# --------------------------------------------------------------------------- `iplm diff`
def summary_lines(con: duckdb.DuckDBPyConnection, max_lines: int = 20) -> list[str]:
    """A one-screen summary of the published file's release_changes."""
    try:
        release = con.execute("SELECT released_at, note FROM release_changes WHERE kind = 'release'").fetchone()
    except duckdb.CatalogException:
        release = None
    if release is None:
        return ["This marts file has no release record (published before release_changes existed)."]
    released_at, note = release
    head = f"Release of {released_at:%Y-%m-%d %H:%M:%S} UTC: {note}."
    tables = con.execute("""
        SELECT table_name, iplm_year, rows_before, rows_after, rows_added, rows_removed, rows_changed, note
        FROM release_changes WHERE kind = 'table' AND (rows_added + rows_removed + rows_changed > 0
                                                         OR note LIKE 'columns differ%' OR note LIKE 'table %')
        ORDER BY table_name, iplm_year""").fetchall()
    areas = con.execute("""
        SELECT iplm_year, level, bps_code, area_name,
               max(old_value) FILTER (measure = 'iplm'), max(new_value) FILTER (measure = 'iplm'),
               max(old_value) FILTER (measure = 'category'), max(new_value) FILTER (measure = 'category')
        FROM release_changes WHERE kind = 'area' GROUP BY iplm_year, level, bps_code, area_name
        ORDER BY iplm_year, CASE level WHEN 'national' THEN 0 WHEN 'province' THEN 1 ELSE 2 END, bps_code""").fetchall()
    if note.startswith("first release") or note.startswith("comparison with the previous file failed"):
        return [head]
    if not tables and not areas:
        return [head, NO_CHANGES]
    lines = [head, "", "Tables with changes (rows added / removed / changed by grain key; rows now):"]
    for table, year, before, after, added, removed, changed, tnote in tables[:max_lines]:
        lines.append(f"  {table:<28} {year if year is not None else '':<5} +{added} -{removed} ~{changed}"
                     f"  ({after} rows, {before} before)" + (f"  [{tnote}]" if tnote else ""))
    if len(tables) > max_lines:
        lines.append(f"  ... and {len(tables) - max_lines} more")
    if areas:
        lines += ["", f"Areas whose IPLM or category changed ({len(areas)}):"]
        for year, level, code, name, old_i, new_i, old_c, new_c in areas[:max_lines]:
            parts = []
            if old_i != new_i or (old_i is None) != (new_i is None):
                parts.append(f"IPLM {old_i or '-'} -> {new_i or '-'}")
            if old_c != new_c:
                parts.append(f"category {old_c or '-'} -> {new_c or '-'}")
            lines.append(f"  {year} {level:<8} {code:<4} {name}: {'; '.join(parts) or 'added or removed'}")
        if len(areas) > max_lines:
            lines.append(f"  ... and {len(areas) - max_lines} more: "
                         "iplm query \"SELECT * FROM release_changes WHERE kind = 'area'\"")
    else:
        lines += ["", "No area's IPLM or category changed."]
    return lines
