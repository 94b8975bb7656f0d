"""Published report tables (`terbitan/<year>/*`, SOURCES.md §3) -> one row per area.

Tables copied from the Perpusnas report ("Tabel 44 Rekapitulasi UPLM Per
Kab/Kota"): UPLM1..UPLM7 with 4 decimals and the IPLM with 2, decimal comma.
Tables run over several pages, so the header row may repeat; page titles in
between carry no values and are kept in the quarantine as `footnote`. A row is
the nation (`INDONESIA`), a province (which also sets the scope for the
regency names below it) or a kabupaten/kota.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iplm_pipeline.corrections import Correction, apply_corrections
from iplm_pipeline.errors import Location, RegionError, SourceError, SourceErrors
from iplm_pipeline.ledger import quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.parsing import NumberKind, header_key, list_source_files, parse_number, read_grid
from iplm_pipeline.regions import RegionLookup

REGION_HEADERS = {"provinsi/kab/kota", "provinsi/kabupaten/kota", "provinsi", "kabupaten/kota", "wilayah"}
MEASURES = [f"uplm{i}" for i in range(1, 8)] + ["iplm"]
PUBLISHED_COLUMNS = ["level", "kemendagri_code", "bps_code", "region_text", *MEASURES,
                     "source_file", "sheet", "row_number"]
_NATIONAL = {"indonesia", "nasional"}


def _region_header(cell: str) -> bool:
    return re.sub(r"\s+", "", cell.casefold()) in REGION_HEADERS


def is_published_header(cells: list[str]) -> bool:
    return bool(cells) and _region_header(cells[0])


def _measure_of(header: str) -> str | None:
    key = re.sub(r"\s+", "", header_key(header))
    if re.fullmatch(r"uplm[1-7]", key):
        return key
    if key in {"skoriplm", "iplm", "nilaiiplm"}:
        return "iplm"
    return None


@dataclass
class PublishedTable:
    source_file: str
    sheet: str | None
    rows: list[dict]  # PUBLISHED_COLUMNS
    notes: list[dict]  # quarantine rows: page titles and other rows without values
    rows_read: int
    header_row: int
    blank_rows: int
    sha256: str


def read_published_table(path: Path, regions: RegionLookup, source_file: str) -> PublishedTable:
    table = read_grid(path, is_published_header,
                      expected="a header row whose first cell is 'PROVINSI/KAB/ KOTA', 'Provinsi', "
                               "'Kabupaten/Kota' or 'Wilayah', followed by UPLM1..UPLM7 and SKOR IPLM")
    columns = {m: i for i, h in enumerate(table.header) if (m := _measure_of(h))}
    missing = [m.upper() for m in MEASURES if m not in columns]
    if missing:
        raise SourceError(table.where(table.header_row), f"header lacks {', '.join(missing)}",
                          "columns UPLM1 ... UPLM7 and SKOR IPLM (or IPLM)")
    errors: list[SourceError] = []
    records, notes, repeated = [], [], 0
    province = None
    for row_number, cells in table.rows:
        text = cells[0]
        if _region_header(text):
            repeated += 1  # the header again, on the next page
            continue
        values, bad = {}, False
        for measure, col in columns.items():
            kind, number = parse_number(cells[col])
            if kind is NumberKind.INVALID:
                errors.append(SourceError(table.where(row_number, table.header[col]),
                                          f"'{cells[col]}' is not a number",
                                          "a decimal-comma number such as 0,4189 or 62,62, or empty"))
                bad = True
            values[measure] = number
        if bad:
            continue
        if all(v is None for v in values.values()):
            notes.append({"source": "terbitan", "source_file": source_file, "sheet": table.sheet,
                          "row_number": row_number, "reason": "footnote", "detail": text,
                          "raw_values": raw_values_json(table.header, cells)})
            continue
        where = table.where(row_number, table.header[0])
        try:
            if text.casefold() in _NATIONAL:
                level, code, bps = "national", "00", "00"
            elif regions.candidates(text, level="province", source="terbitan") and not (
                    province and regions.candidates(text, level="regency", province=province)):
                region = regions.resolve(text, where=where, level="province", source="terbitan")
                province, level, code, bps = region, "province", region.kemendagri_code, region.bps_code
            else:
                region = regions.resolve(text, where=where, level="regency", province=province,
                                         source="terbitan")
                level, code, bps = "regency", region.kemendagri_code, region.bps_code
        except RegionError as exc:
            errors.append(exc)
            continue
        records.append({"level": level, "kemendagri_code": code, "bps_code": bps, "region_text": text,
                        **values, "source_file": source_file, "sheet": table.sheet, "row_number": row_number})
    if errors:
        raise SourceErrors(errors)
    return PublishedTable(source_file, table.sheet, records, notes, rows_read=len(table.rows) - repeated,
                          header_row=table.header_row, blank_rows=table.blank_rows + repeated,
                          sha256=table.sha256)


def dedupe_published(tables: list[PublishedTable]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per area: the same table saved twice is fine, two different figures are not."""
    rows = pd.DataFrame([r for t in tables for r in t.rows], columns=PUBLISHED_COLUMNS)
    first = rows.drop_duplicates(["level", "bps_code"], keep="first")
    repeats = rows.drop(index=first.index)
    merged = repeats.merge(first, on=["level", "bps_code"], suffixes=("", "_kept"))
    differs = pd.Series(False, index=merged.index)
    for m in MEASURES:
        differs |= ~((merged[m] == merged[f"{m}_kept"]) | (merged[m].isna() & merged[f"{m}_kept"].isna()))
    if differs.any():
        r = merged[differs].iloc[0]
        raise SourceError(Location(r.source_file, r.sheet, int(r.row_number)),
                          f"'{r.region_text}' is published with other figures in {r.source_file_kept} "
                          f"row {int(r.row_number_kept)}", "each area once per year, or repeated identically",
                          "Keep the table copied from the final report only.")
    quarantine = quarantine_frame(merged.assign(
        reason="duplicate_identical", column_name=None,
        detail=[f"{r.region_text}: same figures kept from {r.source_file_kept} row {int(r.row_number_kept)}"
                for r in merged.itertuples()],
        raw_values=[json.dumps({"region": r["region_text"], **{m: r[m] for m in MEASURES}})
                    for r in merged.to_dict("records")]), source="terbitan")
    return first.reset_index(drop=True), quarantine


