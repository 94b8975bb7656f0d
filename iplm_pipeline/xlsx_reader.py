"""Reading one sheet of an .xlsx workbook without trusting the file.

An xlsx is a zip of XML parts, and both layers can lie. python-calamine inflates a zip bomb in
memory (a 4 MB file took 4.4 GiB and 16 s before failing), aborts the whole process on a tiny
sheet holding one cell at XFD1048576 (it allocates the full grid), reports "Cannot detect file
format" for anything it cannot open when given a file object, and reads a formula without a
cached value as an empty cell, i.e. as 0 in a sum (PITFALLS.md). So `read_xlsx`:

1. refuses the file from its size and its zip directory alone, before anything is inflated:
   file size, number of members, each member's uncompressed size and compression ratio, the
   total uncompressed size, and members whose declared sizes cannot be true;
2. names what the file really is when it is not a workbook (empty, an HTML page, a
   password-protected or legacy .xls file, a truncated download) and keeps calamine's own
   words for anything else (it is opened with `from_path`, which keeps the cause);
3. refuses any XML part declaring a DOCTYPE or ENTITY (billion laughs) from its first bytes, or
   written in UTF-16/UTF-32 (valid XML, but calamine reads a UTF-16 sheet as an empty one);
4. scans the chosen sheet's XML, streaming, for cells beyond the row/column limits (also cells
   without a reference, which calamine places after the previous one) and for
   formulas: a formula with a cached value is read as that value and counted in a note, a
   formula without one (a sheet written by a script, not saved by a spreadsheet) is a located
   error, and so are stored values in a workbook that asks to be recalculated on opening
   (`fullCalcOnLoad`, as xlsxwriter writes with 0 for every formula). A byte search decides
   whether the exact (expat) pass is needed: about 1.5 s of CPU on a 222 MB sheet without
   formulas; with formulas the exact pass adds about 15 s;
5. checks rows, columns and cell length on the grid read.

Limits (`ReadLimits`, defaults admit a national year in one file with margin: the synthetic
226 000 x 20 library export is a 22 MB file whose sheet XML is 222 MB, compressed 10:1) can be
overridden with environment variables, read when a file is opened:

    IPLM_MAX_FILE_MB      200      size of the .xlsx file
    IPLM_MAX_MEMBER_MB    1024     uncompressed size of one zip member
    IPLM_MAX_TOTAL_MB     2048     uncompressed size of all members together
    IPLM_MAX_RATIO        200      uncompressed : compressed size of one member ...
    IPLM_RATIO_FLOOR_MB   4        ... checked for members larger than this (small XML parts
                                   of repeated markup compress far better than data)
    IPLM_MAX_MEMBERS      10000    members in the zip
    IPLM_MAX_ROWS         1000000  rows of the sheet read (Excel: 1 048 576)
    IPLM_MAX_COLUMNS      500      columns of the sheet read (Excel: 16 384)
    IPLM_MAX_CELL_CHARS   32767    characters in one cell (Excel's own limit)

Every refusal is a `SourceError` naming the file (and member, sheet or cell), the number found,
the limit and what to do.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from xml.parsers import expat

from iplm_pipeline.errors import IplmError, Location, SourceError

MIB = 1024 * 1024
_CHUNK = 4 * MIB  # sheet XML is streamed in pieces of this size
_OVERLAP = 256  # bytes kept between pieces, so no tag or attribute is cut in two unseen
_HEAD = 16 * 1024  # of each XML part, scanned for DOCTYPE/ENTITY declarations
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CD_BYTES_PER_MEMBER = 512  # a directory entry is 46 bytes + name + extra fields; xlsx names are short
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_PROLOG_NOISE = re.compile(rb"<\?.*?\?>|<!--.*?-->", re.DOTALL)  # processing instructions, comments
_ROOT = re.compile(rb"<[A-Za-z_:]")
_RETRY = "Open the file in Excel or LibreOffice and save it again as .xlsx, or export it as CSV."


@dataclass(frozen=True)
class ReadLimits:
    """What one xlsx file may hold; see the module docstring for the environment overrides."""

    max_file_bytes: int = 200 * MIB
    max_member_bytes: int = 1024 * MIB
    max_total_bytes: int = 2048 * MIB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 4 * MIB
    max_members: int = 10_000
    max_rows: int = 1_000_000
    max_columns: int = 500
    max_cell_chars: int = 32_767

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        environ = os.environ if environ is None else environ
        values = {}
        for name, (var, scale) in _ENV.items():
            text = environ.get(var, "").strip()
            if not text:
                continue
            try:
                number = float(text)
            except ValueError:
                number = -1.0
            if not number > 0:
                raise IplmError(f"environment variable {var}={text!r} is not a positive number")
            values[name] = number if name == "max_ratio" else int(number * scale)
        return cls(**values)


_ENV = {  # field -> (variable, unit in bytes or 1)
    "max_file_bytes": ("IPLM_MAX_FILE_MB", MIB),
    "max_member_bytes": ("IPLM_MAX_MEMBER_MB", MIB),
    "max_total_bytes": ("IPLM_MAX_TOTAL_MB", MIB),
    "max_ratio": ("IPLM_MAX_RATIO", 1),
    "ratio_floor_bytes": ("IPLM_RATIO_FLOOR_MB", MIB),
    "max_members": ("IPLM_MAX_MEMBERS", 1),
    "max_rows": ("IPLM_MAX_ROWS", 1),
    "max_columns": ("IPLM_MAX_COLUMNS", 1),
    "max_cell_chars": ("IPLM_MAX_CELL_CHARS", 1),
}
assert set(_ENV) == {f.name for f in fields(ReadLimits)}


@dataclass
class XlsxSheet:
    """One sheet as calamine reads it (cells are str, float, int, bool, date/time or None)."""

    name: str
    rows: list[list[object]]
    member: str  # the sheet's XML part inside the zip, e.g. 'xl/worksheets/sheet1.xml'
    formula_cells_cached: int = 0  # formula cells read as the value the spreadsheet last computed
    merged_ranges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based
    notes: list[str] = field(default_factory=list)  # for the run's ledger

    def merged_refs(self) -> list[str]:
        """The merged ranges as a spreadsheet names them ('A1:C1'), for a caller to report."""
        return [_range_ref(first, last) for first, last in self.merged_ranges]


def read_xlsx(path: str | Path, sheet: str | None = None, limits: ReadLimits | None = None) -> XlsxSheet:
    """The sheet named `sheet` (else the first sheet) of the workbook at `path`, checked as above."""
    path = Path(path)
    limits = limits or ReadLimits.from_env()
    _check_file(path, limits)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise SourceError(Location(path), f"the zip container is damaged ({exc})", "a readable .xlsx workbook",
                          _RETRY) from exc
    with archive:
        _check_members(path, archive, limits)
        with _open_calamine(path) as book:
            names = list(book.sheet_names)
            if not names:
                raise SourceError(Location(path), "the workbook has no sheets", "at least one sheet", _RETRY)
            name = sheet if sheet in names else names[0]
            member, full_calc = _sheet_member(path, archive, name)
            scan = _scan_sheet(path, name, archive, archive.getinfo(member), limits)
            _judge_formulas(path, name, scan, full_calc)
            try:
                calamine_sheet = book.get_sheet_by_name(name)
                rows = calamine_sheet.to_python(skip_empty_area=False)
                merged = [((int(a[0]), int(a[1])), (int(b[0]), int(b[1])))
                          for a, b in (calamine_sheet.merged_cell_ranges or [])]
            except Exception as exc:  # noqa: BLE001 - calamine's own exception types, mapped with their text
                raise _located(_calamine_error(Location(path, name), exc), path, name, archive, member) from exc
    _check_grid(path, name, rows, limits)
    result = XlsxSheet(name, rows, member, formula_cells_cached=scan.formulas, merged_ranges=merged)
    if scan.formulas:
        result.notes.append(f"{path}, sheet '{name}': {scan.formulas} formula cell(s) read as their cached "
                            "values (the values the spreadsheet last computed)")
    return result


# --------------------------------------------------------------------------- the file and its zip directory
def _check_file(path: Path, limits: ReadLimits) -> None:
    where = Location(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(where, f"cannot read the file ({exc})", "a readable .xlsx workbook") from exc
    if size == 0:
        raise SourceError(where, "the file is empty (0 bytes)", "an .xlsx workbook",
                          "The download or copy did not finish: fetch the file again.")
    if size > limits.max_file_bytes:
        raise SourceError(where, f"the file is {_mb(size)}, above the limit of {_mb(limits.max_file_bytes)}",
                          "an .xlsx file of at most IPLM_MAX_FILE_MB",
                          "Split the export (e.g. one file per province) or raise IPLM_MAX_FILE_MB if the file is "
                          "genuine.")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if head.startswith(_ZIP_MAGICS):
        _check_directory(path, size, limits)
        return
    if head.startswith(_OLE_MAGIC):
        raise SourceError(where, "this is not an .xlsx (zip) file but an OLE2 compound file: a password-protected "
                          "(encrypted) workbook, or a legacy .xls saved with an .xlsx name",
                          "an unencrypted .xlsx workbook",
                          "Remove the password (File > Info > Protect Workbook) and save as .xlsx, or open the .xls "
                          "and save it as .xlsx or CSV.")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html")) or b"<html" in text:
        raise SourceError(where, "this is an HTML page saved with an .xlsx name (often a login or error page "
                          "instead of the download)", "an .xlsx workbook",
                          "Download the real xlsx, or save the table as CSV.")
    if text.startswith(b"<?xml"):
        raise SourceError(where, "this is a plain XML file (e.g. an Excel 2003 XML spreadsheet) with an .xlsx name",
                          "an .xlsx workbook (a zip of XML parts)", "Open it and save it as .xlsx or CSV.")
    raise SourceError(where, f"this is not an .xlsx workbook: it does not start like a zip file "
                      f"(first bytes {head[:8].hex(' ')})", "an .xlsx workbook",
                      "If it is a CSV or text file, give it a .csv name; otherwise save it again as .xlsx.")


def _check_directory(path: Path, size: int, limits: ReadLimits) -> None:
    """The end-of-directory record, read before `zipfile` builds one object per member."""
    where = Location(path)
    with path.open("rb") as fh:
        start = max(0, size - (65535 + _EOCD.size + _ZIP64_LOCATOR.size))
        fh.seek(start)
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            raise SourceError(where, "the zip directory at the end of the file is missing (Could not find EOCD): "
                              "the file is truncated", "a complete .xlsx workbook",
                              "The download or copy was cut short: fetch the file again.")
        _, _, _, _, members, cd_size, _, _ = _EOCD.unpack_from(tail, at)
        if (members == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
            sig, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
            if sig == b"PK\x06\x07" and offset + _ZIP64_EOCD.size <= size:
                fh.seek(offset)
                record = fh.read(_ZIP64_EOCD.size)
                if record[:4] == b"PK\x06\x06":
                    members, cd_size = _ZIP64_EOCD.unpack(record)[7:9]
    if members > limits.max_members:
        raise _too_many_members(path, members, limits)
    if cd_size > limits.max_members * _CD_BYTES_PER_MEMBER:
        raise SourceError(where, f"the zip directory is {_mb(cd_size)}, more than {limits.max_members} members "
                          "can need", "a workbook of at most IPLM_MAX_MEMBERS parts", _RETRY)


def _too_many_members(path: Path, members: int, limits: ReadLimits) -> SourceError:
    return SourceError(Location(path), f"the zip holds {members} members, above the limit of {limits.max_members}",
                       "a workbook of at most IPLM_MAX_MEMBERS parts",
                       "A workbook has a few dozen parts; this one is damaged or hostile. Save it again as .xlsx "
                       "or export CSV (or raise IPLM_MAX_MEMBERS if it is genuine).")


def _check_members(path: Path, archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Sizes as the zip directory declares them, then the head of every XML part; nothing else is inflated."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _too_many_members(path, len(infos), limits)
    seen: set[str] = set()
    total = 0
    for info in infos:
        where = Location(f"{path} (zip member '{info.filename}')")
        if info.filename in seen:
            # Two readers may pick different copies: the one checked would not be the one read.
            raise SourceError(where, "the zip holds two members of this name", "one member per name", _RETRY)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise SourceError(where, "the member is encrypted (a password-protected zip)", "an unencrypted .xlsx",
                              "Remove the password and save the workbook again as .xlsx.")
        if info.file_size > limits.max_member_bytes:
            raise SourceError(where, f"the member inflates to {_mb(info.file_size)}, above the limit of "
                              f"{_mb(limits.max_member_bytes)}", "members of at most IPLM_MAX_MEMBER_MB",
                              "Split the export, or raise IPLM_MAX_MEMBER_MB if the file is genuine.")
        # Deflate never grows data by more than a few bytes per 16 KiB block, so a member whose compressed
        # data outweighs its declared size declares a false size, and would inflate past every limit.
        if info.compress_size > info.file_size + info.file_size // 100 + 1024:
            raise SourceError(where, f"the member declares {info.file_size} bytes but holds {info.compress_size} "
                              "compressed bytes, which cannot inflate to so little", "a zip whose sizes are true",
                              "The file is damaged or hostile: " + _RETRY)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise SourceError(where, f"the member inflates {ratio:.0f}:1 ({_mb(info.compress_size)} to "
                              f"{_mb(info.file_size)}), above the limit of {limits.max_ratio:.0f}:1 (a zip bomb?)",
                              "spreadsheet data, which compresses about 10:1",
                              "Do not open this file; fetch the original again (or raise IPLM_MAX_RATIO if it is "
                              "genuine).")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise SourceError(Location(path), f"the members inflate to more than {_mb(total)} together, above the "
                              f"limit of {_mb(limits.max_total_bytes)}", "a workbook of at most IPLM_MAX_TOTAL_MB",
                              "Split the export, or raise IPLM_MAX_TOTAL_MB if the file is genuine.")
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            _check_xml_head(path, archive, info)


def _check_xml_head(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    where = Location(f"{path} (zip member '{info.filename}')")
    try:
        with archive.open(info) as fh:
            head = fh.read(_HEAD)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError) as exc:
        raise SourceError(where, f"the member cannot be read ({exc})", "a readable .xlsx workbook", _RETRY) from exc
    full = len(head) == _HEAD
    if head[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
        raise SourceError(where, "the XML part is in UTF-32", "XML in UTF-8, as spreadsheet programs write it",
                          _RETRY)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        # Valid XML, but calamine reads a UTF-16 sheet as an empty one: its libraries would vanish unseen.
        raise SourceError(where, "the XML part is in UTF-16, which the xlsx reader reads as empty",
                          "XML in UTF-8, as spreadsheet programs write it", _RETRY)
    if _DECLARATION.search(head):
        raise SourceError(where, "the XML part declares a DOCTYPE or ENTITY, which spreadsheet programs never write "
                          "and which can make a reader expand entities without end (billion laughs)",
                          "spreadsheet XML without DTD declarations",
                          "Do not open this file; fetch the original again or export CSV.")
    # A declaration can only stand before the root element: if the head holds no root, one may follow unseen.
    if full and not _ROOT.search(_PROLOG_NOISE.sub(b"", head)):
        raise SourceError(where, f"no root element in the first {_HEAD // 1024} KiB of the XML part",
                          "spreadsheet XML, whose first element starts within a few bytes", _RETRY)


# --------------------------------------------------------------------------- calamine
def _open_calamine(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))  # from_path keeps the cause; from_filelike does not
    except Exception as exc:  # noqa: BLE001 - mapped below with calamine's text
        raise _calamine_error(Location(path), exc) from exc


def _calamine_error(where: Location, exc: Exception) -> SourceError:
    import python_calamine as pc

    if isinstance(exc, pc.PasswordError):
        return SourceError(where, f"the workbook is password protected ({exc})", "an unencrypted .xlsx workbook",
                           "Remove the password and save the workbook again as .xlsx, or export CSV.")
    if isinstance(exc, pc.ZipError):
        return SourceError(where, f"the zip container is damaged ({exc})", "a readable .xlsx workbook", _RETRY)
    if isinstance(exc, pc.XmlError):
        return SourceError(where, f"an XML part of the workbook is damaged (calamine: {exc})",
                           "a readable .xlsx workbook", _RETRY)
    if isinstance(exc, pc.CalamineError):
        return SourceError(where, f"the workbook cannot be read ({exc})", "a readable .xlsx workbook", _RETRY)
    return SourceError(where, f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                       "a readable .xlsx workbook", _RETRY)


def _located(error: SourceError, path: Path, sheet: str, archive: zipfile.ZipFile, member: str) -> SourceError:
    """calamine names a damaged XML part's problem in a word (a mismatched tag: 'c'); expat adds the line."""
    if "XML" not in error.problem:
        return error
    try:
        _exact_scan(path, sheet, archive, archive.getinfo(member), ReadLimits(max_rows=2**62, max_columns=2**62))
    except SourceError as found:
        where = re.search(r"\((.*)\)$", found.problem)
        problem = f"{error.problem[:-1]}; {where.group(1)})" if where and error.problem.endswith(")") else (
            f"{error.problem}: {found.problem}")
        return SourceError(found.location, problem, error.expected, error.hint)
    return error


