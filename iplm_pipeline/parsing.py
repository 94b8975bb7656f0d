"""Reading raw files and their Indonesian conventions; shared by every source.

- `read_grid` (small tables) and `read_frame` (200k-row exports) find the header
  row (sources put title rows above it), read CSV (comma or semicolon, UTF-8
  with/without BOM or Windows-1252) and XLSX (python-calamine, 5x faster than
  openpyxl on 200k rows) as text in the sources' own notation, and keep the
  spreadsheet row number of every data row so errors and quarantine rows can
  point at it.
- CSV is read exactly or not at all: a second reader (Python's csv module, `_Records`) counts
  the records, refuses stray quotes, oversized cells, NUL bytes and lone CRs with their row,
  and the frame must hold exactly that many rows (PITFALLS: pandas lost 500 rows, exit 0).
- `list_source_files` lists a source folder and stops on anything it cannot read.
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
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import IplmError, Location, SourceError

SUFFIXES = (".csv", ".xlsx", ".xlsm")  # .xlsm is read as .xlsx: cells only, macros are never run
HEADER_SCAN_ROWS = 60  # title rows above a header; more than this is not a table we know
# CSV limits (SOURCES.md intro; PITFALLS "Measured on real and hostile files"):
MAX_CELL_CHARS = 32_767  # Excel's own limit per cell: a longer CSV field cannot be a spreadsheet cell
MAX_CELL_LINES = 20  # a quoted cell of a small table (a footnote) may span this many lines, no more
LIBRARY_CELL_LINES = 3  # ... of a library export: names and addresses, short (see _Records)
# Files a source folder may hold that are no data: office lock files, hidden files. Set aside, listed.
_SET_ASIDE_NAMES = frozenset({"thumbs.db", "desktop.ini"})
_CONVERT_HINT = {
    ".xls": "Open it in a spreadsheet program and save it as .xlsx (or .csv).",
    ".ods": "Open it in LibreOffice and save it as .xlsx (or .csv).",
    ".numbers": "Export it from Numbers as .xlsx (or .csv).",
    ".zip": "Unpack it and put the .csv/.xlsx files it holds in this folder instead.",
    ".7z": "Unpack it and put the .csv/.xlsx files it holds in this folder instead.",
    ".rar": "Unpack it and put the .csv/.xlsx files it holds in this folder instead.",
    ".gz": "Unpack it and put the .csv/.xlsx files it holds in this folder instead.",
    ".xlsb": "Open it in Excel and save it as .xlsx (or .csv).",
}

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


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def header_key(value: object) -> str:
    """Header text for matching: case, surrounding/inner runs of spaces (NBSP too) and zero-width
    characters ignored."""
    return " ".join(cell_text(value).translate(_INVISIBLE).split()).casefold()


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
    read_notes: list[str] = field(default_factory=list)  # how the file was read, for the ledger's notes

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.path, self.sheet, row, column)


def is_set_aside(name: str) -> bool:
    """Office lock files (`~$a.xlsx`, `.~lock.a.xlsx#`) and hidden files (`.DS_Store`): no data."""
    return name.startswith(("~$", ".")) or name.casefold() in _SET_ASIDE_NAMES


def list_source_files(folder: Path, notes: list[str] | None = None) -> list[Path]:
    """Raw files of one source folder, in name order (the order duplicates are resolved in).

    Nothing is skipped in silence (SOURCES.md intro): anything that is not a readable
    .csv/.xlsx/.xlsm stops the run, naming the file and what to do with it; lock files and
    hidden files are set aside and, like .xlsm files, described in `notes` when given.
    """
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if is_set_aside(path.name):
            if notes is not None:
                notes.append(f"set aside {path.name} (a lock or hidden file, not data)")
            continue
        if path.is_dir():
            raise SourceError(Location(path), "a subfolder in a source folder, whose files would not be read",
                              "only .csv and .xlsx files in this folder",
                              "Move its files up into the folder (or out of data/raw/) and remove the subfolder.")
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise SourceError(Location(path), f"a file of type '{path.suffix or '(no suffix)'}' that is not read",
                              "only .csv and .xlsx (or .xlsm) files in a source folder",
                              _CONVERT_HINT.get(suffix, "Save it as .xlsx or .csv, or move it out of data/raw/."))
        if suffix == ".xlsm" and notes is not None:
            notes.append(f"{path.name}: a macro-enabled workbook, read as .xlsx (cell values only, macros ignored)")
        files.append(path)
    return files


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
    read_notes: list[str] = field(default_factory=list)  # how the file was read (e.g. lines decoded as cp1252)

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.path, self.sheet, row, column)


def read_rows(path: Path, *, sheet: str | None = None) -> Rows:
    """A small table's rows as they stand in the file, for callers that find the header themselves."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(Location(path), f"unsupported file type '{path.suffix}'", "a .csv or .xlsx file",
                          "Convert the file or remove it from the folder.")
    if suffix != ".csv":
        # The workbook's limits are checked from its zip directory before its bytes are read.
        name, grid = _xlsx_grid(path, None, sheet, native_numbers=True)
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        return Rows(path, name, list(enumerate(grid, start=1)), digest)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    text, notes = _csv_text(path, raw)
    head = _head_lines(text)
    delimiter = _sniff_delimiter(head)
    width = max((len(r) for r in _head_rows(head, delimiter)), default=0)
    records = [(number, [cell_text(c) for c in cells])
               for number, cells in _Records(path, text, delimiter, width, MAX_CELL_LINES, None)]
    return Rows(path, None, records, digest, delimiter, notes)


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter under which most non-blank rows have more than one filled cell.

    Semicolon files carry decimal commas and comma files quote them, so counting raw
    characters misleads; parsing the head under each candidate does not.
    """
    best, score = ",", -1
    for delimiter in (",", ";", "\t"):
        rows = _head_rows(lines, delimiter)
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
    source.cell_lines, source.cell_delimiter_ok = LIBRARY_CELL_LINES, False
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
    notes: list[str] = field(default_factory=list)
    cell_lines: int = MAX_CELL_LINES  # see _Records
    cell_delimiter_ok: bool = True

    @classmethod
    def open(cls, path: Path, is_header: HeaderTest, expected: str, sheet: str | None) -> _Source:
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise SourceError(Location(path), f"unsupported file type '{path.suffix}'", "a .csv or .xlsx file",
                              "Convert the file or remove it from the folder.")
        if suffix != ".csv":  # .xlsx, and .xlsm read like it (macros ignored)
            # The workbook's limits are checked from its zip directory before its bytes are read.
            name, grid = _xlsx_grid(path, None, sheet)
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            idx = _find_header(grid, is_header)
            if idx is None:
                raise _no_header(Location(path, name), expected)
            return cls(path, name, _trim(grid[idx]), idx, _preamble(grid[:idx]), digest, grid=grid)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        text, notes = _csv_text(path, raw)
        head_lines = _head_lines(text)
        # The delimiter is the one under which a header row exists with the most columns:
        # semicolon files carry decimal commas, so counting commas would mislead.
        best = None
        for delimiter in (";", ",", "\t"):
            rows = [[cell_text(c) for c in r] for r in _head_rows(head_lines, delimiter)]
            idx = _find_header(rows, is_header)
            if idx is not None and (best is None or len(_trim(rows[idx])) > len(best[2])):
                best = (delimiter, idx, _trim(rows[idx]), rows[:idx])
        if best is None:
            raise _no_header(Location(path), expected)
        delimiter, idx, header, above = best
        return cls(path, None, header, idx, _preamble(above), digest, text=text, delimiter=delimiter, notes=notes)

    def table(self, **rows) -> Table:
        return Table(self.path, self.sheet, self.header, self.header_index + 1, self.preamble,
                     sha256=self.sha256, read_notes=list(self.notes), **rows)

    def records(self) -> _Records:
        return _Records(self.path, self.text, self.delimiter, len(self.header), self.cell_lines,
                        self.header if self.header else None, self.cell_delimiter_ok, self.header_index + 1)

    def data_rows(self):
        """(row number, cells as text) below the header. A CSV row is a record, as a spreadsheet
        shows it: a quoted cell spanning lines is still one row."""
        rows = self.grid if self.grid is not None else ([cell_text(c) for c in r] for _, r in self.records())
        for number, cells in enumerate(rows, start=1):
            if number > self.header_index + 1:
                yield number, cells

    def frame(self) -> pd.DataFrame:
        if self.grid is not None:
            body = self.grid[self.header_index + 1:]
            width = max([len(self.header), *(len(r) for r in body)])
            frame = pd.DataFrame(body, columns=list(range(width)), dtype=object).fillna("")
        else:
            # The second reader runs first: its located errors (stray quote, oversized cell) come
            # before anything pandas would say, and it knows the widest row, so pandas never
            # fails on a row with more cells than the header (read_frame locates that value).
            records, widest = self.records().count()
            width = max(len(self.header), widest)
            try:
                frame = pd.read_csv(io.StringIO(self.text), sep=self.delimiter, header=None,
                                    skiprows=self.header_index + 1, names=list(range(width)), dtype=object,
                                    na_filter=False, skip_blank_lines=False, engine="c").fillna("")
            except pd.errors.ParserError as exc:
                raise IplmError(f"{self.path}: pandas cannot read a file Python's csv module reads ({exc}); "
                                "please report this with the file.") from exc
            self._check_row_count(len(frame), records - (self.header_index + 1))
        frame.index = pd.RangeIndex(self.header_index + 2, self.header_index + 2 + len(frame))
        return frame

    def _check_row_count(self, rows: int, records: int) -> None:
        """An independent count: CSV readers have lost rows silently (PITFALLS: DuckDB 2.0 with mixed
        line endings; pandas joining the lines between two stray quotes). Python's csv module counts
        the records again (`_Records`, which also refuses quoted cells that swallow lines): the frame
        must have exactly as many rows below the header, or the run stops."""
        if rows != records:
            raise IplmError(f"{self.path}: the CSV reader returned {rows} rows below the header where the file "
                            f"has {records} records (counted by a second reader); refusing to go on with rows "
                            "unaccounted for. Please report this with the file.")

    def fail_extra(self, number: int, cells: list[str]) -> None:
        col = next(i for i, c in enumerate(cells) if i >= len(self.header) and c)
        raise SourceError(Location(self.path, self.sheet, number, f"#{col + 1}"),
                          f"a value '{cells[col]}' stands right of the last header cell",
                          f"at most {len(self.header)} columns as in the header row {self.header_index + 1}",
                          "Give the column a header or delete the value.")


def _head_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The head lines parsed under `delimiter`, to find the delimiter and header. No size limit
    here: the records themselves are checked, with their location, by `_Records`."""
    previous = csv.field_size_limit(2**31 - 1)
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    finally:
        csv.field_size_limit(previous)


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


