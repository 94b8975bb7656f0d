"""Published IPLM tables (`terbitan/<year>/*`, SOURCES.md §3) -> one row per published area.

Three real layouts, told apart by their header (spellings in `reference/published_headers.toml`):

- `report`: copied from the Perpusnas report ("Tabel 44 Rekapitulasi UPLM Per Kab/Kota"): one
  area column (`PROVINSI/KAB/ KOTA`, `Wilayah`, ...), UPLM1..UPLM7 and `SKOR IPLM`, decimal comma,
  title rows above, the header repeated at page breaks; a province row sets the scope of the
  regency names below it.
- `open_data` (data.go.id, Satu Data): `No.`/`#`/`ID`, separate province and kabupaten/kota name
  columns (`Prov`, `Kabkot (Kabkot)`), code columns (`Kodprov`, `Kodkabkot`: BPS `5201`/`5200` or
  Kemendagri written as a number, `11.05`, where `11.1` is `11.10`), elements named by meaning,
  unrounded values with a decimal point, `KATEGORI IPLM`, `Tahun`, `Lat`/`Long`.
- `iplm_only` (Satu Data: `kode_provinsi_kabupaten_kota`, `nama_provinsi_kabupaten_kota`, `iplm`,
  `satuan` = `Poin`, `kategori`, `tahun`): reconciled on the IPLM and the category alone; its rows
  say `publishes_uplm = false` so the reconciliation emits no UPLM rows for them.

Numbers follow `numbers.py`: the convention of each measure column is decided from the cells
only one convention reads (else from the file's other measure columns); an ambiguous cell that
nothing decides is a located error. Every value keeps the number of decimals it is printed
with: the reconciliation's tolerance is half a unit of that last decimal.

A code identifies the area and is checked against the name: a disagreement is a located
error; text that is no valid code (`91-A`) is ignored with a note, never trusted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from iplm_pipeline import numbers
from iplm_pipeline.corrections import Correction, apply_corrections
from iplm_pipeline.errors import Location, MethodologyError, RegionError, SourceError
from iplm_pipeline.ledger import FileRead, SourceYear, ledger_frame, quarantine_frame, relative_name
from iplm_pipeline.methodology import get_method, load_registry
from iplm_pipeline.parsing import list_source_files, read_rows
from iplm_pipeline.regions import Region, RegionLookup, load_regions, name_key

from .headers import CODE_FIELDS, MEASURES, UPLM, header_key, load_header_patterns
from .schemas import validate_published

HEADER_SCAN_ROWS = 60  # title rows above a header; more than this is not a table we know
DECIMAL_COLUMNS = [f"{m}_decimals" for m in MEASURES]
PUBLISHED_COLUMNS = ["level", "kemendagri_code", "bps_code", "region_text", *MEASURES, *DECIMAL_COLUMNS,
                     "category", "publishes_uplm", "layout", "source_file", "sheet", "row_number"]
_NATIONAL = {"indonesia", "nasional"}
_NATIONAL_CODES = {"0", "00", "0000"}
_FIELD_LABEL = {**{m: m.upper() for m in UPLM}, "iplm": "SKOR IPLM (or IPLM)"}


class TableRefused(SourceError):
    """A published table that cannot be read without guessing; `errors` holds every located problem."""

    def __init__(self, errors: list[SourceError]):
        self.errors = errors
        first = errors[0]
        if len(errors) == 1:
            super().__init__(first.location, first.problem, first.expected, first.hint)
        else:
            shown = "\n  ".join(str(e) for e in errors[:20])
            more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
            super().__init__(Location(first.location.file, first.location.sheet),
                             f"{len(errors)} problems in the table:\n  {shown}{more}\n",
                             "a table that reads without guessing")


# --------------------------------------------------------------------------- plausibility
def plausible_range(measure: str, cap: float | None) -> tuple[float, float | None]:
    """The one place the bounds of a published value live: 0 <= UPLM <= cap, 0 <= IPLM <= 100 x cap.

    The cap is the method's (`get_method(year).cap`); an uncapped year (2022) has no upper bound.
    A value outside is refused, not reconciled: it is a misread (`0,285` as 285) or a broken table.
    """
    if measure == "iplm":
        return 0.0, None if cap is None else 100 * cap
    return 0.0, cap


def _categories(year: int) -> dict[str, str]:
    """Category names of the year's method (all registered ones when the year has no method)."""
    try:
        bands = get_method(year).bands
    except MethodologyError:
        bands = [b for m in load_registry().methods.values() for b in m.bands]
    return {name_key(b.category): b.category for b in bands}


