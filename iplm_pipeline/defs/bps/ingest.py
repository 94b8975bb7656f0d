"""BPS indicator tables (`bps/<indicator>/*.csv|xlsx`, SOURCES.md §1) -> one row per (table row, year).

Users drop bps.go.id downloads in unchanged, so the reader follows what BPS exports
(tests/fixtures/real/bps/ holds real ones), in four layouts:

- dynamic-table export: a header *block* of up to four rows; the region label alone in
  the first cell, then rows whose first cell is empty: the variable title, sub-headers
  (`TOTAL`, age groups, `Laki-Laki`/`Perempuan`) and the years;
- flattened export: one header row holding several variables (`Jumlah Penduduk (Ribu)`,
  `Laju Pertumbuhan Penduduk per Tahun`, ...), the year often only in the file name;
- classic table: title row(s), a header of the region label and year columns;
- national table: any of these with every province's row above its kabupaten/kota and an
  `INDONESIA` row; each province block is a table of its own for the aggregate check.

The indicator's column is found by its header text (patterns per indicator in
`reference/bps_tables.toml`), never an age group, a sex or a rate; the year of a column
comes from its year row, its header text, the title or the file name, in that order of
trust. Numbers follow one convention per column, decided from evidence (numbers.py).
Every table row read is kept (regency or aggregate), quarantined (`footnote`, or
`duplicate_region` for a Papua regency listed again under its former province) or skipped
(blank, a repeated header): the ledger balances. Anything that cannot be read one way only
is an error naming the cell, since a guess here would move a whole regency's index.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd

from iplm_pipeline import numbers
from iplm_pipeline.corrections import Correction, apply_corrections
from iplm_pipeline.errors import Location, RegionError, SourceError, SourceErrors
from iplm_pipeline.ledger import FileRead, SourceYear, ledger_frame, quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.methodology import BPS_INDICATORS
from iplm_pipeline.parsing import Rows, list_source_files, read_rows
from iplm_pipeline.plausibility import check_bps_value
from iplm_pipeline.regions import REFERENCE_DIR, Region, RegionLookup

from .schemas import validate_bps_values

INDICATORS = BPS_INDICATORS
MAX_BLOCK_ROWS = 4
HEADER_SCAN_ROWS = 40
_YEAR = re.compile(r"^((?:19|20)\d{2})(?:\.0+)?$")
_SCHOOL_YEAR = re.compile(r"^((?:19|20)\d{2})\s*/\s*((?:19|20)\d{2})$")
_YEAR_IN_TEXT = re.compile(r"(?<![\d/])((?:19|20)\d{2})(?:\s*/\s*((?:19|20)\d{2}))?(?![\d/])")
_HTML = re.compile(r"</?[a-z][^>]*>", re.IGNORECASE)

ROW_COLUMNS = ["indicator", "source_file", "sheet", "row_number", "region_text", "kemendagri_code",
               "bps_code", "province_bps_code", "is_aggregate", "bps_year", "bps_period", "column_header",
               "value", "value_status", "unit_multiplier"]


@dataclass(frozen=True)
class Layout:
    region_label_words: re.Pattern
    region_label_requires: re.Pattern
    total_labels: re.Pattern
    part_labels: re.Pattern
    footnote: re.Pattern
    aggregate_words: re.Pattern
    national_words: re.Pattern
    thousands: re.Pattern
    title_province: re.Pattern
    include: dict[str, re.Pattern]
    exclude: dict[str, re.Pattern]


@cache
def layout(path: Path = REFERENCE_DIR / "bps_tables.toml") -> Layout:
    with path.open("rb") as f:
        data = tomllib.load(f)
    flat = {k: re.compile(v, re.IGNORECASE) for k, v in data.items() if isinstance(v, str)}
    indicators = data["indicators"]
    return Layout(**flat, include={k: re.compile(v["include"]) for k, v in indicators.items()},
                  exclude={k: re.compile(v["exclude"]) for k, v in indicators.items()})


def norm(text: object) -> str:
    """Text for matching patterns: case-folded, underscores (file names) and runs of spaces as one space."""
    return " ".join(str(text).replace("_", " ").split()).casefold()


def _text(cell: object) -> str:
    """A header cell as text: native numbers (a year typed as 2022.0) without a fraction."""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell).strip()


def period_of(text: str) -> str | None:
    """`2022` or `2022/2023` when the whole cell is a year or a school year."""
    text = text.strip()
    if m := _YEAR.match(text):
        return m.group(1)
    if m := _SCHOOL_YEAR.match(text):
        return f"{m.group(1)}/{m.group(2)}"
    return None


def periods_in(text: str) -> set[str]:
    return {f"{a}/{b}" if b else a for a, b in _YEAR_IN_TEXT.findall(text)}


def calendar_year(period: str) -> int:
    """The calendar year a period starts in (a school year 2022/2023 starts in 2022)."""
    return int(period[:4])


# --------------------------------------------------------------------------- header
@dataclass
class Column:
    """One value column: its header texts (block rows, merged cells filled), year and unit."""

    index: int
    parts: list[str]  # the column's header cell per block row, merged cells filled from the left
    period: str | None = None
    period_source: str = ""
    multiplier: int = 1
    unit_source: str = ""

    @property
    def texts(self) -> list[str]:
        return [p for p in self.parts if p and period_of(p) is None]

    @property
    def subject(self) -> str:
        return " / ".join(dict.fromkeys(self.texts))

    @property
    def sub(self) -> str:
        """The lowest text header of the column (TOTAL, 0-4, Laki-Laki), if the block has several."""
        return self.texts[-1] if len(self.texts) > 1 else ""

    @property
    def header(self) -> str:
        return " / ".join(dict.fromkeys(p for p in self.parts if p)) or f"column {self.index + 1}"


@dataclass
class Header:
    label_row: int  # index into Rows.rows
    block: list[int]  # indices of the block rows (label row first)
    preamble: list[str]  # text of the rows above the block: titles, unit rows
    columns: list[Column]
    kind: str


def is_region_label(text: str) -> bool:
    lay = layout()
    t = norm(text)
    return bool(t) and bool(lay.region_label_words.match(t)) and bool(lay.region_label_requires.search(t))


def find_header(rows: Rows) -> Header:
    """The header block: the region-label row and up to three rows below it with an empty first cell."""
    grid = rows.rows
    label = next((i for i, (_, cells) in enumerate(grid[:HEADER_SCAN_ROWS])
                  if cells and isinstance(cells[0], str) and is_region_label(cells[0])), None)
    if label is None:
        firsts = [str(c[0]) for _, c in grid[:HEADER_SCAN_ROWS] if c and str(c[0]).strip()][:6]
        raise SourceError(rows.where(), "not a table by kabupaten/kota: no header cell names the region column "
                          f"(first cells seen: {', '.join(repr(f[:60]) for f in firsts) or 'none'})",
                          "a first-column header such as 'Kabupaten/Kota', 'Provinsi/Kabupaten/Kota/Indonesia', "
                          "'Wilayah' or 'Regency/Municipality' (SOURCES.md §1)",
                          "Download the table by kabupaten/kota from bps.go.id, or move the file out of bps/.")
    block = [label]
    for i in range(label + 1, min(label + MAX_BLOCK_ROWS, len(grid))):
        cells = grid[i][1]
        if cells and _text(cells[0]) == "" and any(_text(c) for c in cells[1:]):
            block.append(i)
        else:
            break
    width = max(len(grid[i][1]) for i in block)
    filled = []
    for n, i in enumerate(block):
        cells = [_text(c) for c in grid[i][1]] + [""] * width
        cells = cells[:width]
        # Merged cells (a year or a title spanning columns) stand in their first column only;
        # above the last block row, an empty cell continues the one on its left.
        if n < len(block) - 1 or len(block) == 1:
            last = ""
            for j in range(1, width):
                if cells[j]:
                    last = cells[j]
                elif n < len(block) - 1 and last:
                    cells[j] = last
        filled.append(cells)
    columns = [Column(j, [row[j] for row in filled]) for j in range(1, width)
               if any(row[j] for row in filled)]
    preamble = [" ".join(_text(c) for c in cells if _text(c)) for _, cells in grid[:label]]
    preamble = [p for p in preamble if p]
    if len(block) > 1:
        kind = f"dynamic-table export (header block of {len(block)} rows)"
    elif columns and all(period_of(c.parts[0]) for c in columns):
        kind = "classic table (title, then region and year columns)"
    else:
        kind = "flattened export (one header row of several variables)"
    return Header(label, block, preamble, columns, kind)


def _assign_periods(header: Header, rows: Rows, file_name: str) -> list[str]:
    """Each column's period from, in order of trust, its year row, its header text, the title, the
    file name; a less trusted source that names one year the others do not have is an error."""
    lay = layout()
    title = " ".join(header.preamble)
    title_periods = periods_in(title)
    stem = Path(file_name).stem
    file_periods = periods_in(re.sub(r"\(\d+\)$", "", stem.strip()))
    notes = []
    for col in header.columns:
        row_periods = {p for part in col.parts if (p := period_of(part))}
        text_periods = set().union(*(periods_in(t) for t in col.texts)) if col.texts else set()
        if len(row_periods) > 1:
            raise SourceError(rows.where(rows.rows[header.block[-1]][0], col.header),
                              f"the column's header names several years ({', '.join(sorted(row_periods))})",
                              "one year per column")
        if row_periods:
            col.period, col.period_source = row_periods.pop(), "year row"
            if len(text_periods) == 1 and col.period not in text_periods:
                raise SourceError(rows.where(rows.rows[header.label_row][0], col.header),
                                  f"the year row says {col.period} but the header text says "
                                  f"{text_periods.pop()}", "one year per column",
                                  "Check which year the column holds and fix the header.")
        elif len(text_periods) == 1:
            col.period, col.period_source = text_periods.pop(), "header text"
        elif len(title_periods) == 1:
            col.period, col.period_source = next(iter(title_periods)), "title"
        elif len(file_periods) == 1:
            col.period, col.period_source = next(iter(file_periods)), "file name"
    found = {c.period for c in header.columns if c.period}
    for source, periods in (("title", title_periods), ("file name", file_periods)):
        if len(periods) == 1 and found and not periods <= found:
            (p,) = periods
            raise SourceError(rows.where(), f"the {source} names {p}, but the table's columns are "
                              f"{', '.join(sorted(found))}", f"the {source}'s year among the table's years",
                              "Check that the file is the download it is named for.")
    for col in header.columns:
        unit = next((t for t in [*col.texts, *header.preamble] if lay.thousands.search(norm(t))), "")
        if unit:
            col.multiplier, col.unit_source = 1000, unit
    return notes


def pick_columns(header: Header, rows: Rows, indicator: str | None, column_text: str | None) -> list[Column]:
    """The value column per period: the indicator's (or the one matching `column_text`)."""
    lay = layout()
    with_period = [c for c in header.columns if c.period]
    title = " ".join(header.preamble)
    stem = Path(rows.path).stem
    if column_text is not None:
        wanted = norm(column_text)
        chosen = [c for c in with_period if wanted in (norm(c.subject), norm(c.sub))
                  or any(wanted == norm(t) for t in c.texts)]
        if not chosen:
            chosen = [c for c in with_period if wanted in norm(c.header)]
        why = f"its header matches '{column_text}'"
    else:
        include, exclude = lay.include[indicator], lay.exclude[indicator]
        chosen = []
        for c in with_period:
            own = norm(c.subject)
            if exclude.search(own) or exclude.search(norm(title)):
                continue
            if not (include.search(own) or include.search(norm(title)) or include.search(norm(stem))):
                continue
            if c.sub and lay.part_labels.match(norm(c.sub)):
                continue
            chosen.append(c)
        why = f"its header or title names {indicator}"
    by_period: dict[str, list[Column]] = {}
    for c in chosen:
        by_period.setdefault(c.period, []).append(c)
    result = []
    for period, cols in by_period.items():
        if len(cols) > 1:
            totals = [c for c in cols if c.sub and lay.total_labels.match(norm(c.sub))]
            cols = totals or cols
        if len(cols) > 1:
            raise SourceError(rows.where(rows.rows[header.label_row][0]),
                              f"several columns could be {indicator or column_text} {period}: "
                              + "; ".join(f"'{c.header}'" for c in cols),
                              "one column per year whose header names the indicator (or its total)",
                              "Download the table with the total only, or name the column with --column.")
        cols[0].reason = why  # type: ignore[attr-defined]
        result.append(cols[0])
    if not result:
        seen = "; ".join(f"'{c.header}'" for c in header.columns) or "none"
        raise SourceError(rows.where(rows.rows[header.label_row][0]),
                          f"no column is {indicator or repr(column_text)} (headers seen: {seen})",
                          (f"a column whose header or title names {indicator} (patterns in "
                           "iplm_pipeline/reference/bps_tables.toml), with a year in its year row, header, the "
                           "title or the file name") if column_text is None else "a header containing that text",
                          "Check that the file is the right table for this folder.")
    return sorted(result, key=lambda c: c.period)


