"""Accounting for raw rows: the source-file ledger and the quarantine.

Nothing read is lost: for every file, rows read = rows kept + rows quarantined
(dropped duplicates included). Ingest code builds both tables with these helpers
so all sources share one shape; `sql/checks/assert_rows_accounted.sql` proves
the balance on every run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from iplm_pipeline.parsing import cell_text

QUARANTINE_COLUMNS = ["year", "source", "source_file", "sheet", "row_number", "reason", "column_name",
                      "detail", "raw_values"]
SOURCE_FILE_COLUMNS = ["year", "source", "source_file", "sheet", "sha256", "header_row", "rows_read",
                       "rows_kept", "rows_quarantined", "blank_rows"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_name(path: Path, root: Path) -> str:
    """A file as stored in the marts: relative to the raw folder, so marts do not depend on the machine."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def raw_values_json(header: list[str], frame: pd.DataFrame) -> pd.Series:
    """Each row's cells keyed by their header text, as JSON: what the file said, untouched."""
    labels = [h or f"#{i + 1}" for i, h in enumerate(header)]
    return pd.Series(
        [json.dumps({label: cell_text(v) for label, v in zip(labels, row, strict=False)},
                    ensure_ascii=False) for row in frame.itertuples(index=False, name=None)],
        index=frame.index, dtype=object)


def quarantine_frame(rows: pd.DataFrame | None = None, **constants) -> pd.DataFrame:
    """A quarantine table slice with the canonical columns (constants fill whole columns)."""
    out = pd.DataFrame(index=rows.index if rows is not None else None)
    for column in QUARANTINE_COLUMNS:
        if column in constants:
            out[column] = constants[column]
        elif rows is not None and column in rows:
            out[column] = rows[column]
        else:
            out[column] = None
    return out.reset_index(drop=True)[QUARANTINE_COLUMNS]
