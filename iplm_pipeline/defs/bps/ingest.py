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
from iplm_pipeline.ledger import file_sha256, quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.parsing import NumberKind, Table, cell_text, list_source_files, parse_number, read_table
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
    rows: pd.DataFrame  # ROW_COLUMNS, regency rows and the aggregate row
    footnotes: pd.DataFrame  # quarantine slice
    rows_read: int
    header_row: int
    blank_rows: int
    notes: list[str] = field(default_factory=list)


def read_bps_table(path: Path, indicator: str, bps_year: int, regions: RegionLookup,
                   source_file: str) -> BpsTable:
    """Parse one indicator table and keep the `bps_year` column for every row."""
    table = read_table(path, is_bps_header,
                       expected="a header row whose first cell names the region column "
                                "('Kabupaten/Kota', 'Wilayah') and whose other cells are years")
    above = table.preamble
    multiplier = 1000 if any(_THOUSANDS.search(t) for t in [*above, *table.header]) else 1
    year_columns = {_year_of(h): i for i, h in enumerate(table.header) if i and _year_of(h) is not None}
    labels = table.data[0].map(cell_text)
    value_cells = table.data[[i for i in year_columns.values()]]
    has_values = value_cells.apply(lambda col: col.map(lambda v: cell_text(v) != "")).any(axis=1)

    footnote = labels.str.match(_FOOTNOTE.pattern) | labels.eq("")
    last_with_values = has_values[has_values & ~footnote].index.max() if has_values.any() else None
    if last_with_values is not None:
        footnote |= (~has_values) & (labels.index > last_with_values)
    body = labels[~footnote]

    province = _table_province(table, above, body, regions)
    errors: list[SourceError] = []
    records = []
    aggregate_row = None
    if len(body):
        last = body.index[-1]
        text = body.loc[last]
        if _AGGREGATE_WORDS.match(text) or regions.candidates(text, level="province"):
            aggregate_row = last
    seen: dict[str, int] = {}
    column = year_columns.get(bps_year)
    for row_number, text in body.items():
        is_aggregate = row_number == aggregate_row
        region = province
        if not is_aggregate:
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
            raw = table.data.at[row_number, column]
            kind, number = parse_number(raw)
            if kind is NumberKind.INVALID:
                errors.append(SourceError(
                    table.where(row_number, table.header[column]),
                    f"'{cell_text(raw)}' is not a number",
                    "an Indonesian number (1.469.843 or 93,33), '-' for zero, or '…'/'NA'/'x'/empty "
                    "for not available"))
                continue
            status = kind.value
            if number is not None:
                value = round(number * multiplier) if multiplier != 1 else number
        records.append({
            "indicator": indicator, "source_file": source_file, "sheet": table.sheet,
            "row_number": int(row_number), "region_text": text,
            "kemendagri_code": region.kemendagri_code, "bps_code": region.bps_code,
            "province_bps_code": province.bps_code, "is_aggregate": is_aggregate,
            "bps_year": bps_year, "value": value, "value_status": status,
            "unit_multiplier": multiplier})
    if errors:
        raise SourceErrors(errors)

    notes = []
    if column is None:
        notes.append(f"BPS year {bps_year} is not a column of this table "
                     f"(years: {', '.join(map(str, sorted(year_columns))) or 'none'})")
    if aggregate_row is None:
        notes.append("no aggregate (province/Jumlah/Total) row: nothing to check the rows against")
    foot = table.data[footnote]
    footnotes = quarantine_frame(
        pd.DataFrame({"row_number": foot.index, "detail": labels[footnote].values,
                      "raw_values": raw_values_json(table.header, foot).values}),
        source="bps", source_file=source_file, sheet=table.sheet, reason="footnote",
        column_name=table.header[0])
    return BpsTable(indicator, path, source_file, table.sheet, province, sorted(year_columns), multiplier,
                    pd.DataFrame(records, columns=ROW_COLUMNS), footnotes, rows_read=len(table.data),
                    header_row=table.header_row, blank_rows=table.blank_rows, notes=notes)