# --------------------------------------------------------------------------- rows
@dataclass
class DataRow:
    index: int  # into Rows.rows
    number: int  # spreadsheet row number
    text: str
    kind: str = "regency"  # regency, aggregate, national, footnote, header, duplicate_region
    region: Region | None = None
    block: int = 0
    note: str = ""


@dataclass
class Block:
    province: Region | None
    rows: list[DataRow] = field(default_factory=list)
    aggregate: DataRow | None = None


def _is_footnote(text: str, values_present: bool) -> bool:
    t = norm(text)
    return bool(layout().footnote.match(t)) or bool(_HTML.search(text)) or (not values_present and len(t) > 60)


def split_rows(rows: Rows, header: Header, value_columns: list[int], regions: RegionLookup,
               file_name: str) -> tuple[list[Block], list[DataRow], DataRow | None, int]:
    """Data rows below the header, classified and resolved; (blocks, notes, national row, blank rows)."""
    lay = layout()
    start = header.block[-1] + 1
    notes: list[DataRow] = []
    candidates: list[DataRow] = []
    blank = 0
    header_texts = [norm(_text(c)) for c in rows.rows[header.label_row][1]]
    for i in range(start, len(rows.rows)):
        number, cells = rows.rows[i]
        texts = [_text(c) for c in cells]
        if not any(texts):
            blank += 1
            continue
        first = texts[0]
        values_present = any(j < len(texts) and texts[j] for j in value_columns)
        if [norm(t) for t in texts[:len(header_texts)]] == header_texts[:len(texts)]:
            notes.append(DataRow(i, number, first, "header"))  # the header again after a page break
            continue
        if not first or _is_footnote(first, values_present):
            notes.append(DataRow(i, number, first, "footnote"))
            continue
        candidates.append(DataRow(i, number, first))
    # Notes after the last row with figures ("Badan Pusat Statistik ...") are footnotes too.
    while candidates and not any(_text(c) for j, c in enumerate(rows.rows[candidates[-1].index][1])
                                 if j in value_columns):
        row = candidates.pop()
        row.kind = "footnote"
        notes.append(row)

    national = None
    for row in candidates:
        if lay.national_words.match(norm(row.text)):
            row.kind = "national"
            national = row
    body = [r for r in candidates if r.kind != "national"]
    province_rows = [r for r in body if _province_candidates(r.text, regions)]
    title_province = _title_province(header, file_name, regions, rows)
    # A national table: several distinct provinces each heading their regencies.
    distinct = {_province_candidates(r.text, regions)[0].kemendagri_code for r in province_rows
                if len(_province_candidates(r.text, regions)) == 1
                and not _regency_too(r, body, regions)}
    blocks: list[Block] = []
    if len(distinct) > 1:
        current: Block | None = None
        for row in body:
            found = _province_candidates(row.text, regions)
            if found and not (current and current.province and _regency_in(row.text, current.province, regions)):
                current = Block(found[0])
                row.kind, row.region = "aggregate", found[0]
                current.aggregate = row
                blocks.append(current)
                continue
            if current is None:
                raise SourceError(rows.where(row.number, header_label(rows, header)),
                                  f"'{row.text}' stands above the first province row of a national table",
                                  "each kabupaten/kota below the row of its province")
            current.rows.append(row)
    else:
        province = title_province or _province_from_rows(body, regions)
        block = Block(province)
        twice = _edge_twice(body, value_columns, rows, regions)
        for position, row in enumerate(body):
            edge = position in (0, len(body) - 1)
            found = _province_candidates(row.text, regions)
            is_agg = edge and ((found and (province is None or found[0] == province)
                                and not _regency_too(row, body, regions) and twice in (None, row))
                               or lay.aggregate_words.match(norm(row.text)))
            if is_agg and block.aggregate is None:
                row.kind = "aggregate"
                block.aggregate = row
                if province is None and found:
                    province = block.province = found[0]
                row.region = province
            else:
                block.rows.append(row)
        if province is None:
            raise SourceError(rows.where(), "cannot tell which province this table is about",
                              "a title or file name naming the province ('... di Provinsi X'), a province "
                              "aggregate row, or regency names of one province",
                              "Keep the file name bps.go.id gives the download.")
        blocks = [block]
    return blocks, notes, national, blank


