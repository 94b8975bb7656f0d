"""Corrections to source data, as data: `corrections.csv` beside the raw folders, applied in staging.

The file lives with the data it corrects (`data/raw/corrections.csv`, or under
IPLM_RAW_DIR), and is optional. Raw files are never edited. A correction names one parsed value (source, year,
area, field), the value the source gives (`original`), the value to use instead
(`corrected`) and why. Its guard is the original: when the source no longer
says `original` (a re-download fixed it, or changed it again) the run fails and
asks for the correction to be reviewed, instead of silently overwriting a new
figure. Every applied correction is listed in the `corrections_applied` mart.

| source | year | area | field |
|---|---|---|---|
| bps | BPS year | regency BPS code (4) | indicator (`penduduk`, ...) |
| perpustakaan | IPLM year | NPP | a library field (`members`, `collections`, ...) |
| terbitan | IPLM year | BPS code (`00` national) | `uplm1` ... `uplm7`, `iplm` |

Values are in parsed units: people for a `Ribu` table (93330, not 93,33), written in
plain notation (a dot as the decimal mark, no grouping: 0.4189, 93330), because the
Indonesian `1.250` and the plain `1.250` would mean different numbers. Empty = missing.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import IplmError

FILE_NAME = "corrections.csv"
COLUMNS = ["source", "year", "area", "field", "original", "corrected", "reason"]


class CorrectionError(IplmError):
    """A correction whose guard no longer holds, or that points at nothing."""


@dataclass(frozen=True)
class Correction:
    line: int
    source: str
    year: int
    area: str
    field: str
    original: float | None
    corrected: float | None
    reason: str

    def describe(self) -> str:
        return (f"{FILE_NAME} line {self.line} ({self.source} {self.year} {self.area} "
                f"{self.field}: {self.original} -> {self.corrected})")


def _value(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        raise CorrectionError(f"{where}: '{text}' is not a plain number; expected e.g. 93330 or 0.4189 "
                              "(dot as decimal mark, no grouping) or empty for missing.")
    if re.fullmatch(r"[+-]?[1-9]\d{0,2}(\.\d{3})+", text):
        raise CorrectionError(f"{where}: '{text}' is ambiguous (1.250 is 1250 in Indonesian notation, 1.25 in "
                              "plain notation); write it without grouping, e.g. 1250 or 1.25.")
    return float(text)


def load_corrections(raw: Path) -> tuple[Correction, ...]:
    """The corrections in `raw/corrections.csv`; none when the file does not exist."""
    path = raw / FILE_NAME
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            raise CorrectionError(f"{path}: header must be {','.join(COLUMNS)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            where = f"{path} line {line}"
            if None in row or None in row.values():
                raise CorrectionError(f"{where}: expected the {len(COLUMNS)} columns {','.join(COLUMNS)}; "
                                      "quote a reason that contains a comma.")
            if row["source"] not in ("bps", "perpustakaan", "terbitan") or not row["reason"].strip():
                raise CorrectionError(f"{where}: source must be bps, perpustakaan or terbitan and a reason is "
                                      "required.")
            rows.append(Correction(line, row["source"], int(row["year"]), row["area"].strip(), row["field"].strip(),
                                   _value(row["original"], where), _value(row["corrected"], where),
                                   row["reason"].strip()))
    return tuple(rows)


APPLIED_COLUMNS = ["source", "source_year", "area", "field", "original", "corrected", "reason"]


def apply_corrections(frame: pd.DataFrame, corrections: tuple[Correction, ...], source: str, year: int, *,
                      area_column: str, field_column: str | None = None,
                      value_column: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the corrections for (source, year) to `frame`; return it and the list of those applied.

    Long frames name the field in `field_column` and hold it in `value_column`
    (BPS values); wide frames hold each field in its own column (libraries, published rows).
    """
    todo = [c for c in corrections if c.source == source and c.year == year]
    if not todo:
        return frame, pd.DataFrame(columns=APPLIED_COLUMNS)
    frame = frame.copy()
    applied = []
    for c in todo:
        mask = frame[area_column].astype("str") == c.area
        if field_column is not None:
            mask &= frame[field_column] == c.field
            column = value_column
        else:
            column = c.field
            if column not in frame.columns:
                raise CorrectionError(f"{c.describe()}: '{c.field}' is not a field of {source} rows.")
        hits = frame.index[mask & ~frame.get("is_aggregate", pd.Series(False, index=frame.index))]
        if len(hits) != 1:
            raise CorrectionError(f"{c.describe()}: the source has {len(hits)} matching values, expected 1. "
                                  "Check the area and field, or remove the correction.")
        current = frame.at[hits[0], column]
        current = None if pd.isna(current) else float(current)
        if current != c.original:
            raise CorrectionError(
                f"{c.describe()}: the source now says {current}, not the original {c.original} the correction "
                "was written for. Review it: remove it if the source was fixed, or update 'original'.")
        frame.at[hits[0], column] = c.corrected
        if field_column is not None and "value_status" in frame.columns:
            frame.at[hits[0], "value_status"] = "corrected"
        applied.append({"source": source, "source_year": year, "area": c.area, "field": c.field,
                        "original": c.original, "corrected": c.corrected, "reason": c.reason})
    return frame, pd.DataFrame(applied, columns=APPLIED_COLUMNS)