@dataclass
class PublishedYear:
    rows: pd.DataFrame  # staging.published rows
    quarantine: pd.DataFrame
    ledger: pd.DataFrame
    corrections: pd.DataFrame  # corrections applied


def load_published_year(raw: Path, year: int, regions: RegionLookup,
                        corrections: tuple[Correction, ...] = ()) -> PublishedYear:
    """Every table of `raw/terbitan/<year>/` (none is fine: nothing to reconcile against)."""
    paths = list_source_files(raw / "terbitan" / str(year))
    tables = [read_published_table(p, regions, relative_name(p, raw)) for p in paths]
    if tables:
        rows, duplicates = dedupe_published(tables)
    else:
        rows, duplicates = pd.DataFrame(columns=PUBLISHED_COLUMNS), quarantine_frame()
    quarantine = pd.concat([quarantine_frame(pd.DataFrame([n for t in tables for n in t.notes])), duplicates],
                           ignore_index=True)
    ledger = pd.DataFrame([{
        "year": year, "source": "terbitan", "source_file": t.source_file, "sheet": t.sheet,
        "sha256": t.sha256, "header_row": t.header_row, "rows_read": t.rows_read,
        "rows_kept": int((rows["source_file"] == t.source_file).sum()),
        "rows_quarantined": int((quarantine["source_file"] == t.source_file).sum()),
        "rows_skipped": t.blank_rows} for t in tables])
    rows, applied = apply_corrections(rows, corrections, "terbitan", year, area_column="bps_code")
    return PublishedYear(rows.assign(year=year), quarantine.assign(year=year), ledger, applied.assign(year=year))
