"""Reading raw files and their Indonesian conventions; shared by every source.

- `read_grid` (small tables) and `read_frame` (200k-row exports) find the header
  row (sources put title rows above it), read CSV (comma or semicolon, UTF-8
  with/without BOM or Windows-1252) and XLSX (python-calamine, 5x faster than
  openpyxl on 200k rows) as text in the sources' own notation, and keep the
  spreadsheet row number of every data row so errors and quarantine rows can
  point at it.
- `parse_number` reads `1.469.843` and `93,33` (dot groups thousands, comma is
  the decimal mark), `-`/`–` as zero (BPS "nihil") and `…`, `...`, `NA`, `x` or
  empty as not available. Large exports are typed with the same grammar in
  DuckDB (`sql/staging/macros.sql`); a test keeps the two in agreement.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import IplmError, Location, SourceError

SUFFIXES = (".csv", ".xlsx")
HEADER_SCAN_ROWS = 60  # title rows above a header; more than this is not a table we know

NIHIL = frozenset({"-", "–", "—"})
NOT_AVAILABLE = frozenset({"", "…", "...", "na", "n/a", "x"})
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")


# --------------------------------------------------------------------------- cells
def cell_text(value: object) -> str:
    """A cell as trimmed text in the sources' own notation.

    Native xlsx values become what a CSV export would hold: 1250.0 -> '1250',
    12.5 -> '12,5' (decimal comma), a date -> '2024-05-06'. None/NaN -> ''.
    """
    if isinstance(value, str):
        return value.replace("\u00a0", " ").strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def header_key(value: object) -> str:
    """Header text for matching: case and surrounding/inner runs of spaces ignored."""
    return " ".join(cell_text(value).split()).casefold()


class NumberKind(Enum):
    NUMBER = "number"
    NIHIL = "nihil"  # BPS '-': the quantity is zero
    MISSING = "missing"  # not available / not reported
    INVALID = "invalid"


def parse_number(value: object) -> tuple[NumberKind, float | None]:
    """One cell in Indonesian number format (or a native xlsx number)."""
    if isinstance(value, bool):
        return NumberKind.INVALID, None
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return NumberKind.MISSING, None
        return NumberKind.NUMBER, float(value)
    text = cell_text(value)
    if text in NIHIL:
        return NumberKind.NIHIL, 0.0
    if text.casefold() in NOT_AVAILABLE:
        return NumberKind.MISSING, None
    compact = text.replace(" ", "")
    if _NUMBER.match(compact):
        return NumberKind.NUMBER, float(compact.replace(".", "").replace(",", "."))
    return NumberKind.INVALID, None


# --------------------------------------------------------------------------- files
HeaderTest = Callable[[list[str]], bool]


@dataclass
class Table:
    """The data rows of one sheet under its header row, every cell as text.

    `data` (big files, `read_frame`) has one column per header cell, named by
    position, indexed by the spreadsheet row number (1-based, title and header rows
    counted); `rows` (small tables, `read_grid`) holds (row number, cells) pairs.
    Either way every value can be traced to its cell.
    """

    path: Path
    sheet: str | None
    header: list[str]
    header_row: int
    preamble: list[str]  # text of the non-empty rows above the header (titles, unit rows)
    blank_rows: int = 0  # empty rows below the header: not records, counted for the ledger
    data: pd.DataFrame | None = None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    sha256: str = ""

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.path, self.sheet, row, column)


def list_source_files(folder: Path) -> list[Path]:
    """Raw files of one source folder, in name order (the order duplicates are resolved in)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", ".")))


def read_grid(path: Path, is_header: HeaderTest, *, expected: str, sheet: str | None = None) -> Table:
    """A small table (BPS, published) as located rows of text cells.

    `is_header` receives a row's cells as text and says whether it is the header;
    `expected` describes the header for the error when no row qualifies. For xlsx,
    `sheet` names the preferred sheet (else the first one is read).
    """
    source = _Source.open(Path(path), is_header, expected, sheet)
    width = len(source.header)
    rows, blank = [], 0
    for number, cells in source.data_rows():
        if not any(cells):
            blank += 1
            continue
        if any(cells[width:]):
            source.fail_extra(number, cells)
        rows.append((number, (cells + [""] * width)[:width]))
    return source.table(blank_rows=blank, rows=rows)


