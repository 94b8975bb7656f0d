"""Pandera contract for a library registration row (SOURCES.md §2), once typed.

Typing happens column-wise in DuckDB (sql/staging/stg_perpustakaan_type.sql); this
schema decides which rows are library records. Each check is named after the
quarantine reason it produces. A row failing several checks gets the first
reason in `REASON_ORDER`: a `Jumlah` footer also lacks an NPP, and should be
reported as the footer it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

# ASCII digits only: Python's \d also matches Arabic-Indic or full-width digits (npp_malformed).
NPP_PATTERN = r"^[0-9]{7}[A-Z][0-9]{7}$"
COUNT_FIELDS = ("collection_titles", "collections", "librarians", "technicians", "staff_total",
                "visits_per_day", "members", "participation")
# Fields whose text may be unreadable (flags `invalid_<field>` from the typing SQL).
READ_FIELDS = (*COUNT_FIELDS, "snp", "updated_at")
REASON_ORDER = ("footer_row", "npp_missing", "npp_malformed", "unknown_region", "unknown_type",
                "not_a_number", "negative_count", "implausible_date", "implausible_count")

HEADERS_FILE = Path(__file__).resolve().parents[2] / "reference" / "library_headers.toml"


@dataclass(frozen=True)
class ExportSpec:
    """`reference/library_headers.toml`: header spellings per field, required fields, plausibility."""

    spellings: dict[str, tuple[str, ...]]  # field -> header spellings, the first one canonical
    required: frozenset[str]
    earliest_update: dt.date
    max_count: dict[str, float]

    def canonical(self, field: str) -> str:
        return self.spellings[field][0]


@functools.cache
def export_spec() -> ExportSpec:
    from iplm_pipeline.parsing import header_key

    data = tomllib.loads(HEADERS_FILE.read_text(encoding="utf-8"))
    spellings, required, seen = {}, set(), {}
    for field, entry in data["fields"].items():
        spellings[field] = tuple(entry["headers"])
        if entry.get("required", True):
            required.add(field)
        for header in entry["headers"]:
            other = seen.setdefault(header_key(header), field)
            if other != field:
                raise ValueError(f"{HEADERS_FILE}: '{header}' is a spelling of both {other} and {field}")
    limits = data["plausibility"]
    unknown = set(limits["max_count"]) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"{HEADERS_FILE}: max_count for unknown field(s) {sorted(unknown)}")
    return ExportSpec(spellings, frozenset(required), dt.date.fromisoformat(limits["earliest_update"]),
                      {f: float(v) for f, v in limits["max_count"].items()})


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


def implausible_dates(df: pd.DataFrame, run_date: dt.date) -> pd.Series:
    """Tanggal Pembaruan before `earliest_update`, after the run's date, or a bare number."""
    earliest = pd.Timestamp(export_spec().earliest_update)
    updated = pd.to_datetime(df["updated_at"])
    return df["date_is_number"] | (updated < earliest) | (updated > pd.Timestamp(run_date))


def implausible_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Per count field with a ceiling: whether the row's value is above it."""
    return pd.DataFrame({f: df[f] > limit for f, limit in export_spec().max_count.items()}, index=df.index)


def _counts_plausible(df: pd.DataFrame) -> pd.Series:
    return ~implausible_counts(df).any(axis=1)


def library_row_schema(run_date: dt.date) -> pa.DataFrameSchema:
    """The row contract; `run_date` bounds Tanggal Pembaruan (a later date is implausible)."""
    return pa.DataFrameSchema(
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
            "date_is_number": pa.Column(bool),
        },
        checks=[
            pa.Check(_not_footer, name="footer_row"),
            pa.Check(_npp_present, name="npp_missing"),
            pa.Check(_npp_well_formed, name="npp_malformed"),
            pa.Check(_region_known, name="unknown_region"),
            pa.Check(_type_known, name="unknown_type"),
            pa.Check(_values_readable, name="not_a_number"),
            pa.Check(_counts_not_negative, name="negative_count"),
            pa.Check(lambda df: ~implausible_dates(df, run_date), name="implausible_date"),
            pa.Check(_counts_plausible, name="implausible_count"),
        ],
        coerce=False,
    )


def rejected_rows(frame: pd.DataFrame, run_date: dt.date | None = None) -> pd.Series:
    """Validate lazily; return the reason code per rejected row (index = frame index).

    `run_date` (default today) bounds Tanggal Pembaruan: a later date is implausible."""
    try:
        library_row_schema(run_date or dt.date.today()).validate(frame, lazy=True)
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
