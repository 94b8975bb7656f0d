"""Accounting for raw rows: the source-file ledger and the quarantine.

Nothing read is lost: for every file, rows read = rows kept + rows quarantined
(dropped duplicates included). Ingest code builds both tables with these helpers
so all sources share one shape; `sql/checks/assert_rows_accounted.sql` proves
the balance on every run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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


LEDGER_COLUMNS = ["year", "source", "source_file", "sheet", "sha256", "header_row", "rows_read", "rows_kept",
                  "rows_quarantined", "rows_skipped", "notes"]


@dataclass(frozen=True)
class FileRead:
    """One raw file's row ledger: rows read = rows kept + rows quarantined; skipped rows are not records."""

    source_file: str
    sheet: str | None
    sha256: str
    header_row: int | None
    rows_read: int
    rows_kept: int
    rows_quarantined: int
    rows_skipped: int
    notes: str | None = None  # what the reader did that a user should know (a line read as Windows-1252, ...)


def ledger_frame(year: int, source: str, files: list[FileRead]) -> pd.DataFrame:
    """`source_files` rows for one source's year: the ledger of every file, in one shape."""
    return pd.DataFrame([{"year": year, "source": source, **asdict(f)} for f in files], columns=LEDGER_COLUMNS)


@dataclass
class SourceYear:
    """What every source's loader returns for one IPLM year, besides its own staging rows."""

    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    ledger: pd.DataFrame  # source_files rows (ledger_frame)
    corrections: pd.DataFrame  # corrections applied