# --------------------------------------------------------------------------- codes
@dataclass(frozen=True)
class Code:
    text: str
    system: str | None  # kemendagri, bps, either (two digits), national
    code: str


def parse_code(cell: object) -> Code | None:
    """A code cell as written: BPS `5201`/`5200`/`52`, Kemendagri `11.05` (`11.1` = 11.10), `0` national.

    None for an empty cell; a Code with system None for text that is no code at all.
    """
    if isinstance(cell, float):
        text = "" if cell != cell else (str(int(cell)) if cell.is_integer() else repr(cell))
    else:
        text = " ".join(str(cell or "").split())
    if not text:
        return None
    compact = text.replace(" ", "")
    if compact in _NATIONAL_CODES:
        return Code(text, "national", "00")
    if m := re.fullmatch(r"(\d{2})[.,](\d{1,2})", compact):
        if int(m.group(2)) == 0:
            return Code(text, "either", m.group(1))  # 11.0: a province written as a number
        return Code(text, "kemendagri", f"{m.group(1)}.{m.group(2).ljust(2, '0')}")
    if re.fullmatch(r"\d{4}", compact):
        return Code(text, "bps", compact[:2] if compact.endswith("00") else compact)
    if re.fullmatch(r"\d{2}", compact):
        return Code(text, "either", compact)
    return Code(text, None, compact)


def _region_of_code(code: Code, regions: RegionLookup, system: str | None) -> tuple[Region | str | None, str]:
    """(region, or 'national', or None) and why a None code was not used."""
    if code.system is None:
        return None, "is no valid code"
    if code.system == "national":
        return "national", ""
    if code.system == "kemendagri":
        region = regions.by_kemendagri.get(code.code)
        return (region, "") if region is not None else (None, "is no Kemendagri regency code")
    if code.system == "bps":
        region = regions.by_bps.get(code.code)
        return (region, "") if region is not None else (None, "is no BPS code")
    # Two digits: a province, the same in both systems except in Papua (Kemendagri 91 = BPS 94).
    kemendagri = regions.by_kemendagri.get(code.code)
    bps = regions.by_bps.get(code.code)
    kemendagri = kemendagri if kemendagri is not None and kemendagri.level == "province" else None
    bps = bps if bps is not None and bps.level == "province" else None
    if kemendagri is not None and (bps is None or bps == kemendagri):
        return kemendagri, ""
    if bps is not None and kemendagri is None:
        return bps, ""
    if kemendagri is not None and system in ("kemendagri", "bps"):
        return (kemendagri if system == "kemendagri" else bps), ""
    if kemendagri is not None:
        return None, (f"is {kemendagri.name} as a Kemendagri code and {bps.name} as a BPS code, and the "
                      "file's other codes do not say which system it uses")
    return None, "is no province code"


# --------------------------------------------------------------------------- the table
@dataclass
class PublishedTable:
    source_file: str
    sheet: str | None
    layout: str
    header_rows: list[int]
    columns: dict[str, str]  # field -> header text
    decimal_convention: str | None
    rows: list[dict]  # PUBLISHED_COLUMNS
    quarantine: list[dict]  # rows without values (page titles, footnotes)
    notes: list[str]  # what was ignored or decided, for the user
    rows_read: int
    header_row: int
    blank_rows: int
    sha256: str


def _text(cell: object) -> str:
    """A cell as text with runs of spaces and line breaks collapsed (`Nusa Tenggara\\nTimur`)."""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return " ".join(str(cell or "").split())