def _csv_text(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """A CSV file's text with LF line ends, and notes on how it was read.

    CRLF becomes LF; a file whose only line ends are CR (old Mac) has them read as line ends;
    a lone CR in a file that also has LF line ends is ambiguous (a line end? a break inside a
    cell?) and a NUL byte means the file is no text export: both stop with their line.
    """
    text, notes = _decode(path, raw)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise SourceError(Location(path), f"a NUL byte (\\x00) in line {line}",
                          "a text export (CSV holds no NUL bytes)",
                          "The file is probably binary or UTF-16 without BOM: open it and save it as CSV UTF-8.")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            if "\n" not in text:
                text = text.replace("\r", "\n")
                notes.append("line ends are CR alone (old Mac format), read as line ends")
            else:
                cr = text.index("\r")
                line = text.count("\n", 0, cr) + 1
                raise SourceError(Location(path), f"a carriage return (CR) not followed by LF in line {line}, "
                                  f"after '{text[max(0, cr - 30):cr].rsplit(chr(10), 1)[-1]}'",
                                  "LF or CRLF line ends (a CR alone is neither a line end of this file nor text)",
                                  "Open the file in a spreadsheet program and save it as CSV again, or remove the CR.")
    return text, notes


def _decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252, and notes on what was not plain UTF-8.

    A file that is mostly UTF-8 (a BOM, or at least as many non-ASCII lines valid UTF-8 as not) is
    decoded line by line: a line that is not UTF-8 is read as Windows-1252 and named in the notes,
    so one bad byte (a line pasted from elsewhere) neither garbles the file (`DÃ©sa`) nor stops it.
    A file that is wholly Windows-1252 is read as such.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), ["UTF-16 text (BOM)"]
        except UnicodeDecodeError as exc:
            raise SourceError(Location(path), f"not valid UTF-16 at byte offset {exc.start}",
                              "UTF-8 or UTF-16 text as its BOM says", "Re-save the file as CSV UTF-8.") from exc
    bom = raw.startswith(b"\xef\xbb\xbf")
    if bom:
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    decoded: list[str | None] = []
    good, bad = 0, []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            decoded.append(line.decode("ascii"))
            continue
        try:
            decoded.append(line.decode("utf-8"))
            good += 1
        except UnicodeDecodeError:
            decoded.append(None)
            bad.append(number)
    mostly_utf8 = bom or (good > 0 and good >= len(bad))
    for number, line in enumerate(lines, start=1):
        if mostly_utf8 and decoded[number - 1] is not None:
            continue
        try:
            decoded[number - 1] = line.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SourceError(Location(path), f"cannot decode byte {line[exc.start]:#x} in line {number}",
                              "UTF-8 (with or without BOM) or Windows-1252 text",
                              "Re-save the file as UTF-8 CSV.") from exc
    if not mostly_utf8:
        return "\n".join(decoded), []
    shown = ", ".join(map(str, bad[:20])) + (f" and {len(bad) - 20} more" if len(bad) > 20 else "")
    return "\n".join(decoded), [f"{len(bad)} line(s) not UTF-8, read as Windows-1252: line {shown}"]