def header_label(rows: Rows, header: Header) -> str:
    return _text(rows.rows[header.label_row][1][0])


def _province_candidates(text: str, regions: RegionLookup) -> list[Region]:
    return regions.candidates(text, level="province", source="bps")


def _regency_in(text: str, province: Region, regions: RegionLookup) -> bool:
    return bool(regions.candidates(text, level="regency", province=province, source="bps"))


def _regency_too(row: DataRow, body: list[DataRow], regions: RegionLookup) -> bool:
    """A province name that is also one of its regencies (Gorontalo) names the regency, unless the
    same text stands twice in the table: once for the regency, once for the province."""
    found = _province_candidates(row.text, regions)
    return (bool(found) and _regency_in(row.text, found[0], regions)
            and sum(norm(r.text) == norm(row.text) for r in body) < 2)


def _edge_twice(body: list[DataRow], value_columns: list[int], rows: Rows, regions: RegionLookup) -> DataRow | None:
    """When a province name that is also a regency (Gorontalo) stands first and last, the aggregate is
    the one with the larger figure (a total is at least its part)."""
    if len(body) < 2 or norm(body[0].text) != norm(body[-1].text) or not _province_candidates(body[0].text, regions):
        return None
    def first_value(row: DataRow) -> float:
        cells = rows.rows[row.index][1]
        for j in value_columns:
            reading = numbers.read(cells[j] if j < len(cells) else "")
            if reading.values:
                return max(reading.values.values())
        return float("-inf")
    return body[0] if first_value(body[0]) > first_value(body[-1]) else body[-1]


