"""BPS indicator tables (`bps/<indicator>/*.csv|xlsx`, SOURCES.md §1) -> long rows.

One file per indicator and province in the BPS dynamic-table layout: title
rows, an optional unit row, a header (region column + year columns), one row
per kabupaten/kota, the province aggregate row, footnotes. The aggregate row is
kept (flagged) for the reconciliation, never used as an input; footnotes go to
the quarantine as `footnote` so the ledger balances.

A table is a small, hand-downloaded file: anything that breaks the contract is
an error naming the cell, since a guess here would move a whole regency's index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iplm_pipeline.corrections import Correction, apply_corrections
from iplm_pipeline.errors import Location, RegionError, SourceError, SourceErrors
from iplm_pipeline.ledger import quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.parsing import NumberKind, Table, list_source_files, parse_number, read_grid
from iplm_pipeline.regions import Region, RegionLookup

INDICATORS = ("penduduk", "desa_kelurahan", "sekolah", "murid", "guru", "perguruan_tinggi",
              "mahasiswa", "dosen")
_YEAR = re.compile(r"^((?:19|20)\d{2})\b")
_FOOTNOTE = re.compile(r"^(sumber|source|catatan|note|keterangan|ket\.|\*|\(?\d+\))", re.IGNORECASE)
_AGGREGATE_WORDS = re.compile(r"^(jumlah|total|indonesia)\b", re.IGNORECASE)
_PROVINCE_IN_TITLE = re.compile(r"\bprovinsi\s+(.+?)(?:\s*[,(:]|\s+(?:19|20)\d{2}|\s*$)", re.IGNORECASE)
_THOUSANDS = re.compile(r"\bribu\b", re.IGNORECASE)

ROW_COLUMNS = ["indicator", "source_file", "sheet", "row_number", "region_text", "kemendagri_code",
               "bps_code", "province_bps_code", "is_aggregate", "bps_year", "value", "value_status",
               "unit_multiplier"]


def _year_of(cell: str) -> int | None:
    match = _YEAR.match(cell)
    return int(match.group(1)) if match else None


def is_bps_header(cells: list[str]) -> bool:
    """Region column first, then year columns (other non-empty cells must be years too)."""
    if not cells or not cells[0] or _year_of(cells[0]) is not None:
        return False
    rest = [c for c in cells[1:] if c]
    return bool(rest) and all(_year_of(c) is not None for c in rest)


@dataclass
class BpsTable:
    """One parsed indicator table: its regency rows, aggregate row and footnotes."""

    indicator: str
    path: Path
    source_file: str
    sheet: str | None
    province: Region
    years: list[int]
    unit_multiplier: int
    rows: list[dict]  # ROW_COLUMNS: regency rows and the aggregate row
    footnotes: list[dict]  # quarantine rows
    rows_read: int
    header_row: int
    blank_rows: int
    sha256: str
    notes: list[str] = field(default_factory=list)

    @property
    def regency_rows(self) -> int:
        return sum(not r["is_aggregate"] for r in self.rows)


def read_bps_table(path: Path, indicator: str, bps_year: int, regions: RegionLookup,
                   source_file: str) -> BpsTable:
    """Parse one indicator table and keep the `bps_year` column for every row."""
    table = read_grid(path, is_bps_header,
                      expected="a header row whose first cell names the region column "
                               "('Kabupaten/Kota', 'Wilayah') and whose other cells are years")
    multiplier = 1000 if any(_THOUSANDS.search(t) for t in [*table.preamble, *table.header]) else 1
    year_columns = {_year_of(h): i for i, h in enumerate(table.header) if i and _year_of(h) is not None}
    has_values = {n: any(cells[i] for i in year_columns.values()) for n, cells in table.rows}
    footnote = {n for n, cells in table.rows if not cells[0] or _FOOTNOTE.match(cells[0])}
    with_values = [n for n, _ in table.rows if has_values[n] and n not in footnote]
    if with_values:  # note rows after the last row with figures ("Badan Pusat Statistik ...")
        footnote |= {n for n, _ in table.rows if not has_values[n] and n > with_values[-1]}
    body = [(n, cells) for n, cells in table.rows if n not in footnote]

    province = _table_province(table, [cells[0] for _, cells in body], regions)
    aggregate_row = None
    if body:
        last, cells = body[-1]
        if _AGGREGATE_WORDS.match(cells[0]) or regions.candidates(cells[0], level="province", source="bps"):
            aggregate_row = last
    errors: list[SourceError] = []
    records = []
    seen: dict[str, int] = {}
    column = year_columns.get(bps_year)
    for row_number, cells in body:
        text = cells[0]
        region = province
        if row_number != aggregate_row:
            try:
                region = regions.resolve(text, where=table.where(row_number, table.header[0]),
                                         level="regency", province=province, source="bps")
            except RegionError as exc:
                errors.append(exc)
                continue
            if region.kemendagri_code in seen:
                errors.append(SourceError(
                    table.where(row_number, table.header[0]),
                    f"'{text}' is {region.name}, already given in row {seen[region.kemendagri_code]}",
                    "each kabupaten/kota once per table"))
                continue
            seen[region.kemendagri_code] = row_number
        value, status = None, "missing"
        if column is not None:
            kind, number = parse_number(cells[column])
            if kind is NumberKind.INVALID:
                errors.append(SourceError(
                    table.where(row_number, table.header[column]), f"'{cells[column]}' is not a number",
                    "an Indonesian number (1.469.843 or 93,33), '-' for zero, or '…'/'NA'/'x'/empty "
                    "for not available"))
                continue
            status = kind.value
            if number is not None:
                value = round(number * multiplier) if multiplier != 1 else number
        records.append({
            "indicator": indicator, "source_file": source_file, "sheet": table.sheet, "row_number": row_number,
            "region_text": text, "kemendagri_code": region.kemendagri_code, "bps_code": region.bps_code,
            "province_bps_code": province.bps_code, "is_aggregate": row_number == aggregate_row,
            "bps_year": bps_year, "value": value, "value_status": status, "unit_multiplier": multiplier})
    if errors:
        raise SourceErrors(errors)

    notes = []
    if column is None:
        notes.append(f"BPS year {bps_year} is not a column of this table "
                     f"(years: {', '.join(map(str, sorted(year_columns))) or 'none'})")
    if aggregate_row is None:
        notes.append("no aggregate (province/Jumlah/Total) row: nothing to check the rows against")
    footnotes = [{"source": "bps", "source_file": source_file, "sheet": table.sheet, "row_number": n,
                  "reason": "footnote", "column_name": table.header[0], "detail": cells[0],
                  "raw_values": raw_values_json(table.header, cells)}
                 for n, cells in table.rows if n in footnote]
    return BpsTable(indicator, path, source_file, table.sheet, province, sorted(year_columns), multiplier,
                    records, footnotes, rows_read=len(table.rows), header_row=table.header_row,
                    blank_rows=table.blank_rows, sha256=table.sha256, notes=notes)


def _table_province(table: Table, labels: list[str], regions: RegionLookup) -> Region:
    """The province a table is about: from its title, else its aggregate row, else its rows."""
    for line in table.preamble:
        match = _PROVINCE_IN_TITLE.search(line)
        if match:
            found = regions.candidates(match.group(1), level="province", source="bps")
            if len(found) == 1:
                return found[0]
            raise SourceError(table.where(None), f"the title names province '{match.group(1)}', which "
                              "is not a known province", "a province name from regions.csv in the title "
                              "(e.g. '... di Provinsi Nusa Tenggara Timur')")
    if labels:
        found = regions.candidates(labels[-1], level="province", source="bps")
        if len(found) == 1:
            return found[0]
    provinces = {r.province_kemendagri_code for text in labels
                 for r in regions.candidates(text, level="regency", source="bps")}
    if len(provinces) == 1:
        return regions.by_kemendagri[provinces.pop()]
    raise SourceError(table.where(None), "cannot tell which province this table is about",
                      "a title naming the province ('... di Provinsi X') or a province aggregate row",
                      "Add the title row BPS downloads carry.")


def read_bps_tables(raw: Path, bps_year: int, regions: RegionLookup) -> list[BpsTable]:
    """Every indicator table under `raw/bps`, read for one BPS reference year."""
    folder = raw / "bps"
    if folder.is_dir():
        unknown = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in INDICATORS)
        if unknown:
            raise SourceError(Location(folder), f"unknown indicator folder(s) {', '.join(unknown)}",
                              f"only {', '.join(INDICATORS)}",
                              "Rename the folder to the indicator it holds (SOURCES.md §1).")
    tables = [read_bps_table(path, indicator, bps_year, regions, relative_name(path, raw))
              for indicator in INDICATORS for path in list_source_files(folder / indicator)]
    seen: dict[tuple[str, str], BpsTable] = {}
    for t in tables:
        if bps_year not in t.years:
            continue
        other = seen.setdefault((t.indicator, t.province.bps_code), t)
        if other is not t:
            raise SourceError(Location(folder / t.indicator), f"two tables give {t.indicator} {bps_year} for "
                              f"{t.province.name}: {other.source_file} and {t.source_file}",
                              "one table per indicator, province and year",
                              "Remove the older download.")
    return tables


@dataclass
class BpsYear:
    parsed: list[BpsTable]
    values: pd.DataFrame  # staging.bps_values rows
    tables: pd.DataFrame  # staging.bps_tables rows
    quarantine: pd.DataFrame
    ledger: pd.DataFrame  # source_files rows
    corrections: pd.DataFrame  # corrections applied


def load_bps_year(raw: Path, year: int, bps_year: int, regions: RegionLookup,
                  corrections: tuple[Correction, ...] = ()) -> BpsYear:
    """The BPS inputs of IPLM year `year` (values of `bps_year`), with their ledger and footnotes."""
    parsed = read_bps_tables(raw, bps_year, regions)
    values = pd.DataFrame([r for t in parsed for r in t.rows], columns=ROW_COLUMNS)
    values, applied = apply_corrections(values, corrections, "bps", bps_year, area_column="bps_code",
                                        field_column="indicator", value_column="value")
    notes = quarantine_frame(pd.DataFrame([r for t in parsed for r in t.footnotes]))
    tables = pd.DataFrame([{
        "year": year, "indicator": t.indicator, "source_file": t.source_file, "sheet": t.sheet,
        "province_bps_code": t.province.bps_code, "province_name": t.province.short_name,
        "bps_year": bps_year, "years_in_table": ", ".join(map(str, t.years)),
        "has_bps_year": bps_year in t.years, "unit_multiplier": t.unit_multiplier,
        "regency_rows": t.regency_rows, "has_aggregate": t.regency_rows < len(t.rows),
        "note": "; ".join(t.notes) or None} for t in parsed])
    ledger = pd.DataFrame([{
        "year": year, "source": "bps", "source_file": t.source_file, "sheet": t.sheet, "sha256": t.sha256,
        "header_row": t.header_row, "rows_read": t.rows_read, "rows_kept": len(t.rows),
        "rows_quarantined": len(t.footnotes), "rows_skipped": t.blank_rows} for t in parsed])
    return BpsYear(parsed, values.assign(year=year), tables, notes.assign(year=year), ledger,
                   applied.assign(year=year))
