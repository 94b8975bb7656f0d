"""The shared writer: every source's year and every mart slice replace their rows in one transaction."""

from __future__ import annotations

import duckdb
import pandas as pd


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
                 where: str, params: dict) -> None:
    """Idempotent write: delete the slice `where` selects, insert `frame`, in one transaction."""
    used = {k: v for k, v in params.items() if f"${k}" in where}
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {table} WHERE {where}", used)
        if len(frame):
            con.register("_rows", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
            con.unregister("_rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def write_source_year(con: duckdb.DuckDBPyConnection, source: str, year: int, staging: dict[str, pd.DataFrame],
                      loaded) -> None:
    """Replace one source's rows of one IPLM year: its staging tables, quarantine, ledger, corrections."""
    params = {"year": year, "source": source}
    for table, frame in staging.items():
        replace_rows(con, table, frame, "year = $year", params)
    for table, frame in (("quarantine", loaded.quarantine), ("source_files", loaded.ledger),
                         ("corrections_applied", loaded.corrections)):
        replace_rows(con, table, frame, "year = $year AND source = $source", params)
