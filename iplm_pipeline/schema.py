"""The marts file's DDL (`sql/schema/`), its column comments and its version digest."""

from __future__ import annotations

import csv
import functools
import hashlib

import duckdb

from iplm_pipeline.config import SQL_DIR
from iplm_pipeline.sqlfiles import run_sql

SCHEMA_FILES = ("schema/staging.sql", "schema/marts.sql")


@functools.cache
def schema_version() -> str:
    """A digest of the DDL and column comments: a marts file made by other DDL is not reused in place."""
    digest = hashlib.sha256()
    for name in (*SCHEMA_FILES, "schema/column_comments.csv"):
        digest.update((SQL_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in SCHEMA_FILES:
        run_sql(con, name)
    _apply_column_comments(con)
    con.execute("DELETE FROM schema_info")
    con.execute("INSERT INTO schema_info VALUES (?)", [schema_version()])


def file_schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT version FROM schema_info").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def _apply_column_comments(con: duckdb.DuckDBPyConnection) -> None:
    """Column comments from `sql/schema/column_comments.csv`.

    table_name is a mart (`iplm_regency`), a staging table (`staging.perpustakaan`), `*` (every mart
    with that column) or `staging.*` (every staging table with it); a later row wins.
    """
    columns = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name IN ('main', 'staging')").fetchall()
    with (SQL_DIR / "schema" / "column_comments.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for schema, table, column in columns:
                qualified = table if schema == "main" else f"{schema}.{table}"
                wildcard = "*" if schema == "main" else f"{schema}.*"
                if column == row["column_name"] and row["table_name"] in (wildcard, qualified):
                    text = row["comment"].replace("'", "''")
                    con.execute(f'COMMENT ON COLUMN {schema}."{table}"."{column}" IS \'{text}\'')
    # A view's column with no row of its own is described as the same column of a table it shows
    # (the one the view is named after first: iplm_province_completeness.regencies from iplm_province).
    inherited = con.execute(
        "SELECT v.table_name, v.column_name, "
        "first(t.comment ORDER BY NOT starts_with(v.table_name, t.table_name), t.table_name) FROM duckdb_columns() v "
        "JOIN duckdb_views() w ON w.view_name = v.table_name AND w.database_name = v.database_name "
        "JOIN duckdb_tables() b ON b.database_name = v.database_name AND b.schema_name = 'main' "
        "JOIN duckdb_columns() t ON t.table_name = b.table_name AND t.database_name = v.database_name "
        "AND t.schema_name = 'main' AND t.column_name = v.column_name AND t.comment IS NOT NULL "
        "WHERE v.database_name = current_database() AND v.schema_name = 'main' AND v.comment IS NULL "
        "GROUP BY ALL").fetchall()
    for view, column, text in inherited:
        quoted = text.replace("'", "''")
        con.execute(f'COMMENT ON COLUMN "{view}"."{column}" IS \'{quoted}\'')