def _title_province(header: Header, file_name: str, regions: RegionLookup, rows: Rows) -> Region | None:
    lay = layout()
    for text in [*header.preamble, *(t for c in header.columns[:1] for t in c.texts),
                 Path(file_name).stem.replace("_", "/")]:
        match = lay.title_province.search(" ".join(text.split()))
        if not match:
            continue
        name = match.group(1)
        found = _province_candidates(name, regions)
        if len(found) == 1:
            return found[0]
        if re.search(r"\bprovinsi\b", text, re.IGNORECASE) and not found:
            raise SourceError(rows.where(), f"the title names province '{name}', which is not a known province",
                              "a province name from regions.csv in the title (e.g. '... di Provinsi Nusa "
                              "Tenggara Timur')")
    return None


def _province_from_rows(body: list[DataRow], regions: RegionLookup) -> Region | None:
    provinces = {r.province_kemendagri_code for row in body
                 for r in regions.candidates(row.text, level="regency", source="bps")}
    return regions.by_kemendagri[provinces.pop()] if len(provinces) == 1 else None


# --------------------------------------------------------------------------- table
@dataclass
class BpsTable:
    """One parsed indicator table: its value rows (row x period), blocks, notes and how it was read."""

    indicator: str | None
    path: Path
    source_file: str
    sheet: str | None
    layout: str
    header_rows: list[int]
    columns: list[Column]
    provinces: list[Region]
    rows: list[dict]  # ROW_COLUMNS, one per (kept table row, period)
    footnotes: list[dict]  # quarantine rows
    rows_read: int
    rows_kept: int
    blank_rows: int
    sha256: str
    conventions: dict[str, str]  # column header -> how its notation was decided
    aggregates: dict[str, int | None]  # province bps_code -> aggregate row number
    notes: list[str] = field(default_factory=list)
    read_notes: list[str] = field(default_factory=list)  # the file reader's (a line read as Windows-1252, ...)

    @property
    def periods(self) -> list[str]:
        return [c.period for c in self.columns]

    @property
    def province(self) -> Region:
        return self.provinces[0]