# --------------------------------------------------------------------------- which XML part is the sheet
def _parse_part(path: Path, archive: zipfile.ZipFile, member: str, start) -> None:
    """Stream one small XML part through expat, calling `start(local_name, attrs)` per element."""
    parser = _parser(Location(f"{path} (zip member '{member}')"))
    parser.StartElementHandler = lambda name, attrs: start(name.rpartition(":")[2], attrs)
    try:
        with archive.open(member) as fh:
            parser.ParseFile(fh)
    except expat.ExpatError as exc:
        raise SourceError(Location(f"{path} (zip member '{member}')"), f"the XML part is damaged ({exc})",
                          "a readable .xlsx workbook", _RETRY) from exc


def _parser(where: Location):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_):  # the head scan refuses these already; this holds should a declaration sit deeper
        raise SourceError(where, "the XML part declares a DOCTYPE or ENTITY", "spreadsheet XML without DTD "
                          "declarations", "Do not open this file; fetch the original again or export CSV.")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _member_name(archive: zipfile.ZipFile, name: str) -> str | None:
    if name in archive.NameToInfo:
        return name
    lowered = name.lower()
    return next((n for n in archive.namelist() if n.lower() == lowered), None)


def _relationships(path: Path, archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, member) from the relationships of `part` ('' for the package)."""
    folder, base = posixpath.split(part)
    rels = _member_name(archive, posixpath.join(folder, "_rels", f"{base}.rels"))
    found: dict[str, tuple[str, str]] = {}
    if rels is None:
        return found

    def start(tag, attrs):
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(member))

    _parse_part(path, archive, rels, start)
    return found


def _sheet_member(path: Path, archive: zipfile.ZipFile, sheet: str) -> tuple[str, bool]:
    """The XML member holding `sheet`, via workbook.xml (name -> r:id) and its relationships (id -> target),
    and whether the workbook asks to recalculate every formula on opening (calcPr fullCalcOnLoad)."""
    workbook = next((m for kind, m in _relationships(path, archive, "").values()
                     if kind.endswith("/officeDocument")), None)
    workbook = _member_name(archive, workbook or "xl/workbook.xml")
    ids: dict[str, str] = {}
    full_calc = []

    def start(tag, attrs):
        if tag == "sheet":
            ids[attrs.get("name", "")] = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        elif tag == "calcPr":
            full_calc.append(attrs.get("fullCalcOnLoad", "0").lower() in ("1", "true"))

    if workbook is not None:
        _parse_part(path, archive, workbook, start)
        member = _relationships(path, archive, workbook).get(ids.get(sheet, ""), ("", ""))[1]
        member = _member_name(archive, member) if member else None
        if member is not None:
            return member, any(full_calc)
    raise SourceError(Location(path, sheet), "the sheet's XML part cannot be found from xl/workbook.xml and its "
                      "relationships", "a workbook whose parts are all present", _RETRY)


# --------------------------------------------------------------------------- the sheet's XML
@dataclass
class _SheetScan:
    formulas: int = 0  # formula cells with a cached value
    uncached: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, formula), 1-based
    uncached_count: int = 0


_FORMULA = re.compile(rb"<f[\s>/]")
_PREFIXED = re.compile(rb":[cf][\s>/]")  # <x:c>, <x:f>: calamine reads elements by local name, so must the scan
_BARE_CELL = re.compile(rb"<c[>/\t\r\n]")  # a cell tag with no attributes, or not followed by a space
_REF_AT = re.compile(rb'r="([A-Za-z]{0,3})(\d+)"')
_SPACE = (b" ", b"\t", b"\n", b"\r")


def _ref_patterns(limits: ReadLimits) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Coarse byte patterns for references that may lie beyond the limits: as many row digits as the row limit
    has, as many column letters as the column limit's letters. A normal sheet matches neither, so the scan
    costs about one pass over the bytes; every match is then compared exactly."""
    digits = len(str(limits.max_rows))
    letters = len(_column_letter(limits.max_columns))
    return (re.compile(rb'r="[A-Za-z]{0,3}\d{%d}' % digits), re.compile(rb'r="[A-Za-z]{%d}' % letters))