def _table_province(table: Table, above: list[str], body: pd.Series, regions: RegionLookup) -> Region:
    """The province a table is about: from its title, else its aggregate row, else its rows."""
    for line in above:
        match = _PROVINCE_IN_TITLE.search(line)
        if match:
            found = regions.candidates(match.group(1), level="province", source="bps")
            if len(found) == 1:
                return found[0]
            raise SourceError(table.where(None), f"the title names province '{match.group(1)}', which "
                              "is not a known province", "a province name from regions.csv in the title "
                              "(e.g. '... di Provinsi Nusa Tenggara Timur')")
    if len(body):
        found = regions.candidates(body.iloc[-1], level="province", source="bps")
        if len(found) == 1:
            return found[0]
    provinces = set()
    for text in body:
        for region in regions.candidates(text, level="regency", source="bps"):
            provinces.add(region.province_kemendagri_code)
    if len(provinces) == 1:
        return regions.by_kemendagri[provinces.pop()]
    raise SourceError(Location(table.path, table.sheet), "cannot tell which province this table is about",
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


def _ledger_rows(year: int, tables: list[BpsTable], raw) -> pd.DataFrame:
    return pd.DataFrame([{
        "year": year, "source": "bps", "source_file": t.source_file, "sheet": t.sheet,
        "sha256": file_sha256(raw / t.source_file), "header_row": t.header_row,
        "rows_read": t.rows_read, "rows_kept": len(t.rows), "rows_quarantined": len(t.footnotes),
        "rows_skipped": t.blank_rows} for t in tables])


def _table_rows(year: int, bps_year: int, tables: list[BpsTable]) -> pd.DataFrame:
    return pd.DataFrame([{
        "year": year, "indicator": t.indicator, "source_file": t.source_file, "sheet": t.sheet,
        "province_bps_code": t.province.bps_code, "province_name": t.province.short_name,
        "bps_year": bps_year, "years_in_table": ", ".join(map(str, t.years)),
        "has_bps_year": bps_year in t.years, "unit_multiplier": t.unit_multiplier,
        "regency_rows": int((~t.rows["is_aggregate"]).sum()),
        "has_aggregate": bool(t.rows["is_aggregate"].any()), "note": "; ".join(t.notes) or None}
        for t in tables])


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
    values = pd.concat([t.rows for t in parsed], ignore_index=True) if parsed else pd.DataFrame(columns=ROW_COLUMNS)
    values, applied = apply_corrections(values, corrections, "bps", bps_year, area_column="bps_code",
                                        field_column="indicator", value_column="value")
    notes = pd.concat([t.footnotes for t in parsed], ignore_index=True) if parsed else quarantine_frame()
    tables = pd.DataFrame([{
        "year": year, "indicator": t.indicator, "source_file": t.source_file, "sheet": t.sheet,
        "province_bps_code": t.province.bps_code, "province_name": t.province.short_name,
        "bps_year": bps_year, "years_in_table": ", ".join(map(str, t.years)),
        "has_bps_year": bps_year in t.years, "unit_multiplier": t.unit_multiplier,
        "regency_rows": int((~t.rows["is_aggregate"]).sum()),
        "has_aggregate": bool(t.rows["is_aggregate"].any()), "note": "; ".join(t.notes) or None}
        for t in parsed])
    ledger = pd.DataFrame([{
        "year": year, "source": "bps", "source_file": t.source_file, "sheet": t.sheet,
        "sha256": file_sha256(t.path), "header_row": t.header_row,
        "rows_read": t.rows_read, "rows_kept": len(t.rows), "rows_quarantined": len(t.footnotes),
        "rows_skipped": t.blank_rows} for t in parsed])
    return BpsYear(parsed, values.assign(year=year), tables, notes.assign(year=year), ledger,
                   applied.assign(year=year))