def read_bps_table(path: Path, indicator: str | None, regions: RegionLookup, source_file: str, *,
                   column_text: str | None = None) -> BpsTable:
    """Parse one table: every period column of the indicator (or of `column_text`), every row located."""
    rows = read_rows(path)
    header = find_header(rows)
    notes = _assign_periods(header, rows, source_file)
    columns = pick_columns(header, rows, indicator, column_text)
    value_idx = [c.index for c in columns]
    blocks, extra, national, blank = split_rows(rows, header, value_idx, regions, source_file)
    label = header_label(rows, header)
    errors: list[SourceError] = []
    kept: list[DataRow] = []
    seen: dict[str, DataRow] = {}
    for block in blocks:
        for row in block.rows:
            where = rows.where(row.number, label)
            named = _province_candidates(row.text, regions)
            if named and not _regency_in(row.text, named[0], regions):
                errors.append(SourceError(where, f"'{row.text}' names {named[0].name}, inside the table of "
                                          f"{block.province.name}", "the table's own aggregate first or last, "
                                          "or a national table with every province above its regencies"))
                continue
            try:
                row.region = regions.resolve(row.text, where=where, level="regency", province=block.province,
                                             source="bps")
            except RegionError as exc:
                errors.append(exc)
                continue
            other = seen.get(row.region.kemendagri_code)
            if other is not None:
                if _moved_papua(row.region, block.province, blocks[other.block].province):
                    # Listed under the old and the new province (the 2022 Papua split): one region, once.
                    home = row.region.province_kemendagri_code
                    first_is_former = blocks[other.block].province.kemendagri_code != home
                    dup, keep = (other, row) if first_is_former else (row, other)
                    if _row_values(rows, dup, value_idx) != _row_values(rows, keep, value_idx):
                        errors.append(SourceError(where, f"'{row.text}' is listed under two provinces with "
                                                  f"different figures (rows {other.number} and {row.number})",
                                                  "the same figures where a table lists a moved regency twice"))
                        continue
                    dup.kind, dup.note = "duplicate_region", (
                        f"{row.region.name} listed again under its former province; kept row {keep.number}")
                    if dup is other:
                        kept.remove(other)
                        seen[row.region.kemendagri_code] = row
                        row.block = blocks.index(block)
                        kept.append(row)
                    continue
                errors.append(SourceError(where, f"'{row.text}' is {row.region.name}, already given in row "
                                          f"{other.number}", "each kabupaten/kota once per table"))
                continue
            row.block = blocks.index(block)
            seen[row.region.kemendagri_code] = row
            kept.append(row)
    if errors:
        raise SourceErrors(errors)

    value_rows = [r for b in blocks for r in ([b.aggregate] if b.aggregate else []) + b.rows
                  if r.kind in ("regency", "aggregate")] + ([national] if national else [])
    value_rows.sort(key=lambda r: r.number)
    cells = {c.index: [rows.rows[r.index][1][c.index] if c.index < len(rows.rows[r.index][1]) else ""
                       for r in value_rows] for c in columns}
    all_numeric = [_cells_of(rows, value_rows, j) for j in range(1, max(len(r[1]) for r in rows.rows))]
    file_decision = numbers.decide_file(all_numeric)
    conventions, records = {}, []
    for col in columns:
        try:
            decision = numbers.decide(cells[col.index], fallback=file_decision)
        except numbers.ConventionConflict as exc:
            raise SourceError(rows.where(None, col.header), f"the column mixes number notations ({exc})",
                              "one notation per column: Indonesian (1.469.843, 93,33) or a decimal point "
                              "(1469843, 93.33)", "Re-download the table unchanged.") from exc
        conventions[col.header] = decision.reason
        for row, cell in zip(value_rows, cells[col.index], strict=True):
            reading = numbers.read(cell)
            where = rows.where(row.number, col.header)
            try:
                number = numbers.value(reading, decision.convention)
            except ValueError as exc:
                if str(exc) == "ambiguous":
                    errors.append(SourceError(where, numbers.ambiguity_hint(str(cell)),
                                              "a value that reads one way only"))
                else:
                    example = decision.convention.example if decision.convention else "1.469.843, 93,33 or 93.33"
                    errors.append(SourceError(where, f"'{cell}' is not a number ({exc})",
                                              f"a number ({example}), '-' for zero, or '…'/'NA'/'x'/empty for "
                                              "not available"))
                continue
            if number is not None and col.multiplier != 1:
                number = _times(cell, number, col.multiplier)
            if number is not None and indicator and row.kind == "regency":
                problem = check_bps_value(indicator, number, col.multiplier)
                if problem:
                    errors.append(SourceError(where, f"'{cell}'{' (thousands)' if col.multiplier != 1 else ''} "
                                              f"gives {number:,.0f}: {problem}",
                                              "a plausible value for a kabupaten/kota",
                                              "Check the unit (Ribu) and the number notation of the table."))
                    continue
            region = row.region if row.kind != "national" else None
            records.append({
                "indicator": indicator, "source_file": source_file, "sheet": rows.sheet,
                "row_number": row.number, "region_text": row.text,
                "kemendagri_code": region.kemendagri_code if region else "00",
                "bps_code": region.bps_code if region else "00",
                "province_bps_code": (blocks[row.block].province.bps_code if row.kind == "regency"
                                      else region.bps_code if region else "00"),
                "is_aggregate": row.kind != "regency", "bps_year": calendar_year(col.period),
                "bps_period": col.period, "column_header": col.header, "value": number,
                "value_status": reading.kind.value, "unit_multiplier": col.multiplier})
    if errors:
        raise SourceErrors(errors)

    for block in blocks:
        if block.aggregate is None:
            notes.append(f"{block.province.short_name}: no aggregate (province/Jumlah/Total) row: "
                         "nothing to check the rows against")
    quarantined = [r for r in extra if r.kind == "footnote"]
    quarantined += [r for b in blocks for r in b.rows if r.kind == "duplicate_region"]
    header_again = [r for r in extra if r.kind == "header"]
    footnotes = [{"source": "bps", "source_file": source_file, "sheet": rows.sheet, "row_number": r.number,
                  "reason": "footnote" if r.kind == "footnote" else "duplicate_region", "column_name": label,
                  "detail": r.note or r.text, "raw_values": raw_values_json(
                      [label, *(c.header for c in header.columns)],
                      [_text(c) for c in rows.rows[r.index][1]])} for r in quarantined]
    kept_rows = len(value_rows)
    rows_read = kept_rows + len(footnotes)
    return BpsTable(indicator, Path(path), source_file, rows.sheet, header.kind + (
        f", national table ({len(blocks)} province blocks)" if len(blocks) > 1 or national else ""),
        [rows.rows[i][0] for i in header.block], columns, [b.province for b in blocks], records, footnotes,
        rows_read=rows_read, rows_kept=kept_rows, blank_rows=blank + len(header_again), sha256=rows.sha256,
        conventions=conventions,
        aggregates={b.province.bps_code: b.aggregate.number if b.aggregate else None for b in blocks},
        notes=notes, read_notes=list(rows.read_notes))