def _scan_sheet(path: Path, sheet: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                limits: ReadLimits) -> _SheetScan:
    """Bytes first (fast, streaming): calamine allocates the whole grid up to the farthest cell (one cell at
    XFD1048576 aborts the process), and cannot tell a formula from a value. The exact XML pass runs only when
    the bytes show a formula, a reference that may lie beyond the limits, or cells whose place the bytes do
    not say: a cell without `r` follows the previous one, so 16 384 of them widen every row of the grid."""
    far_rows, far_columns = _ref_patterns(limits)
    # '<c ' and '<c r="' seen: every writer puts r first, so equal counts mean every cell says its place in the
    # form the patterns read (r='A1' or r = "A1" is valid XML they would miss, and goes to the exact pass).
    cells = placed = 0
    tail = b""
    with archive.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            data = tail + chunk
            # (DOCTYPE/ENTITY: every part's head is checked, calamine expands no entity and the exact pass
            # refuses a declaration; so the bytes are not searched for one here.)
            if _FORMULA.search(data) or _BARE_CELL.search(data) or _PREFIXED.search(data):
                return _exact_scan(path, sheet, archive, info, limits)
            # An occurrence is counted in the first piece that holds it whole; the tail's were counted before.
            cells += data.count(b"<c ") - tail.count(b"<c ")
            placed += data.count(b'<c r="') - tail.count(b'<c r="')
            for pattern in (far_rows, far_columns):
                for match in pattern.finditer(data):
                    ref = _REF_AT.match(data, match.start())
                    if ref is None or data[match.start() - 1:match.start()] not in _SPACE:
                        continue  # not a reference (xmlns:r="http://...")
                    column = _column_index(ref.group(1)) if ref.group(1) else 0
                    if column > limits.max_columns or int(ref.group(2)) > limits.max_rows:
                        return _exact_scan(path, sheet, archive, info, limits)  # it names the cell
            tail = data[-_OVERLAP:]
    if cells != placed:
        return _exact_scan(path, sheet, archive, info, limits)
    return _SheetScan()


