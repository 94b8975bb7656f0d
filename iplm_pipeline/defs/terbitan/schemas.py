"""Pandera contract for a staged published row (staging.terbitan), checked once, after corrections.

The reader refuses a table with located errors for what a user can fix; this contract holds the
rows that go on to the reconciliation, corrections included, so a correction cannot bring in a
UPLM above the year's cap or a negative IPLM unchecked.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from iplm_pipeline.errors import Location, SourceError, SourceErrors

UPLM = [f"uplm{i}" for i in range(1, 8)]


def published_schema(cap: float | None) -> pa.DataFrameSchema:
    top = float("inf") if cap is None else cap
    return pa.DataFrameSchema(
        name="published_row",
        columns={
            "level": pa.Column(str, pa.Check.isin(["national", "province", "regency"])),
            "bps_code": pa.Column(str, pa.Check.str_matches(r"^(00|\d{2}|\d{4})$")),
            **{m: pa.Column(float, pa.Check.in_range(0, top), nullable=True, coerce=True, name=m) for m in UPLM},
            "iplm": pa.Column(float, pa.Check.in_range(0, 100 * top), nullable=True, coerce=True),
        })


def validate_published(rows: pd.DataFrame, cap: float | None) -> pd.DataFrame:
    """The rows, or a SourceErrors naming each offending file row and column."""
    if rows.empty:
        return rows
    try:
        return published_schema(cap).validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        errors = []
        for case in exc.failure_cases.itertuples():
            index = case.index if isinstance(case.index, int) else None
            row = rows.loc[index] if index is not None and index in rows.index else None
            where = (Location(row["source_file"], row["sheet"], int(row["row_number"]), case.column)
                     if row is not None else Location("terbitan", None, None, case.column))
            errors.append(SourceError(where, f"{case.column} {case.failure_case!r} breaks {case.check}",
                                      "a published value within the year's bounds (after corrections)",
                                      "Check the value, or the correction in corrections.csv that set it."))
        raise SourceErrors(errors) from None
