"""TPBIS partners (Transformasi Perpustakaan Berbasis Inklusi Sosial) and the `tpbis_comparison` mart.

Optional source: `data/raw/tpbis/tpbis_partners.csv`, one row per partner, columns
`level,code,name,joined_year`:

- `npp`: a partner library, `code` = its NPP (its regency is the NPP's Kemendagri code);
- `desa`: a partner village, `code` = its Kemendagri code (`53.20.01.2001`, the regency is the
  first two parts) or its BPS code (10 digits, the regency is the first four);
- `regency`: a partner kabupaten/kota, `code` = its BPS code (`5320`) or Kemendagri code
  (`53.20`), or empty with `name` resolved by name (`Kab. Sabu Raijua`).

Every row resolves through the one region lookup (regions.py); a code or name it does not
know stops the run with the file and row (exit 2), never a guess. A regency counts as a
partner from the earliest `joined_year` of any row in it (regency, desa or npp); a library
only when its NPP is listed. The mart compares partner and non-partner groups descriptively:
partners were not chosen at random, so a difference between the groups says nothing about
what the programme did, and no label or comment uses causal words. No folder or no file =
an empty mart.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pandas as pd

from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.regions import load_regions
from iplm_pipeline.warehouse import run_sql

PARTNERS_FILE = Path("tpbis") / "tpbis_partners.csv"
LEVELS = ("npp", "desa", "regency")
COLUMNS = ("level", "code", "name", "joined_year")


def read_partners(raw_dir: Path) -> pd.DataFrame | None:
    """The resolved partner rows, or None when the optional file is absent."""
    path = Path(raw_dir) / PARTNERS_FILE
    if not path.is_file():
        return None
    lookup = load_regions()
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise SourceError(Location(path, row=1), f"missing column(s) {missing}",
                              f"a header with {', '.join(COLUMNS)}")
        rows = []
        for number, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            if not any(row.values()):
                continue
            rows.append(_resolve(row, Location(path, row=number), lookup))
    return pd.DataFrame(rows, columns=["level", "code", "name", "joined_year", "npp", "kemendagri_code",
                                       "bps_code", "regency_name", "row_number"])


def _resolve(row: dict, where: Location, lookup) -> dict:
    level, code, name = row["level"].lower(), row["code"], row["name"]
    if level not in LEVELS:
        raise SourceError(Location(where.file, row=where.row, column="level"), f"unknown level '{row['level']}'",
                          f"one of {', '.join(LEVELS)}")
    if not re.fullmatch(r"\d{4}", row["joined_year"]):
        raise SourceError(Location(where.file, row=where.row, column="joined_year"),
                          f"joined_year '{row['joined_year']}' is not a year", "a four-digit year such as 2019")
    regency, npp = None, None
    if level == "npp":
        npp = code
        regency = lookup.regency_from_npp(code) if re.fullmatch(r"\d{4}[0-9A-Za-z]{4,}", code) else None
        problem = f"NPP '{code}' does not name a known regency by its first four digits"
    elif level == "desa":
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", code):
            regency = lookup.by_kemendagri.get(code[:5])
        elif re.fullmatch(r"\d{10}", code):
            regency = lookup.by_bps.get(code[:4])
        problem = f"desa code '{code}' names no known regency"
    else:
        if re.fullmatch(r"\d{4}", code):
            regency = lookup.by_bps.get(code)
        elif re.fullmatch(r"\d{2}\.\d{2}", code):
            regency = lookup.by_kemendagri.get(code)
        elif not code and name:
            regency = lookup.resolve(name, where=Location(where.file, row=where.row, column="name"), level="regency")
        problem = f"regency code '{code}' is not a known BPS (5320) or Kemendagri (53.20) regency code"
    if regency is None or regency.level != "regency":
        raise SourceError(Location(where.file, row=where.row, column="code"), problem,
                          "a code from iplm_pipeline/reference/regions.csv (npp: an NPP; desa: 53.20.01.2001 "
                          "or a 10-digit BPS code; regency: 5320, 53.20, or an empty code and a name)")
    return {"level": level, "code": code, "name": name, "joined_year": int(row["joined_year"]), "npp": npp,
            "kemendagri_code": regency.kemendagri_code, "bps_code": regency.bps_code,
            "regency_name": regency.name, "row_number": where.row}


def write_tpbis_comparison(con: duckdb.DuckDBPyConnection, year: int, raw_dir: Path) -> str:
    """Replace the year's tpbis_comparison rows; return a progress line."""
    partners = read_partners(raw_dir)
    if partners is None:
        con.execute("DELETE FROM tpbis_comparison WHERE year = ?", [year])
        return f"no {PARTNERS_FILE} in the raw folder: mart left empty for {year}"
    con.register("tpbis_partners_resolved", partners)
    try:
        run_sql(con, "marts/tpbis_comparison.sql", year=year)
    finally:
        con.unregister("tpbis_partners_resolved")
    regencies = partners.bps_code.nunique()
    libraries = partners.npp.dropna().nunique()
    return f"{len(partners)} partner rows ({regencies} regencies, {libraries} libraries by NPP)"