def _exact_scan(path: Path, sheet: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                limits: ReadLimits) -> _SheetScan:
    """Every cell's place (as calamine counts: a cell or row without `r` follows the previous one) and every
    formula, through expat in constant memory. Text is collected only inside a formula cell's <f> and <v>."""
    scan = _SheetScan()
    shared: dict[str, str] = {}  # shared-formula index -> the master's text
    names: dict[str, str] = {}
    row = col = 0
    cell_type = ""
    formula: list[str] | None = None  # the current cell's formula text, once it has an <f>
    shared_index: str | None = None
    value: list[str] | None = None
    buffer: list[str] | None = None

    def start(name, attrs):
        nonlocal row, col, cell_type, formula, shared_index, value, buffer
        tag = names.get(name) or names.setdefault(name, name.rpartition(":")[2])
        if tag == "c":
            match = _CELL_REF.fullmatch(attrs.get("r", ""))
            if match:
                col, row = _column_index(match.group(1)), int(match.group(2))
            else:
                col += 1
            if col > limits.max_columns:
                raise _too_many_columns(Location(path, sheet, row, _column_letter(col)), col, limits)
            if row > limits.max_rows:
                raise _too_many_rows(Location(path, sheet, row), row, limits)
            cell_type, formula, value = attrs.get("t", ""), None, None
        elif tag == "row":
            ref = attrs.get("r", "")
            row, col = (int(ref) if ref.isdigit() else row + 1), 0
            if row > limits.max_rows:
                raise _too_many_rows(Location(path, sheet, row), row, limits)
        elif tag == "f":
            formula = buffer = []
            shared_index = attrs.get("si") if attrs.get("t") == "shared" else None
            parser.CharacterDataHandler = buffer.append
        elif tag == "v" and formula is not None:
            value = buffer = []
            parser.CharacterDataHandler = buffer.append

    def end(name):
        nonlocal formula, buffer
        tag = names.get(name) or names.setdefault(name, name.rpartition(":")[2])
        if buffer is not None and tag in ("f", "v"):
            parser.CharacterDataHandler = None
            buffer = None
            if tag == "f" and shared_index is not None:
                text = "".join(formula)
                formula = [shared.setdefault(shared_index, text) if text
                           else shared.get(shared_index, f"(shared formula {shared_index})")]
        elif tag == "c" and formula is not None:
            # An empty <v/> is a cached empty string only where the cell says it holds a string.
            if value is not None and (any(value) or cell_type == "str"):
                scan.formulas += 1
            else:
                scan.uncached_count += 1
                if len(scan.uncached) < 5:
                    scan.uncached.append((row, col, "".join(formula)))
            formula = None

    parser = _parser(Location(path, sheet))
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SourceError(Location(f"{path} (zip member '{info.filename}')", sheet),
                          f"the sheet's XML is damaged ({exc})", "a readable .xlsx workbook", _RETRY) from exc
    return scan