@dataclass
class Rows:
    """Every row of a small table (BPS, published) as located cells, nothing interpreted yet.

    Cells are trimmed text, except native xlsx numbers, which stay floats: they carry no
    notation to decide (numbers.py). `rows` holds (spreadsheet row number, cells) for every
    row of the sheet, blank ones included, so callers can account for each.
    """

    path: Path
    sheet: str | None
    rows: list[tuple[int, list[str | float]]]
    sha256: str
    delimiter: str | None = None

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.path, self.sheet, row, column)


def read_rows(path: Path, *, sheet: str | None = None) -> Rows:
    """A small table's rows as they stand in the file, for callers that find the header themselves."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(Location(path), f"unsupported file type '{path.suffix}'", "a .csv or .xlsx file",
                          "Convert the file or remove it from the folder.")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if suffix == ".xlsx":
        name, grid = _xlsx_grid(path, raw, sheet, native_numbers=True)
        return Rows(path, name, list(enumerate(grid, start=1)), digest)
    text = _decode(path, raw)
    delimiter = _sniff_delimiter(_head_lines(text))
    records = [[cell_text(c) for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return Rows(path, None, list(enumerate(records, start=1)), digest, delimiter)


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter under which most non-blank rows have more than one filled cell.

    Semicolon files carry decimal commas and comma files quote them, so counting raw
    characters misleads; parsing the head under each candidate does not.
    """
    best, score = ",", -1
    for delimiter in (",", ";", "\t"):
        rows = list(csv.reader(lines, delimiter=delimiter))
        filled = sum(1 for r in rows if sum(1 for c in r if c.strip()) > 1)
        if filled > score:
            best, score = delimiter, filled
    return best


def read_frame(path: Path, is_header: HeaderTest, *, expected: str, sheet: str | None = None) -> Table:
    """A large export as a DataFrame of text cells (same contract as `read_grid`), column-wise.

    CSV cells are not trimmed here (callers trim the columns they use, vectorised, once
    for all files); a row of only spaces is therefore a row, not a blank one.
    """
    source = _Source.open(Path(path), is_header, expected, sheet)
    frame = source.frame()
    width = len(source.header)
    filled = frame.to_numpy(dtype=object) != ""  # one C-level pass; per-column pandas ops cost more
    if frame.shape[1] > width and filled[:, width:].any():
        number = int(frame.index[filled[:, width:].any(axis=1).argmax()])
        source.fail_extra(number, frame.loc[number].tolist())
    keep = filled[:, :width].any(axis=1)
    data = frame.iloc[:, :width] if keep.all() else frame.iloc[keep, :width]
    return source.table(blank_rows=int((~keep).sum()), data=data)