def _cells_of(rows: Rows, value_rows: list[DataRow], j: int) -> list:
    return [rows.rows[r.index][1][j] if j < len(rows.rows[r.index][1]) else "" for r in value_rows]


def _row_values(rows: Rows, row: DataRow, columns: list[int]) -> list:
    cells = rows.rows[row.index][1]
    return [_text(cells[j]) if j < len(cells) else "" for j in columns]


def _moved_papua(region: Region, here: Region | None, there: Region | None) -> bool:
    codes = {p.kemendagri_code for p in (here, there) if p is not None}
    return region.province_kemendagri_code in codes and len(codes) == 2


def _times(cell: object, number: float, multiplier: int) -> float:
    """Thousands to units, exactly: 93,33 -> 93 330 and 1272.7 -> 1 272 700, no binary residue."""
    exact = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(repr(number))
    result = exact * multiplier
    return float(result.to_integral_value()) if result == result.to_integral_value() else float(result)


# --------------------------------------------------------------------------- a year
def read_bps_tables(raw: Path, regions: RegionLookup) -> list[BpsTable]:
    """Every indicator table under `raw/bps`; two tables giving the same indicator, province and
    period are an error (a double count waiting to happen)."""
    folder = raw / "bps"
    if folder.is_dir():
        unknown = sorted(p.name for p in folder.iterdir() if p.name not in INDICATORS
                         and not p.name.startswith(".") and p.name != "README.md")
        if unknown:
            raise SourceError(Location(folder), f"unknown indicator folder(s) or file(s) {', '.join(unknown)}",
                              f"only the folders {', '.join(INDICATORS)}",
                              "Rename the folder to the indicator it holds (SOURCES.md §1), or move the file "
                              "into its indicator's folder.")
    tables = [read_bps_table(path, indicator, regions, relative_name(path, raw))
              for indicator in INDICATORS for path in list_source_files(folder / indicator)]
    seen: dict[tuple[str, str, str], BpsTable] = {}
    for t in tables:
        for province in t.provinces:
            for period in t.periods:
                other = seen.setdefault((t.indicator, province.bps_code, period), t)
                if other is not t:
                    raise SourceError(Location(folder / t.indicator),
                                      f"two tables give {t.indicator} {period} for {province.name}: "
                                      f"{other.source_file} and {t.source_file}",
                                      "one table per indicator, province and year",
                                      "Remove the older download.")
    return tables


