"""Pandera contract for a library registration row (SOURCES.md §2), once typed.

Typing happens column-wise in DuckDB (sql/staging/type_libraries.sql); this
schema decides which rows are library records. Each check is named after the
quarantine reason it produces. A row failing several checks gets the first
reason in `REASON_ORDER`: a `Jumlah` footer also lacks an NPP, and should be
reported as the footer it is.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

NPP_PATTERN = r"^\d{7}[A-Z]\d{7}$"
COUNT_FIELDS = ("collection_titles", "collections", "librarians", "technicians", "visits_per_day",
                "members", "participation")
# Fields whose text may be unreadable (flags `invalid_<field>` from the typing SQL).
READ_FIELDS = (*COUNT_FIELDS, "snp", "updated_at")
REASON_ORDER = ("footer_row", "npp_missing", "npp_malformed", "unknown_region", "unknown_type",
                "not_a_number", "negative_count")


def _not_footer(df: pd.DataFrame) -> pd.Series:
    return ~df["is_footer"]


def _npp_present(df: pd.DataFrame) -> pd.Series:
    return df["npp"].notna()


def _npp_well_formed(df: pd.DataFrame) -> pd.Series:
    return df["npp"].isna() | df["npp"].str.fullmatch(NPP_PATTERN).fillna(False).astype(bool)


def _region_known(df: pd.DataFrame) -> pd.Series:
    malformed = ~_npp_well_formed(df) | df["npp"].isna()
    return malformed | df["kemendagri_code"].notna()


def _type_known(df: pd.DataFrame) -> pd.Series:
    return df["library_type"].notna()


def _values_readable(df: pd.DataFrame) -> pd.Series:
    return ~df[[f"invalid_{f}" for f in READ_FIELDS]].any(axis=1)


def _counts_not_negative(df: pd.DataFrame) -> pd.Series:
    return ~(df[list(COUNT_FIELDS)] < 0).any(axis=1)


LIBRARY_ROW_SCHEMA = pa.DataFrameSchema(
    name="library_registration_row",
    columns={
        "npp": pa.Column(nullable=True),
        "kemendagri_code": pa.Column(nullable=True),
        "library_type": pa.Column(nullable=True),
        "updated_at": pa.Column(nullable=True),
        "snp": pa.Column(nullable=True),
        **{f: pa.Column("float64", nullable=True) for f in COUNT_FIELDS},
        **{f"invalid_{f}": pa.Column(bool) for f in READ_FIELDS},
        "is_footer": pa.Column(bool),
    },
    checks=[
        pa.Check(_not_footer, name="footer_row"),
        pa.Check(_npp_present, name="npp_missing"),
        pa.Check(_npp_well_formed, name="npp_malformed"),
        pa.Check(_region_known, name="unknown_region"),
        pa.Check(_type_known, name="unknown_type"),
        pa.Check(_values_readable, name="not_a_number"),
        pa.Check(_counts_not_negative, name="negative_count"),
    ],
    coerce=False,
)


def rejected_rows(frame: pd.DataFrame) -> pd.Series:
    """Validate lazily; return the reason code per rejected row (index = frame index)."""
    try:
        LIBRARY_ROW_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        schema_level = cases[cases["check"].isin(REASON_ORDER) & cases["index"].notna()]
        other = cases[~cases["check"].isin(REASON_ORDER)]
        if len(other):
            # A dtype or column problem is a bug in parsing, not bad input: fail loudly.
            raise
        rank = schema_level["check"].map({r: i for i, r in enumerate(REASON_ORDER)})
        first = schema_level.assign(rank=rank).sort_values("rank").drop_duplicates("index")
        return pd.Series(first["check"].values, index=first["index"].astype(int).values, dtype=object)
    return pd.Series(dtype=object)
