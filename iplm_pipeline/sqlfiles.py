"""SQL lives in `sql/`, one statement per `;` at a line's end, named `$params`: run or queried from here."""

from __future__ import annotations

import re
import warnings

import duckdb
import pandas as pd

from iplm_pipeline.config import SQL_DIR

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def split_statements(text: str) -> list[str]:
    """Statements of a SQL file: separated by ';' at the end of a line (our files' convention)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?\n", text + "\n")
    return [p.strip() for p in parts if re.sub(r"--[^\n]*", "", p).strip()]


def _statements(name: str, params: dict):
    """(statement, the named `$params` it uses) for each statement of `sql/<name>`."""
    for statement in split_statements(sql_text(name)):
        wanted = set(_PARAM.findall(statement))
        missing = wanted - set(params)
        if missing:
            raise ValueError(f"sql/{name} needs parameters {sorted(missing)}")
        yield statement, {p: params[p] for p in wanted}


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Execute every statement of `sql/<name>` with the named `$params` it uses."""
    for statement, used in _statements(name, params):
        con.execute(statement, used) if used else con.execute(statement)


def query_sql(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """The result of the last statement of `sql/<name>` as a DataFrame (via Arrow: no per-cell copies)."""
    *before, (last, used) = _statements(name, params)
    for statement, used_before in before:
        con.execute(statement, used_before) if used_before else con.execute(statement)
    result = con.execute(last, used) if used else con.execute(last)
    with warnings.catch_warnings():
        # "makes an extra copy": a columnar copy, still far cheaper than .df()'s per-cell objects.
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        return result.to_arrow_table().to_pandas()