def _judge_formulas(path: Path, sheet: str, scan: _SheetScan, full_calc: bool) -> None:
    if not scan.formulas and not scan.uncached:
        return
    if scan.uncached:
        row, col, formula = scan.uncached[0]
        others = scan.uncached_count - 1
        also = ""
        if others:
            cells = ", ".join(f"{_column_letter(c)}{r}" for r, c, _ in scan.uncached[1:])
            also = f"; {others} more formula cell(s) lack one too ({cells}{', ...' if others > 4 else ''})"
        raise SourceError(Location(path, sheet, row, _column_letter(col)),
                          f"formula '={formula}' has no cached value (the sheet was written by a script, not saved "
                          f"by Excel), so its cell would read as empty{also}",
                          "formulas saved with the values a spreadsheet computed",
                          "Open and save it in Excel/LibreOffice, or export CSV.")
    if full_calc:
        # xlsxwriter and openpyxl mark their workbooks so and store 0 (or nothing) for every formula: a value
        # there was not computed by a spreadsheet.
        raise SourceError(Location(path, sheet), f"{scan.formulas} formula cell(s) hold stored values, but the "
                          "workbook asks to recalculate every formula when opened (calcPr fullCalcOnLoad), so "
                          "those values were written by a program and need not be the formulas' results",
                          "formulas saved with the values a spreadsheet computed",
                          "Open and save it in Excel/LibreOffice, or export CSV.")