@dataclass
class BpsYear(SourceYear):
    parsed: list[BpsTable] = field(default_factory=list)
    values: pd.DataFrame = field(default_factory=pd.DataFrame)  # staging.bps rows
    tables: pd.DataFrame = field(default_factory=pd.DataFrame)  # staging.bps_tables (per table and province)


def load_bps_year(raw: Path, year: int, columns: dict[str, str], regions: RegionLookup,
                  corrections: tuple[Correction, ...] = ()) -> BpsYear:
    """The BPS tables for IPLM year `year`; `columns` is the registry's period per indicator."""
    parsed = read_bps_tables(raw, regions)
    _check_corrections_are_used(corrections)
    values = pd.DataFrame([r for t in parsed for r in t.rows], columns=ROW_COLUMNS)
    applied = []
    for indicator, period in columns.items():
        # A correction names a BPS year: it applies to the column the registry takes for the indicator.
        part = values[(values["indicator"] == indicator) & (values["bps_period"] == period)]
        fixed, done = apply_corrections(part, [c for c in corrections if c.field == indicator], "bps",
                                        calendar_year(period), area_column="bps_code", field_column="indicator",
                                        value_column="value")
        values.loc[fixed.index, ["value", "value_status"]] = fixed[["value", "value_status"]]
        applied.append(done)
    applied = pd.concat(applied, ignore_index=True) if applied else pd.DataFrame()
    values = validate_bps_values(values) if len(values) else values
    notes = quarantine_frame(pd.DataFrame([r for t in parsed for r in t.footnotes]))
    tables = pd.DataFrame([{
        "year": year, "indicator": t.indicator, "source_file": t.source_file, "sheet": t.sheet,
        "province_bps_code": p.bps_code, "province_name": p.short_name,
        "bps_year": calendar_year(columns[t.indicator]), "bps_period": columns[t.indicator],
        "years_in_table": ", ".join(t.periods), "has_bps_year": columns[t.indicator] in t.periods,
        "unit_multiplier": max(c.multiplier for c in t.columns), "layout": t.layout,
        "regency_rows": sum(1 for r in t.rows if not r["is_aggregate"] and r["province_bps_code"] == p.bps_code
                            and r["bps_period"] == t.periods[0]),
        "has_aggregate": t.aggregates.get(p.bps_code) is not None,
        "note": "; ".join(t.notes) or None} for t in parsed for p in t.provinces],
        columns=["year", "indicator", "source_file", "sheet", "province_bps_code", "province_name", "bps_year",
                 "bps_period", "years_in_table", "has_bps_year", "unit_multiplier", "layout", "regency_rows",
                 "has_aggregate", "note"])
    ledger = ledger_frame(year, "bps", [FileRead(t.source_file, t.sheet, t.sha256, t.header_rows[-1], t.rows_read,
                                                 t.rows_kept, len(t.footnotes), t.blank_rows,
                                                 "; ".join(t.read_notes) or None) for t in parsed])
    return BpsYear(notes.assign(year=year), ledger, applied.assign(year=year), parsed=parsed,
                   values=values.assign(year=year), tables=tables)