@dataclass
class _Source:
    """A file opened far enough to know its header; reads the rows below it on demand."""

    path: Path
    sheet: str | None
    header: list[str]
    header_index: int  # 0-based
    preamble: list[str]
    sha256: str
    text: str | None = None  # csv
    delimiter: str | None = None
    grid: list[list[str]] | None = None  # xlsx, as text

    @classmethod
    def open(cls, path: Path, is_header: HeaderTest, expected: str, sheet: str | None) -> _Source:
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise SourceError(Location(path), f"unsupported file type '{path.suffix}'", "a .csv or .xlsx file",
                              "Convert the file or remove it from the folder.")
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if suffix == ".xlsx":
            name, grid = _xlsx_grid(path, raw, sheet)
            idx = _find_header(grid, is_header)
            if idx is None:
                raise _no_header(Location(path, name), expected)
            return cls(path, name, _trim(grid[idx]), idx, _preamble(grid[:idx]), digest, grid=grid)
        text = _decode(path, raw)
        head_lines = _head_lines(text)
        # The delimiter is the one under which a header row exists with the most columns:
        # semicolon files carry decimal commas, so counting commas would mislead.
        best = None
        for delimiter in (";", ",", "\t"):
            rows = [[cell_text(c) for c in r] for r in csv.reader(head_lines, delimiter=delimiter)]
            idx = _find_header(rows, is_header)
            if idx is not None and (best is None or len(_trim(rows[idx])) > len(best[2])):
                best = (delimiter, idx, _trim(rows[idx]), rows[:idx])
        if best is None:
            raise _no_header(Location(path), expected)
        delimiter, idx, header, above = best
        return cls(path, None, header, idx, _preamble(above), digest, text=text, delimiter=delimiter)

    def table(self, **rows) -> Table:
        return Table(self.path, self.sheet, self.header, self.header_index + 1, self.preamble,
                     sha256=self.sha256, **rows)

    def data_rows(self):
        """(row number, cells as text) below the header. A CSV row is a record, as a spreadsheet
        shows it: a quoted cell spanning lines is still one row."""
        if self.grid is not None:
            rows = self.grid
        else:
            rows = ([cell_text(c) for c in r] for r in csv.reader(io.StringIO(self.text), delimiter=self.delimiter))
        for number, cells in enumerate(rows, start=1):
            if number > self.header_index + 1:
                yield number, cells

    def frame(self) -> pd.DataFrame:
        if self.grid is not None:
            body = self.grid[self.header_index + 1:]
            width = max([len(self.header), *(len(r) for r in body)])
            frame = pd.DataFrame(body, columns=list(range(width)), dtype=object).fillna("")
        else:
            width = max(len(self.header), max((len(r) for r in csv.reader(
                _head_lines(self.text), delimiter=self.delimiter)), default=0))
            try:
                frame = pd.read_csv(io.StringIO(self.text), sep=self.delimiter, header=None,
                                    skiprows=self.header_index + 1, names=list(range(width)), dtype=object,
                                    na_filter=False, skip_blank_lines=False, engine="c").fillna("")
            except pd.errors.ParserError as exc:
                match = re.search(r"line (\d+)", str(exc))
                row = self.header_index + 1 + int(match.group(1)) if match else None
                raise SourceError(Location(self.path, None, row), f"row has more cells than the header ({exc})",
                                  f"at most {width} cells per row",
                                  "Remove stray separators or quote the text.") from exc
            self._check_row_count(len(frame))
        frame.index = pd.RangeIndex(self.header_index + 2, self.header_index + 2 + len(frame))
        return frame

    def _check_row_count(self, rows: int) -> None:
        """An independent count: CSV readers have lost rows silently (PITFALLS: DuckDB 2.0 with mixed
        line endings). Lines below the header bound the records; without quotes they are equal."""
        lines = self.text.count("\n") + (not self.text.endswith("\n")) - (self.header_index + 1)
        if rows > lines or (rows != lines and '"' not in self.text):
            raise IplmError(f"{self.path}: the CSV reader returned {rows} rows below the header where the file "
                            f"has {lines} lines; refusing to go on with rows unaccounted for. Please report this "
                            "with the file.")

    def fail_extra(self, number: int, cells: list[str]) -> None:
        col = next(i for i, c in enumerate(cells) if i >= len(self.header) and c)
        raise SourceError(Location(self.path, self.sheet, number, f"#{col + 1}"),
                          f"a value '{cells[col]}' stands right of the last header cell",
                          f"at most {len(self.header)} columns as in the header row {self.header_index + 1}",
                          "Give the column a header or delete the value.")


def _head_lines(text: str) -> list[str]:
    """The first HEADER_SCAN_ROWS lines, without splitting the whole (200k-line) text."""
    return text.split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]


def _no_header(location: Location, expected: str) -> SourceError:
    return SourceError(location, f"no header row in the first {HEADER_SCAN_ROWS} rows", expected,
                       "Check that this is the right file for this folder.")


def _find_header(rows: list[list[str]], is_header: HeaderTest) -> int | None:
    for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if is_header(cells):
            return i
    return None


def _trim(cells: list[str]) -> list[str]:
    header = list(cells)
    while header and not header[-1]:
        header.pop()
    return header


def _preamble(rows: list[list[str]]) -> list[str]:
    lines = [" ".join(c for c in r if c) for r in rows]
    return [line for line in lines if line]


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceError(Location(path), f"cannot decode byte {raw[exc.start]:#x} at offset {exc.start}",
                          "UTF-8 (with or without BOM) or Windows-1252 text",
                          "Re-save the file as UTF-8 CSV.") from exc


def _xlsx_grid(path: Path, raw: bytes, sheet: str | None,
               native_numbers: bool = False) -> tuple[str, list[list[str | float]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except Exception as exc:  # calamine raises its own types for corrupt/encrypted files
        raise SourceError(Location(path), f"cannot open as xlsx ({exc})", "a readable .xlsx workbook",
                          "Re-export the file from the spreadsheet program.") from exc
    name = sheet if sheet in book.sheet_names else book.sheet_names[0]
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    if native_numbers:
        return name, [[c.replace("\u00a0", " ").strip() if type(c) is str
                       else float(c) if type(c) in (int, float) else cell_text(c) for c in r] for r in rows]
    return name, [[c if type(c) is str else cell_text(c) for c in r] for r in rows]