# --------------------------------------------------------------------------- the grid read
def _check_grid(path: Path, sheet: str, rows: list[list[object]], limits: ReadLimits) -> None:
    if len(rows) > limits.max_rows:
        raise _too_many_rows(Location(path, sheet, len(rows)), len(rows), limits)
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_columns:
        raise _too_many_columns(Location(path, sheet, None, _column_letter(width)), width, limits)
    most = limits.max_cell_chars
    for number, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells, start=1):
            if value.__class__ is str and len(value) > most:
                raise SourceError(Location(path, sheet, number, _column_letter(col)),
                                  f"the cell holds {len(value)} characters, above the limit of {most}",
                                  f"cells of at most {most} characters (Excel's own limit; IPLM_MAX_CELL_CHARS)",
                                  "A cell this long is usually many rows glued together: check the export.")


def _too_many_rows(where: Location, rows: int, limits: ReadLimits) -> SourceError:
    return SourceError(where, f"the sheet reaches row {rows}, above the limit of {limits.max_rows} rows",
                       "a sheet of at most IPLM_MAX_ROWS rows",
                       "Delete stray content far below the table, or split the export (or raise IPLM_MAX_ROWS).")


def _too_many_columns(where: Location, columns: int, limits: ReadLimits) -> SourceError:
    return SourceError(where, f"the sheet reaches column {columns}, above the limit of {limits.max_columns} "
                       "columns", "a sheet of at most IPLM_MAX_COLUMNS columns",
                       "Delete stray content far right of the table (or raise IPLM_MAX_COLUMNS).")


# --------------------------------------------------------------------------- small helpers
def _column_letter(index: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - ord("A") + 1
    return index


def _range_ref(first: tuple[int, int], last: tuple[int, int]) -> str:
    return (f"{_column_letter(first[1] + 1)}{first[0] + 1}:"
            f"{_column_letter(last[1] + 1)}{last[0] + 1}")


def _mb(size: int) -> str:
    return f"{size / MIB:,.1f} MiB"
