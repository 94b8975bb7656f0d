"""What analysts take away: exports (Satu Data, long), the Excel report and the slide chart.

Everything here reads the published marts through a read-only connection (`open_marts`) and the
SQL in `sql/reports/`; nothing recomputes an index. Shared here: the one way a `--province`
argument becomes a region, the year's areas in one frame, category colours, and the guard that
keeps text cells from being read as formulas by spreadsheet programs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from iplm_pipeline import config
from iplm_pipeline.errors import IplmError
from iplm_pipeline.regions import Region, load_regions

DATA_DIR = Path(__file__).parent

INPUTS = ("population", "school_civitas", "academic_civitas", "institutions", "libraries", "collections",
          "staff", "visits_per_day", "snp_libraries", "participation", "members")
UPLM = tuple(f"uplm{n}" for n in range(1, 8))

# Report colours per category (Perpusnas' maps run from red to green); a category the method adds
# later falls back to grey rather than failing.
CATEGORY_COLOURS = {
    "Sangat Rendah": "C0392B",
    "Rendah": "E67E22",
    "Sedang": "F4D03F",
    "Tinggi": "58D68D",
    "Sangat Tinggi": "1E8449",
}
NO_CATEGORY_COLOUR = "BFBFBF"

# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would evaluate gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def id_number(value, decimals: int = 0) -> str:
    """Indonesian notation: thousands with '.', decimals with ',' (111.991; 0,11)."""
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def category_colour(category: str | None) -> str:
    return CATEGORY_COLOURS.get(category or "", NO_CATEGORY_COLOUR)


@cache
def indicator_table() -> dict[str, dict[str, str]]:
    """Indonesian names and units of the inputs, `uplm` and `iplm` (outputs/indicators.csv)."""
    with (DATA_DIR / "indicators.csv").open(encoding="utf-8", newline="") as f:
        return {row["indicator"]: row for row in csv.DictReader(f)}


def resolve_province(text: str) -> Region:
    """A `--province` argument as a province: BPS or Kemendagri code, name or alias, via the one lookup.

    The two code systems agree for every province but Papua's six (Kemendagri 91 is Papua, BPS 91
    is Papua Barat), so a code that means two provinces is refused rather than guessed.
    """
    lookup = load_regions()
    text = text.strip()
    if text.isdigit():
        found = {r.kemendagri_code: r for r in lookup.provinces if text in (r.bps_code, r.kemendagri_code)}
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            names = " and ".join(
                f"{r.name} ({'BPS' if r.bps_code == text else 'Kemendagri'} code {text})" for r in found.values())
            raise IplmError(f"--province '{text}' is ambiguous: it is {names}; write the province's name.")
        raise IplmError(f"--province '{text}': no province has BPS or Kemendagri code '{text}'.")
    return lookup.resolve(text, where="--province", level="province")


@dataclass(frozen=True)
class YearOutputs:
    """One IPLM year as the marts hold it, in the shapes every output needs."""

    year: int
    areas: pd.DataFrame  # sql/reports/areas.sql: regencies then their province, per province; nation last
    bands: pd.DataFrame  # lower, upper, category
    elements: pd.DataFrame  # uplm, name, actual_measure, base_measure, factor_numerator, factor_denominator, cap
    detail: pd.DataFrame  # iplm_detail of the year

    def province(self, region: Region) -> pd.DataFrame:
        """The province row first, then its regencies in BPS-code order (the Tabel 44 order)."""
        rows = self.areas[self.areas["province_bps_code"] == region.bps_code]
        if rows.empty:
            present = ", ".join(sorted(self.areas.loc[self.areas["level"] == "province", "area_name"])) or "none"
            raise IplmError(f"No IPLM {self.year} rows for {region.name} in the marts (provinces present: "
                            f"{present}); run `iplm run --year {self.year}` on its data first.")
        return pd.concat([rows[rows["level"] == "province"], rows[rows["level"] == "regency"]], ignore_index=True)

    def detail_of(self, level: str, bps_code: str) -> dict:
        found = self.detail[(self.detail["level"] == level) & (self.detail["bps_code"] == bps_code)]
        return found.iloc[0].to_dict() if not found.empty else {}


def load_year(year: int, marts_dir: Path | None = None) -> YearOutputs:
    """Read one year from the published marts (read-only) or fail naming the years that are there."""
    from iplm_pipeline.warehouse import open_marts, query_sql

    con = open_marts(marts_dir or config.marts_dir())
    try:
        areas = query_sql(con, "reports/areas.sql", year=year)
        if areas.empty:
            years = [y for (y,) in con.execute("SELECT DISTINCT year FROM iplm_regency ORDER BY year").fetchall()]
            raise IplmError(f"No IPLM {year} rows in the marts (years present: "
                            f"{', '.join(map(str, years)) or 'none'}); run `iplm run --year {year}` first.")
        bands = query_sql(con, "reports/bands.sql", year=year)
        elements = query_sql(con, "reports/elements.sql", year=year)
        detail = query_sql(con, "reports/detail.sql", year=year)
    finally:
        con.close()
    return YearOutputs(year, areas, bands, elements, detail)


def query_province(year: int, province: Region, name: str, marts_dir: Path | None = None) -> pd.DataFrame:
    """A `sql/reports/<name>.sql` query about one province (completeness, reconciliation)."""
    from iplm_pipeline.warehouse import open_marts, query_sql

    con = open_marts(marts_dir or config.marts_dir())
    try:
        return query_sql(con, f"reports/{name}.sql", year=year, province_bps_code=province.bps_code)
    finally:
        con.close()


def missing(value) -> bool:
    """NULL from the marts, whichever way pandas carries it (None, NaN, NA)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