def _header_fields(cells: list[object]) -> dict[int, str]:
    patterns = load_header_patterns()
    return {i: f for i, c in enumerate(cells) if isinstance(c, str) and (f := patterns.field_of(c))}


def _is_header(fields: dict[int, str]) -> bool:
    """A row naming an area column and at least one measure (what it lacks is reported after)."""
    names = {"area", "province_name", "regency_name", *CODE_FIELDS}
    values = set(fields.values())
    return bool(values & names) and bool(values & set(MEASURES))


def _decimals(reading: numbers.Reading, cell: object, convention: numbers.Convention | None) -> int | None:
    """Decimals the value is printed with: after the decimal mark of the column's convention, or of
    a native float's shortest repr. None for a nihil '-' (no printed precision)."""
    if reading.kind is not numbers.Kind.NUMBER:
        return None
    if isinstance(cell, float):
        return max(0, -Decimal(repr(cell)).as_tuple().exponent)
    text = numbers.clean(str(cell))
    mark = {numbers.Convention.INDONESIAN: ",", numbers.Convention.POINT: "."}.get(
        convention or reading.proves)
    if mark is None or mark not in text:
        return 0
    return len(text.rsplit(mark, 1)[1])


class _Reader:
    """One table read: header, columns, conventions, then every row; errors collected, not raised."""

    def __init__(self, path: Path, regions: RegionLookup, source_file: str, year: int):
        self.path, self.regions, self.source_file, self.year = Path(path), regions, source_file, year
        self.grid = read_rows(self.path)
        self.errors: list[SourceError] = []
        self.notes: list[str] = []
        self.categories = _categories(year)
        try:
            self.cap = get_method(year).cap
        except MethodologyError:
            self.cap = None
            self.notes.append(f"no IPLM method is registered for {year}: values are checked against 0 only, "
                              "not against a cap")

    def where(self, row: int | None = None, column: int | None = None) -> Location:
        return self.grid.where(row, None if column is None else self.header_text(column))

    def header_text(self, column: int) -> str:
        text = _text(self.header[column]) if column < len(self.header) else ""
        return text or f"#{column + 1}"

    # -- header ----------------------------------------------------------------------
    def find_header(self) -> None:
        rows = self.grid.rows
        for position, (number, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
            fields = _header_fields(cells)
            if _is_header(fields):
                self.header_position, self.header_number, self.header = position, number, list(cells)
                self.fields = fields
                break
        else:
            raise SourceError(
                self.grid.where(), f"no header row in the first {HEADER_SCAN_ROWS} rows",
                "a header naming the area (e.g. 'PROVINSI/KAB/ KOTA', 'Wilayah', or 'Prov' and 'Kabkot', or a "
                "code column such as 'Kodkabkot') and the IPLM ('SKOR IPLM', 'IPLM', 'Nilai IPLM'); header "
                "spellings are listed in iplm_pipeline/reference/published_headers.toml",
                "Check that this is a published IPLM table, or add its header spelling to that file.")
        by_field: dict[str, list[int]] = {}
        for i, f in self.fields.items():
            by_field.setdefault(f, []).append(i)
        for f, where in by_field.items():
            if len(where) > 1 and f != "ignored":
                raise SourceError(self.where(self.header_number), "the header names "
                                  f"{f} twice: {', '.join(repr(self.header_text(i)) for i in where)}",
                                  "one column per measure", "Delete or rename one of them.")
        self.col = {f: where[0] for f, where in by_field.items() if f != "ignored"}
        uplm = [m for m in UPLM if m in self.col]
        missing = [_FIELD_LABEL[m] for m in MEASURES if m not in self.col and (uplm or m == "iplm")]
        if missing:
            raise SourceError(self.where(self.header_number), f"header lacks {', '.join(missing)}",
                              "columns UPLM1 ... UPLM7 and SKOR IPLM (or IPLM), or an IPLM-only table")
        if "area" not in self.col:
            names = [f for f in ("province_name", "regency_name") if f in self.col]
            if len(names) == 1:  # 'Provinsi' or 'Kabupaten/Kota' alone names every row's area
                self.col["area"] = self.col.pop(names[0])
            elif not names:
                raise SourceError(self.where(self.header_number), "the header has codes but no area name column",
                                  "a name column ('Wilayah', or 'Prov' and 'Kabkot') to check the codes against")
        if not uplm:
            self.layout = "iplm_only"
        elif "province_name" in self.col or any(f in self.col for f in CODE_FIELDS):
            self.layout = "open_data"
        else:
            self.layout = "report"
        ignored = [self.header_text(i) for i, f in self.fields.items() if f == "ignored"]
        unknown = [self.header_text(i) for i, c in enumerate(self.header)
                   if i not in self.fields and _text(c)]
        if ignored:
            self.notes.append(f"columns ignored (carry nothing compared): {', '.join(ignored)}")
        if unknown:
            self.notes.append(f"columns not known, ignored: {', '.join(unknown)} (add a spelling to "
                              "iplm_pipeline/reference/published_headers.toml if one names a measure)")
        if self.layout == "iplm_only":
            self.notes.append("the table publishes the IPLM only: UPLM1..UPLM7 are not reconciled for its rows")

    # -- rows --------------------------------------------------------------------------
    def body(self) -> tuple[list[tuple[int, list[object]]], list[int], int]:
        width = len(self.header)
        while width and not _text(self.header[width - 1]):
            width -= 1
        body, repeats, blank = [], [self.header_number], 0
        for number, cells in self.grid.rows[self.header_position + 1:]:
            texts = [_text(c) for c in cells]
            if not any(texts):
                blank += 1
                continue
            if _is_header(_header_fields(cells)):
                repeats.append(number)  # the header again, on the next page
                continue
            extra = next((i for i in range(width, len(texts)) if texts[i]), None)
            if extra is not None:
                self.errors.append(SourceError(
                    self.where(number, extra), f"a value '{texts[extra]}' stands right of the last header cell",
                    f"at most {width} columns as in the header row {self.header_number}",
                    "A decimal comma in a comma-separated file must be quoted; or give the column a header."))
                continue
            body.append((number, list(cells) + [""] * (width - len(cells))))
        return body, repeats, blank

    def conventions(self, body) -> dict[str, numbers.Decision]:
        measures = [m for m in MEASURES if m in self.col]
        columns = {m: [cells[self.col[m]] for _, cells in body] for m in measures}
        fallback = numbers.decide_file(list(columns.values()))
        decisions = {}
        for m, column in columns.items():
            try:
                decisions[m] = numbers.decide(column, fallback)
            except numbers.ConventionConflict as exc:
                self.errors.append(SourceError(
                    self.where(self.header_number, self.col[m]),
                    f"the column mixes the two number conventions ({exc})",
                    "one convention per column: 0,4189 (decimal comma) or 0.4189 (decimal point)",
                    "Re-download the table, or write every value of the column the same way."))
        native = {m for m, column in columns.items()
                  if any(isinstance(c, float) for c in column) and all(isinstance(c, float) or not _text(c)
                                                                       for c in column)}
        self.native = bool(columns) and native == set(columns)
        self.floor_columns = native | {m for m, d in decisions.items() if d.convention is numbers.Convention.POINT}
        used = {d.convention for d in decisions.values() if d.convention is not None}
        if self.native and not used:
            self.decimal_convention = "native numbers"
        elif len(used) == 1:
            self.decimal_convention = used.pop().value
        elif used:
            self.decimal_convention = "mixed: " + ", ".join(
                f"{m} {d.convention.value}" for m, d in decisions.items() if d.convention is not None)
        else:
            self.decimal_convention = None
        reasons = [f"{self.header_text(self.col[m])} {d.reason.replace(' in this column', '')}"
                   for m, d in decisions.items() if d.convention is not None]
        if reasons:
            self.notes.append("numbers: " + "; ".join(reasons))
        return decisions

    def values(self, number: int, cells: list[object], decisions) -> tuple[dict, dict, bool]:
        values, decimals, ok = {}, {}, True
        for m in MEASURES:
            if m not in self.col:
                values[m] = decimals[m] = None
                continue
            cell = cells[self.col[m]]
            reading = numbers.read(cell)
            decision = decisions.get(m)
            convention = decision.convention if decision else None
            try:
                value = numbers.value(reading, convention)
            except ValueError as exc:
                ok = False
                text = _text(cell)
                if str(exc) == "ambiguous":
                    self.errors.append(SourceError(
                        self.where(number, self.col[m]), f"'{text}' is ambiguous",
                        "a value only one number convention reads, or a column or file that shows its convention",
                        numbers.ambiguity_hint(text)))
                else:
                    self.errors.append(SourceError(
                        self.where(number, self.col[m]), f"'{text}' is {exc}",
                        "a number such as 0,4189 / 62,62 (decimal comma) or 0.4189 / 62.62 (decimal point), "
                        "or empty"))
                continue
            low, high = plausible_range(m, self.cap)
            if value is not None and (value < low or (high is not None and value > high)):
                ok = False
                bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
                self.errors.append(SourceError(
                    self.where(number, self.col[m]), f"{m.upper()} '{_text(cell)}' reads as {value:g}",
                    f"{bound} in {self.year} (the method's cap is {self.cap})",
                    "A misread number or a broken table: check the cell against the publication."))
                continue
            values[m] = value
            decimals[m] = _decimals(reading, cell, convention)
        return values, decimals, ok

    def row_checks(self, number: int, cells: list[object]) -> tuple[str | None, bool]:
        """Year, unit and category of one row: (category, ok)."""
        ok = True
        if "year" in self.col:
            text = _text(cells[self.col["year"]])
            if text and text != str(self.year):
                ok = False
                self.errors.append(SourceError(
                    self.where(number, self.col["year"]), f"the row is for year '{text}'",
                    f"{self.year}, the year of the folder terbitan/{self.year}/",
                    "Move the file to the folder of its year, or remove the rows of other years."))
        if "unit" in self.col:
            text = _text(cells[self.col["unit"]])
            if header_key(text) not in load_header_patterns().units:
                ok = False
                self.errors.append(SourceError(self.where(number, self.col["unit"]), f"unit '{text}' is not known",
                                               "'Poin' (index points)"))
        category = None
        if "category" in self.col:
            text = _text(cells[self.col["category"]])
            if text:
                known = self.categories
                category = known.get(name_key(text))
                if category is None:
                    ok = False
                    self.errors.append(SourceError(
                        self.where(number, self.col["category"]), f"category '{text}' is not a category of the method",
                        f"one of {', '.join(sorted(set(known.values())))}"))
        return category, ok

    # -- areas ---------------------------------------------------------------------------
    def code_file_system(self, body) -> str | None:
        systems = set()
        for _, cells in body:
            for f in CODE_FIELDS:
                if f in self.col and (code := parse_code(cells[self.col[f]])) and code.system in ("kemendagri", "bps"):
                    systems.add(code.system)
        return systems.pop() if len(systems) == 1 else None

    def codes(self, number: int, cells: list[object]) -> tuple[Region | str | None, Region | None]:
        """(the area the row's own code names: a Region, 'national' or None; the province code's region).

        The area's code is the regency or combined code column (`Kodkabkot`, `kode_provinsi_kabupaten_kota`);
        a province code (`Kodprov`) only says the province. Raises _Skip after a located error.
        """
        found: dict[str, Region | str] = {}
        for f in CODE_FIELDS:
            if f not in self.col or (code := parse_code(cells[self.col[f]])) is None:
                continue
            region, why = _region_of_code(code, self.regions, self.code_system)
            if region is None:
                self.notes.append(f"row {number}, column '{self.header_text(self.col[f])}': '{code.text}' {why}; "
                                  "ignored, the name identifies the area")
                continue
            found[f] = region
        province = found.get("province_code")
        province = province if isinstance(province, Region) else None
        area = found.get("regency_code") or found.get("area_code")
        if province is not None and isinstance(area, Region) and area != province and (
                area.level != "regency" or not self.regions.in_scope(area, province)):
            self.errors.append(SourceError(
                self.where(number, self.col["regency_code"] if "regency_code" in self.col else self.col["area_code"]),
                f"the codes disagree: {area.name} ({area.kemendagri_code}, BPS {area.bps_code}) is not in "
                f"{province.name} ({province.kemendagri_code})", "a regency code inside the province code"))
            raise _Skip
        return area, province

    def _candidates(self, text: str, level: str, province: Region | None) -> list[Region]:
        found = self.regions.candidates(text, level=level, province=province, source="terbitan")
        # A per-source alias (region_aliases.csv) answers before the level and scope filters.
        return [r for r in found if r.level == level
                and (province is None or r == province or self.regions.in_scope(r, province))]

    def resolve(self, text: str, where: Location, level: str, province: Region | None,
                code: Region | None) -> Region:
        """One region for a name. A code among the candidates decides between them (not a guess: it
        is written in the row); a name that is another area than its code is returned for
        `check_code` to report; an unknown or ambiguous name raises, located."""
        found = self._candidates(text, level, province)
        if code is not None:
            wider = self._candidates(text, level, None)
            if code in found or code in wider:
                return code
            for candidates in (found, wider, self._candidates(text, "province" if level == "regency"
                                                                else "regency", None)):
                if len(candidates) == 1:
                    return candidates[0]
        elif len(found) == 1:
            return found[0]
        return self.regions.resolve(text, where=where, level=level, province=province)  # raises

    def area(self, number: int, cells: list[object], scope: Region | None) -> tuple[str, Region | None, str]:
        """(level, region or None for the nation, area text) of one row; RegionError when it cannot be told."""
        coded, coded_province = self.codes(number, cells)
        code = coded if isinstance(coded, Region) else None
        if "area" in self.col:
            text = _text(cells[self.col["area"]])
            where = self.where(number, self.col["area"])
            if text.casefold() in _NATIONAL or coded == "national":
                self.check_national(text, coded, where)
                return "national", None, text
            if code is not None:
                level = code.level  # the code says the level
                province_scope = (self.regions.by_kemendagri[code.province_kemendagri_code]
                                  if level == "regency" else None)
            else:
                # A province name is a province unless a regency of the province above bears it
                # ('Gorontalo' under Provinsi Gorontalo is the kabupaten).
                province_scope = coded_province or scope
                as_province = self._candidates(text, "province", None)
                as_regency = province_scope is not None and self._candidates(text, "regency", province_scope)
                level = "province" if as_province and not as_regency else "regency"
            region = self.check_code(self.resolve(text, where, level, province_scope if level == "regency" else None,
                                                  code), code, text, where)
            if coded_province is not None:
                self.check_province(region, coded_province, text, where)
            return level, region, text
        province_text = _text(cells[self.col["province_name"]])
        regency_text = _text(cells[self.col["regency_name"]])
        where_p = self.where(number, self.col["province_name"])
        where_r = self.where(number, self.col["regency_name"])
        if coded == "national" or (province_text.casefold() in _NATIONAL | {""}
                                   and regency_text.casefold() in _NATIONAL | {""}):
            self.check_national(regency_text or province_text, coded, where_r)
            return "national", None, regency_text or province_text
        province_code = code if code is not None and code.level == "province" else coded_province
        regency_code = code if code is not None and code.level == "regency" else None
        province = None
        if province_text:
            province = self.check_code(self.resolve(province_text, where_p, "province", None, province_code),
                                       province_code, province_text, where_p)
            if coded_province is not None:
                self.check_code(province, coded_province, province_text, where_p)
        same = bool(regency_text) and province is not None and province in self._candidates(
            regency_text, "province", None)
        if not regency_text or (same and regency_code is None):
            return "province", province, province_text
        region = self.check_code(self.resolve(regency_text, where_r, "regency", province, regency_code),
                                 regency_code, regency_text, where_r)
        if province is not None:
            self.check_province(region, province, province_text, where_r)
        return "regency", region, regency_text

    def check_province(self, region: Region, province: Region, text: str, where: Location) -> None:
        if region != province and not self.regions.in_scope(region, province):
            raise RegionError(where, f"{region.name} ({region.kemendagri_code}) is not in {province.name}, "
                              f"the row's province ('{text}' or its code)", "a kabupaten/kota of the row's province")

    def check_code(self, region: Region, code: Region | None, text: str, where: Location) -> Region:
        if code is not None and code != region:
            raise RegionError(where, f"the name '{text}' is {region.name} ({region.kemendagri_code}, BPS "
                              f"{region.bps_code}) but the row's code says {code.name} ({code.kemendagri_code}, "
                              f"BPS {code.bps_code})", "a code and a name of the same area",
                              "Check which of the two the publisher got wrong; correct it in a copy only if "
                              "the publication itself is corrected.")
        return region

    def check_national(self, text: str, coded, where: Location) -> None:
        if isinstance(coded, Region):
            raise RegionError(where, f"the name '{text}' is the nation but the row's code says {coded.name}",
                              "a code and a name of the same area")
        if coded == "national" and text and text.casefold() not in _NATIONAL:
            raise RegionError(where, f"the row's code says the nation but the name is '{text}'",
                              "a code and a name of the same area")

    # -- all -------------------------------------------------------------------------------
    def read(self) -> PublishedTable:
        self.find_header()
        body, repeats, blank = self.body()
        decisions = self.conventions(body)
        self.code_system = self.code_file_system(body)
        records, quarantine = [], []
        scope: Region | None = None
        for number, cells in body:
            values, decimals, ok = self.values(number, cells, decisions)
            category, checks_ok = self.row_checks(number, cells)
            if not (ok and checks_ok):
                continue
            if all(v is None for v in values.values()) and category is None:
                texts = [_text(c) for c in cells]
                quarantine.append({
                    "source": "terbitan", "source_file": self.source_file, "sheet": self.grid.sheet,
                    "row_number": number, "reason": "footnote", "detail": " ".join(t for t in texts if t),
                    "raw_values": json.dumps(dict(zip([self.header_text(i) for i in range(len(texts))], texts,
                                                      strict=False)), ensure_ascii=False)})
                continue
            try:
                level, region, text = self.area(number, cells, scope)
            except RegionError as exc:
                self.errors.append(exc)
                continue
            except _Skip:  # already reported
                continue
            if level == "province" and "area" in self.col:
                scope = region  # the regency names below it are in its scope (report layout)
            records.append({
                "level": level, "kemendagri_code": region.kemendagri_code if region else "00",
                "bps_code": region.bps_code if region else "00", "region_text": text, **values,
                **{f"{m}_decimals": d for m, d in decimals.items()}, "category": category,
                "publishes_uplm": self.layout != "iplm_only", "layout": self.layout,
                "source_file": self.source_file, "sheet": self.grid.sheet, "row_number": number})
        _floor_decimals(records, self.floor_columns)
        if self.errors:
            raise TableRefused(self.errors)
        return PublishedTable(
            self.source_file, self.grid.sheet, self.layout, repeats,
            {f: self.header_text(i) for f, i in self.col.items()}, self.decimal_convention, records, quarantine,
            self.notes, rows_read=len(body), header_row=self.header_number, blank_rows=blank + len(repeats) - 1,
            sha256=self.grid.sha256)


class _Skip(Exception):
    """A row already reported as an error."""


def _floor_decimals(records: list[dict], columns: set[str]) -> None:
    """Printers of unrounded values drop trailing zeros (`1.0` beside `0.271669`; a float's repr),
    so in decimal-point or native columns a value is as precise as the most precise value of its
    kind: the seven UPLM of a table share one precision, the IPLM has its own. Indonesian report
    columns print a fixed number of decimals, so there each value's own count stands."""
    for group in ([m for m in UPLM if m in columns], ["iplm"] if "iplm" in columns else []):
        known = [r[f"{m}_decimals"] for r in records for m in group if r[f"{m}_decimals"] is not None]
        for r in records:
            for m in group:
                if r[f"{m}_decimals"] is not None:
                    r[f"{m}_decimals"] = max(known)


def read_published_table(path: Path, regions: RegionLookup, source_file: str, year: int) -> PublishedTable:
    """One published table of IPLM year `year`, or TableRefused listing every located problem."""
    return _Reader(path, regions, source_file, year).read()


def inspect_published(path: Path | str, year: int) -> dict:
    """What `iplm inspect --source terbitan --json` prints for one published table (SourceError if refused)."""
    path = Path(path)
    table = read_published_table(path, load_regions(), str(path), year)
    keep = ["row_number", "region_text", "level", "bps_code", "kemendagri_code", *MEASURES, "category"]
    rows = []
    for r in table.rows:
        row = {k: r[k] for k in keep}
        row["area_text"] = row.pop("region_text")
        row["decimals"] = {m: r[f"{m}_decimals"] for m in MEASURES if r[f"{m}_decimals"] is not None}
        rows.append({k: row[k] for k in ["row_number", "area_text", "level", "bps_code", "kemendagri_code",
                                         *MEASURES, "category", "decimals"]})
    return {"layout": table.layout, "header_rows": table.header_rows, "columns": table.columns,
            "decimal_convention": table.decimal_convention, "rows": rows,
            "notes": table.notes + [f"row {q['row_number']}: no values, kept in the quarantine as a note: "
                                    f"{q['detail']}" for q in table.quarantine]}


# --------------------------------------------------------------------------- a year
def dedupe_published(tables: list[PublishedTable]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per area: the same table saved twice is fine, two different figures are not."""
    rows = pd.DataFrame([r for t in tables for r in t.rows], columns=PUBLISHED_COLUMNS)
    first = rows.drop_duplicates(["level", "bps_code"], keep="first")
    repeats = rows.drop(index=first.index)
    merged = repeats.merge(first, on=["level", "bps_code"], suffixes=("", "_kept"))
    differs = pd.Series(False, index=merged.index)
    for m in [*MEASURES, "category"]:
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
        raw_values=[json.dumps({"region": r["region_text"], **{m: r[m] for m in MEASURES},
                                "category": r["category"]}) for r in merged.to_dict("records")]),
        source="terbitan")
    return first.reset_index(drop=True), quarantine


@dataclass
class PublishedYear(SourceYear):
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # staging.terbitan rows
    notes: dict[str, list[str]] = field(default_factory=dict)  # per file: columns ignored, codes not used


def load_published_year(raw: Path, year: int, regions: RegionLookup,
                        corrections: tuple[Correction, ...] = ()) -> PublishedYear:
    """Every table of `raw/terbitan/<year>/` (none is fine: nothing to reconcile against)."""
    paths = list_source_files(raw / "terbitan" / str(year))
    tables = [read_published_table(p, regions, relative_name(p, raw), year) for p in paths]
    if tables:
        rows, duplicates = dedupe_published(tables)
    else:
        rows, duplicates = pd.DataFrame(columns=PUBLISHED_COLUMNS), quarantine_frame()
    quarantine = pd.concat([quarantine_frame(pd.DataFrame([q for t in tables for q in t.quarantine])), duplicates],
                           ignore_index=True)
    ledger = ledger_frame(year, "terbitan", [FileRead(
        t.source_file, t.sheet, t.sha256, t.header_row, t.rows_read, int((rows["source_file"] == t.source_file).sum()),
        int((quarantine["source_file"] == t.source_file).sum()), t.blank_rows) for t in tables])
    rows, applied = apply_corrections(rows, corrections, "terbitan", year, area_column="bps_code")
    for c in applied.itertuples():
        # A corrected value has no printed precision: the reconciliation falls back to the report's.
        if c.field in MEASURES:
            rows.loc[rows["bps_code"].astype(str) == c.area, f"{c.field}_decimals"] = None
    rows = validate_published(rows, get_method(year).cap)
    return PublishedYear(quarantine.assign(year=year), ledger, applied.assign(year=year),
                         rows=rows.assign(year=year), notes={t.source_file: t.notes for t in tables if t.notes})