class _Records:
    """The records of a CSV text, read by Python's csv module: (record number, cells) pairs.

    Record numbers are rows as a spreadsheet shows them (a quoted cell spanning lines is one row).
    A quote is refused as a stray quote (PITFALLS: pandas joined the 500 lines between two stray
    quotes into one cell, with exit 0) when the cell it opens:
      - is longer than MAX_CELL_CHARS (no spreadsheet cell is), or
      - spans more than `cell_lines` lines, or
      - holds, on a line after its first, half as many delimiters as a row has or more (2 at least):
        that is rows swallowed, not prose; or, unless `delimiter_ok` (it is not for library exports,
        `read_frame`, whose text cells are names), the delimiter at all.
    The error names the row where the cell starts, its column, and how many lines it spans.
    """

    def __init__(self, path: Path, text: str, delimiter: str, width: int, cell_lines: int,
                 header: list[str] | None, delimiter_ok: bool = True, header_row: int = 0):
        self.path, self.text, self.delimiter, self.width = path, text, delimiter, width
        self.cell_lines, self.header, self.delimiter_ok = cell_lines, header, delimiter_ok
        self.header_row = header_row  # rows after it are named by the header's column names

    def __iter__(self):
        previous = csv.field_size_limit(MAX_CELL_CHARS)
        try:
            reader = csv.reader(io.StringIO(self.text, newline="\n"), delimiter=self.delimiter)
            number, end = 0, 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise self._error(number + 1, end + 1, reader.line_num, exc) from exc
                number += 1
                start, end = end + 1, reader.line_num
                if end > start:
                    self._check_span(number, start, end, cells)
                yield number, cells
        finally:
            csv.field_size_limit(previous)

    def count(self) -> tuple[int, int]:
        """(records, cells in the widest record), checked as when iterating, at C speed.

        Every record is one line unless a quoted cell spans lines; only then (record count below
        the line count) or on an error are the records walked one by one to locate it. Without
        any quote character in the file, lines and records are the same by the CSV grammar, so
        the lines are counted and split instead (exact, and 10x faster than the csv module)."""
        if '"' not in self.text:
            lines = self.text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if max(map(len, lines), default=0) <= MAX_CELL_CHARS:
                return len(lines), max(map(str.count, lines, itertools.repeat(self.delimiter)), default=-1) + 1
        previous = csv.field_size_limit(MAX_CELL_CHARS)
        try:
            widths = list(map(len, csv.reader(io.StringIO(self.text, newline="\n"), delimiter=self.delimiter)))
        except csv.Error:
            widths = None
        finally:
            csv.field_size_limit(previous)
        lines = self.text.count("\n") + (not self.text.endswith("\n")) if self.text else 0
        if widths is None or len(widths) != lines:
            widths = [len(cells) for _, cells in self]  # raises the located error, if there is one
        return len(widths), max(widths, default=0)

    def _column(self, index: int, number: int) -> str:
        if number > self.header_row and self.header and index < len(self.header) and self.header[index]:
            return self.header[index]
        return f"#{index + 1}"

    def _check_span(self, number: int, start: int, end: int, cells: list[str]) -> None:
        lines = end - start + 1
        half_row = max(2, (self.width - 1) // 2)
        for index, cell in enumerate(cells):
            if "\n" not in cell:
                continue
            following = cell.split("\n")[1:]
            most = max(line.count(self.delimiter) for line in following)
            if lines > self.cell_lines or most >= half_row or (most and not self.delimiter_ok):
                why = (f" (a cell may span at most {self.cell_lines})" if lines > self.cell_lines
                       else f" and holds the delimiter '{self.delimiter}' on a following line")
                raise SourceError(
                    Location(self.path, None, number, self._column(index, number)),
                    f"a quoted cell starting in this row (line {start} of the file) runs over {lines} lines to "
                    f"line {end}{why}: a stray quote (\") joins the rows below into one cell",
                    f"quotes only around a whole cell; a line break inside a cell at most {self.cell_lines} lines"
                    + ("" if self.delimiter_ok else f" without '{self.delimiter}'"),
                    f"Remove or close the quote in line {start} (starting '{cell[:40]}').")

    def _error(self, number: int, start: int, end: int, exc: csv.Error) -> SourceError:
        if "field larger than field limit" in str(exc):
            column, lines = self._oversized(start, number)
            swallowed = lines is None or lines > 1
            span = f" runs over {lines} lines to line {start + lines - 1} and" if lines and lines > 1 else ""
            return SourceError(
                Location(self.path, None, number, column),
                f"a cell starting in this row (line {start} of the file){span} is longer than {MAX_CELL_CHARS:,} "
                "characters" + (": probably a stray quote (\") joining the rows below into one cell"
                                if swallowed else ""),
                f"cells of at most {MAX_CELL_CHARS:,} characters (the most a spreadsheet cell holds)",
                f"Remove or close the quote in line {start}." if swallowed else "Shorten the cell.")
        return SourceError(Location(self.path, None, number), f"unreadable CSV in line {end} ({exc})",
                           "comma- or semicolon-separated text", "Re-save the file as CSV.")

    def _oversized(self, start: int, number: int) -> tuple[str | None, int | None]:
        """Column and line span of the oversized record starting at line `start` (error path only)."""
        rest = self.text.split("\n", start - 1)[-1]
        # Only a bounded head of the record is parsed again: the csv module needs ~10x a field's size
        # to parse it, so re-reading a 50 MB cell whole would cost half a gigabyte to name a column.
        head = rest[:4 * MAX_CELL_CHARS]
        limit = csv.field_size_limit(len(head) + 1)
        try:
            reader = csv.reader(io.StringIO(head, newline="\n"), delimiter=self.delimiter)
            cells = next(reader)
            longest = max(range(len(cells)), key=lambda i: len(cells[i]))
            # The span is known when the record ends inside the head, or when the head is one line.
            complete = len(head) == len(rest) or "\n" not in head or reader.line_num < head.count("\n")
            return self._column(longest, number), reader.line_num if complete else None
        except (csv.Error, StopIteration, ValueError):
            return None, None
        finally:
            csv.field_size_limit(limit)


def _xlsx_grid(path: Path, raw: bytes | None, sheet: str | None,
               native_numbers: bool = False) -> tuple[str, list[list[str | float]]]:
    """The named sheet (else the first) as text, or with native numbers kept as floats. `raw` is not
    used: the workbook is read from `path` by `xlsx_reader`, which refuses damaged and hostile files
    before anything is inflated."""
    from iplm_pipeline.xlsx_reader import read_xlsx

    read = read_xlsx(path, sheet)
    if native_numbers:
        return read.name, [[c.replace("\u00a0", " ").strip() if type(c) is str
                            else float(c) if type(c) in (int, float) else cell_text(c) for c in r]
                           for r in read.rows]
    return read.name, [[c if type(c) is str else cell_text(c) for c in r] for r in read.rows]
