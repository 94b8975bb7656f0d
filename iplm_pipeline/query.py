"""`iplm query`'s results: refused and failing SQL as messages, and output formats.

The query runs with DuckDB's external access off (warehouse.open_marts(sandboxed=True)), so
DuckDB cannot write files; results come back as Arrow and are written here, in Python:
table, CSV (cells a spreadsheet would run as formulas neutralised), JSON records, Parquet.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from iplm_pipeline.errors import IplmError, environment_problem

QUERY_FORMATS = ("table", "csv", "json", "parquet")
QUERY_REFUSED = "iplm query only reads the marts; use `iplm export` to write files"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def query_error(exc: Exception) -> IplmError:
    import duckdb

    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if (isinstance(exc, duckdb.PermissionException) or "read-only mode" in text
            or "external access" in text or "configuration has been locked" in text
            or "Loading external extensions" in text):
        return IplmError(f"{QUERY_REFUSED}. (DuckDB: {first})")
    return IplmError(f"the query failed: {text}")


def _csv_cell(value):
    """Nested values as JSON; text a spreadsheet would run as a formula (=, +, -, @, tab, CR
    first) gets a leading apostrophe, so opening the CSV in Excel never executes a cell."""
    if hasattr(value, "tolist"):  # a list column arrives as a numpy array
        value = value.tolist()
    if isinstance(value, (list, dict)):
        value = json.dumps(value, default=_json_default, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _json_default(value):
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _json_clean(value):
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list):
        return [_json_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_clean(v) for k, v in value.items()}
    return value


def write_result(table, fmt: str, out: Path | None) -> None:
    """Write an Arrow table as `fmt` to `out` (atomically) or stdout; never truncated."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        def write(target: Path) -> None:
            pq.write_table(table, target)
    else:
        if fmt == "csv":
            frame = table.to_pandas()
            for column in frame.columns:
                if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                    frame[column] = frame[column].map(_csv_cell)
            text = frame.to_csv(index=False)
        elif fmt == "json":  # one array of records; DECIMAL as numbers, dates as ISO text
            text = json.dumps(_json_clean(table.to_pylist()), default=_json_default, ensure_ascii=False) + "\n"
        else:
            text = table.to_pandas().to_string(index=False) + "\n"
        if out is None:
            sys.stdout.write(text)
            return

        def write(target: Path) -> None:
            target.write_text(text, encoding="utf-8")
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with writing(out):
            write(partial)
            os.replace(partial, out)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


@contextlib.contextmanager
def writing(out: Path):
    try:
        yield
    except OSError as exc:
        raise environment_problem(exc, out, "writing the query result", after=" The marts are unchanged.",
                                  todo="Choose an --out path in a folder that exists and that you can write, "
                                       "on a disk with room.") from exc
