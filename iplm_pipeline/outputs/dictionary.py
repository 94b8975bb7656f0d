"""The data dictionary written beside every export (`<name>.dictionary.csv`: column, meaning, unit, source).

Meanings come from `sql/schema/column_comments.csv`, the one source of truth for what a mart column
means; only columns that exist in exports alone (Satu Data names, the long layout's indicator/value
columns) are described in `outputs/export_columns.csv`. A column without a meaning is an error, so
an export never ships an undocumented column.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from iplm_pipeline.config import SQL_DIR
from iplm_pipeline.outputs import DATA_DIR, indicator_table, neutralise

DICTIONARY_HEADER = ("column", "meaning", "unit", "source")
# Tables whose comments describe score columns, most specific first.
_SCORE_TABLES = ("iplm_regency", "iplm_province", "iplm_national", "methodology")


@cache
def column_comments() -> dict[tuple[str, str], str]:
    """(table or '*', column) -> comment, from sql/schema/column_comments.csv."""
    with (SQL_DIR / "schema" / "column_comments.csv").open(encoding="utf-8", newline="") as f:
        return {(row["table_name"], row["column_name"]): row["comment"] for row in csv.DictReader(f)}


def comment_for(column: str) -> str | None:
    comments = column_comments()
    for table in _SCORE_TABLES:
        if (table, column) in comments:
            return comments[(table, column)]
    return comments.get(("*", column))


@cache
def export_columns() -> dict[str, list[dict[str, str]]]:
    """layout -> its columns, in order, from outputs/export_columns.csv."""
    out: dict[str, list[dict[str, str]]] = {}
    with (DATA_DIR / "export_columns.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["layout"], []).append(row)
    return out


def dictionary_rows(layout: str, columns: list[str], indicators: dict[str, str] | None = None) -> list[dict[str, str]]:
    """One row per export column; for the long layout also one per indicator value (`indicator = x`)."""
    described = {row["column"]: row for row in export_columns()[layout]}
    rows = []
    for column in columns:
        spec = described.get(column)
        if spec is None:
            raise ValueError(f"export column '{column}' of layout {layout} is not in outputs/export_columns.csv")
        meaning = spec["meaning"] or comment_for(spec["mart_column"] or column)
        if not meaning:
            raise ValueError(f"no meaning for export column '{column}' (column_comments.csv or export_columns.csv)")
        rows.append({"column": column, "meaning": meaning, "unit": spec["unit"], "source": spec["source"]})
    table = indicator_table()
    for indicator, name in (indicators or {}).items():
        unit = table.get("uplm" if indicator.startswith("uplm") else indicator, {}).get("unit", "")
        meaning = comment_for(indicator) or name
        rows.append({"column": f"indicator = {indicator}", "meaning": f"{name}: {meaning}", "unit": unit,
                     "source": f"column {indicator} of iplm_regency / iplm_province / iplm_national"})
    return rows


def dictionary_path(export_path: Path) -> Path:
    return export_path.with_name(f"{export_path.stem}.dictionary.csv")


def write_dictionary(export_path: Path, rows: list[dict[str, str]]) -> Path:
    path = dictionary_path(export_path)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(DICTIONARY_HEADER)
        for row in rows:
            writer.writerow([neutralise(row[h]) for h in DICTIONARY_HEADER])
    return path
