"""Accounting for raw rows: the source-file ledger and the quarantine.

Nothing read is lost: for every file, rows read = rows kept + rows quarantined
(dropped duplicates included). Ingest code builds both tables with these helpers
so all sources share one shape; `sql/checks/assert_rows_accounted.sql` proves
the balance on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

QUARANTINE_COLUMNS = ["year", "source", "source_file", "sheet", "row_number", "reason", "column_name",
                      "detail", "raw_values", "bps_code"]


def relative_name(path: Path, root: Path) -> str:
    """A file as stored in the marts: relative to the raw folder, so marts do not depend on the machine."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def raw_values_json(header: list[str], cells: list[str]) -> str:
    """A row's cells keyed by their header text, as JSON: what the file said, untouched."""
    labels = [h or f"#{i + 1}" for i, h in enumerate(header)]
    return json.dumps(dict(zip(labels, cells, strict=False)), ensure_ascii=False)


def quarantine_frame(rows: pd.DataFrame | None = None, **constants) -> pd.DataFrame:
    """A quarantine table slice with the canonical columns (constants fill whole columns)."""
    rows = pd.DataFrame() if rows is None else rows
    out = rows.reindex(columns=QUARANTINE_COLUMNS).reset_index(drop=True)
    for column, value in constants.items():
        out[column] = value
    return out