def _check_corrections_are_used(corrections) -> None:
    """A BPS correction names a BPS year and indicator; one that no registered IPLM year takes would
    never apply, silently (IPLM 2024 takes the 2023 population, not the 2022 one): refuse it."""
    from iplm_pipeline.corrections import CorrectionError
    from iplm_pipeline.methodology import load_registry

    taken = {(i, c.period[:4]) for m in load_registry().methods.values() for i, c in m.bps_columns.items()}
    for c in corrections:
        if c.source == "bps" and (c.field, str(c.year)) not in taken:
            years = sorted({p for i, p in taken if i == c.field})
            raise CorrectionError(f"{c.describe()}: no registered IPLM year takes BPS {c.year} for {c.field} "
                                  f"(the years take {', '.join(years) or 'none'}), so it would never apply. "
                                  "Write it for the column a year takes (iplm years), or remove it.")


# --------------------------------------------------------------------------- inspect
def inspect_bps(path: Path, regions: RegionLookup, *, indicator: str | None = None, column: str | None = None,
                year: int | None = None) -> dict:
    """What a run reads from one BPS file, for `iplm inspect` (raises SourceError when refused)."""
    table = read_bps_table(Path(path), indicator, regions, Path(path).name, column_text=column)
    rows = [{"row_number": r["row_number"], "region_text": r["region_text"], "bps_code": r["bps_code"],
             "kemendagri_code": r["kemendagri_code"], "is_aggregate": r["is_aggregate"],
             "year": r["bps_period"] if "/" in r["bps_period"] else int(r["bps_period"]),
             "value": _json_number(r["value"]), "value_status": r["value_status"]}
            for r in table.rows if year is None or r["bps_year"] == year]
    return {
        "file": str(path), "source": "bps", "indicator": indicator, "layout": table.layout,
        "sheet": table.sheet, "header_rows": table.header_rows,
        "provinces": [p.name for p in table.provinces],
        "columns": [{"header": c.header, "year": c.period, "year_from": c.period_source,
                     "why": getattr(c, "reason", ""), "unit_multiplier": c.multiplier,
                     "unit_from": c.unit_source or None, "decimal_convention": table.conventions[c.header]}
                    for c in table.columns],
        "rows_read": table.rows_read, "rows_kept": table.rows_kept, "rows_quarantined": len(table.footnotes),
        "rows_skipped": table.blank_rows,
        "quarantined": [{"row_number": f["row_number"], "reason": f["reason"], "detail": f["detail"]}
                        for f in table.footnotes],
        "notes": table.notes, "rows": rows}


def _json_number(value: float | None):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if float(value).is_integer() else value
