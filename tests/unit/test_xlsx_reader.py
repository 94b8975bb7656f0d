"""Damaged and hostile xlsx files (issue "No silent wrong numbers"): each is built here, in tmp_path,
so the test shows the exact bytes it exercises; nothing binary is committed."""

from __future__ import annotations

import resource
import shutil
import struct
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from iplm_pipeline.errors import IplmError, SourceError
from iplm_pipeline.parsing import read_grid
from iplm_pipeline.xlsx_reader import MIB, ReadLimits, read_xlsx
from tests.builders import write_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def sheet_xml(rows: str, *, before: str = "") -> str:
    return f'{HEAD}{before}<worksheet xmlns="{MAIN}" xmlns:r="{DOC}"><sheetData>{rows}</sheetData></worksheet>'


def workbook_parts(sheets: list[tuple[str, str]], *, calc: str = "") -> dict[str, str]:
    """The parts of a minimal workbook, as a spreadsheet program lays them out. Sheet i lives in
    xl/worksheets/part{i}.xml under relationship id rId{10 - i}, so neither order nor names line up
    by accident: the reader has to follow workbook.xml and its relationships."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/part{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(sheets)))
    parts = {
        "[Content_Types].xml": f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": f'{HEAD}<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
        + "".join(f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{10 - i}"/>' for i, (name, _) in enumerate(sheets))
        + f"</sheets>{calc}</workbook>",
        "xl/_rels/workbook.xml.rels": f'{HEAD}<Relationships xmlns="{RELS}">'
        + "".join(f'<Relationship Id="rId{10 - i}" Type="{DOC}/worksheet" Target="worksheets/part{i}.xml"/>'
                  for i in range(len(sheets)))
        + "</Relationships>",
    }
    for i, (_, xml) in enumerate(sheets):
        parts[f"xl/worksheets/part{i}.xml"] = xml
    return parts


def write_workbook(path: Path, sheets: list[tuple[str, str]], **kw) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in workbook_parts(sheets, **kw).items():
            archive.writestr(name, text)
    return path


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand from (name, deflated bytes, declared size, crc): zipfile cannot store data
    compressed elsewhere, and a bomb is far quicker to build from repeated deflate blocks."""
    out = bytearray()
    central = bytearray()
    for name, data, size, crc in members:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(raw_name), 0)
        out += raw_name + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size,
                               len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + eocd))
    return path


def deflated(text: str) -> tuple[bytes, int, int]:
    raw = text.encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(), len(raw), zlib.crc32(raw)


def spaces_bomb(size: int) -> tuple[bytes, int]:
    """Deflated `size` bytes of spaces after a sheet's opening tags: one 1 MiB block, fully flushed so
    that its compressed form repeats, then the end of the stream (crc left 0: it is never inflated)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = (sheet_xml("")[: -len("</sheetData></worksheet>")]).encode()
    head = compressor.compress(start) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b" " * MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = (size - len(start)) // MIB
    return head + block * count + compressor.flush(), len(start) + count * MIB


def bomb_workbook(path: Path, declared: int | None, spaces: int) -> Path:
    data, size = spaces_bomb(spaces)
    members = [(name, *deflated(text)) for name, text in workbook_parts([("Data", "")]).items()
               if not name.startswith("xl/worksheets/")]
    members.append(("xl/worksheets/part0.xml", data, size if declared is None else declared, 0))
    return write_raw_zip(path, members)


def refused(path: Path, *words: str, limits: ReadLimits | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        read_xlsx(path, "Data", limits)
    text = str(caught.value)
    for word in (str(path), *words):
        assert word in text, text
    return caught.value


# --------------------------------------------------------------------------- not a workbook at all
def test_zero_byte_file(tmp_path):
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    refused(path, "empty (0 bytes)", "fetch the file again")


def test_html_page_saved_as_xlsx(tmp_path):
    path = tmp_path / "unduhan.xlsx"
    path.write_text("\n<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Sesi habis</body></html>")
    refused(path, "HTML page saved with an .xlsx name", "Download the real xlsx", "CSV")


def test_password_protected_or_legacy_xls(tmp_path):
    path = tmp_path / "rahasia.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    refused(path, "password-protected", "legacy .xls")


def test_truncated_download(tmp_path):
    path = write_rows(tmp_path / "potong.xlsx", [["NPP", "Jumlah"], ["5320032S0000014", 12]])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused(path, "Could not find EOCD", "truncated")


def test_damaged_xml_keeps_calamines_reason(tmp_path):
    path = write_workbook(tmp_path / "rusak.xlsx", [("Data", sheet_xml('<row r="1"><c r="A1"><v>1</v></row>'))])
    # calamine's own words (the tag), not "Cannot detect file format", and where expat finds it
    refused(path, "xl/worksheets/part0.xml", "damaged (calamine: c; mismatched tag: line 2")


# --------------------------------------------------------------------------- hostile XML and zip bombs
def test_billion_laughs_refused_before_parsing(tmp_path):
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                        for i in range(1, 10))
              + "]>")
    path = write_workbook(tmp_path / "tawa.xlsx",
                          [("Data", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                                              before=laughs))])
    refused(path, "xl/worksheets/part0.xml", "DOCTYPE or ENTITY")


def test_entity_in_any_part_is_refused(tmp_path):
    parts = workbook_parts([("Data", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))])
    path = tmp_path / "gaya.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr("xl/styles.xml", HEAD + '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><styleSheet/>')
    refused(path, "xl/styles.xml", "DOCTYPE or ENTITY")


def test_declaration_hidden_behind_a_long_comment_is_refused(tmp_path):
    before = "<!--" + "x" * 20_000 + '-->\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>'
    path = write_workbook(tmp_path / "sembunyi.xlsx",
                          [("Data", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', before=before))])
    refused(path, "xl/worksheets/part0.xml", "no root element in the first 16 KiB")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def test_zip_bomb_refused_fast_and_small(tmp_path):
    path = bomb_workbook(tmp_path / "bom.xlsx", None, 4_000_000_000)
    assert path.stat().st_size < 5 * MIB  # a 4 MB file ...
    before, start = _peak_rss_mib(), time.perf_counter()
    error = refused(path, "xl/worksheets/part0.xml", "3,814.0 MiB", "1,024.0 MiB")  # ... of 4 GB
    assert time.perf_counter() - start < 1.0
    assert _peak_rss_mib() - before < 300
    assert "IPLM_MAX_MEMBER_MB" in error.expected


def test_bomb_under_the_size_limit_is_refused_by_its_ratio(tmp_path):
    path = bomb_workbook(tmp_path / "bom.xlsx", None, 300 * MIB)
    error = refused(path, "xl/worksheets/part0.xml", "above the limit of 200:1")
    assert "zip bomb" in error.problem


def test_bomb_lying_about_its_size(tmp_path):
    path = bomb_workbook(tmp_path / "bohong.xlsx", 1000, 300 * MIB)  # declares 1000 bytes
    start = time.perf_counter()
    refused(path, "declares 1000 bytes", "cannot inflate to so little")
    assert time.perf_counter() - start < 1.0


def test_cell_far_away_does_not_take_the_process_down(tmp_path):
    # calamine allocates the whole grid up to the farthest cell: here 17 billion cells, an abort.
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    refused(write_workbook(tmp_path / "jauh.xlsx", [("Data", sheet_xml(rows))]), "row 1048576",
            "above the limit of 1000000 rows")


@pytest.mark.parametrize("markup", [
    "<row r='1'><c r='A1'><v>1</v></c><c r='XFD1'><v>2</v></c></row>",  # single quotes
    '<row r="1"><c r="A1"><v>1</v></c><c r = "XFD1"><v>2</v></c></row>',  # spaces around '='
])
def test_far_cell_in_unusual_markup(tmp_path, markup):
    refused(write_workbook(tmp_path / "jauh.xlsx", [("Data", sheet_xml(markup))]), "column 'XFD'",
            "column 16384, above the limit of 500")


@pytest.mark.parametrize("cell", ["<c><v>1</v></c>", '<c t="n"><v>1</v></c>'])
def test_cells_without_reference_widen_the_grid_and_are_counted(tmp_path, cell):
    # A cell without r follows the previous one: one wide row and one far row make a grid calamine cannot hold.
    rows = f'<row r="1">{cell * 16384}</row><row r="999999"><c r="A999999"><v>2</v></c></row>'
    refused(write_workbook(tmp_path / "lebar.xlsx", [("Data", sheet_xml(rows))]), "row 1", "column 'SG'",
            "reaches column 501, above the limit of 500")


def test_cells_without_reference_are_read_in_place(tmp_path):
    rows = '<row><c><v>1</v></c><c t="n"><v>2</v></c></row><row><c r="B2"><v>3</v></c></row>'
    assert read_xlsx(write_workbook(tmp_path / "a.xlsx", [("Data", sheet_xml(rows))])).rows == [[1.0, 2.0],
                                                                                                 ["", 3.0]]


def test_utf16_sheet_is_refused_not_read_as_empty(tmp_path):
    # Valid XML, which calamine returns as an empty sheet (and which byte patterns cannot search).
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in workbook_parts([("Data", "")]).items():
            archive.writestr(name, xml.encode("utf-16") if name == "xl/worksheets/part0.xml" else text)
    refused(path, "xl/worksheets/part0.xml", "UTF-16, which the xlsx reader reads as empty")


def test_member_count_and_total_limits(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [("Data", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))])
    refused(path, "holds 5 members, above the limit of 3", limits=ReadLimits(max_members=3))
    refused(path, "above the limit of 0.0 MiB", "IPLM_MAX_TOTAL_MB", limits=ReadLimits(max_total_bytes=1000))
    refused(path, "above the limit of 0.0 MiB", "IPLM_MAX_FILE_MB", limits=ReadLimits(max_file_bytes=100))


# --------------------------------------------------------------------------- formulas
def test_formula_with_cached_value_reads_as_the_value(tmp_path):
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Jumlah</t></is></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>'
            '<row r="4"><c r="A4"><f>SUM(A2:A3)</f><v>5</v></c></row>'
            '<row r="5"><c r="A5"><f t="shared" ref="A5:A6" si="0">A4*2</f><v>10</v></c></row>'
            '<row r="6"><c r="A6"><f t="shared" si="0"/><v>20</v></c></row>')
    read = read_xlsx(write_workbook(tmp_path / "rumus.xlsx", [("Data", sheet_xml(rows))]))
    assert [r[0] for r in read.rows] == ["Jumlah", 2.0, 3.0, 5.0, 10.0, 20.0]
    assert read.formula_cells_cached == 3
    assert read.notes == [f"{tmp_path / 'rumus.xlsx'}, sheet 'Data': 3 formula cell(s) read as their cached values "
                          "(the values the spreadsheet last computed)"]


def test_formula_without_cached_value_is_a_located_error(tmp_path):
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Wilayah</t></is></c><c r="B1" t="inlineStr"><is><t>2024'
            '</t></is></c></row>'
            + "".join(f'<row r="{n}"><c r="B{n}"><v>{n}</v></c></row>' for n in (2, 3, 4))
            + '<row r="5"><c r="C5"><f>SUM(B2:B4)</f></c></row>')
    error = refused(write_workbook(tmp_path / "skrip.xlsx", [("Data", sheet_xml(rows))]),
                    "row 5", "column 'C'", "formula '=SUM(B2:B4)' has no cached value",
                    "written by a script, not saved by Excel", "Open and save it in Excel/LibreOffice, or export CSV")
    assert (error.location.sheet, error.location.row, error.location.column) == ("Data", 5, "C")


def test_shared_formula_without_value_names_the_masters_formula(tmp_path):
    rows = ('<row r="2"><c r="D2"><f t="shared" ref="D2:D3" si="0">B2*C2</f><v>6</v></c></row>'
            '<row r="3"><c r="D3"><f t="shared" si="0"/></c></row>')
    refused(write_workbook(tmp_path / "bagi.xlsx", [("Data", sheet_xml(rows))]),
            "row 3", "column 'D'", "formula '=B2*C2' has no cached value")


def test_openpyxl_formula_is_refused(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Jumlah", 1, 2])
    sheet["D1"] = "=SUM(B1:C1)"  # openpyxl stores the formula and no value
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)
    refused(path, "column 'D'", "formula '=SUM(B1:C1)' has no cached value")


def test_parsing_stops_on_a_formula_without_value(tmp_path):
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>NPP</t></is></c></row><row r="2"><c r="A2"><f>1+1</f></c></row>'
    path = write_workbook(tmp_path / "skrip.xlsx", [("Data", sheet_xml(rows))])
    with pytest.raises(SourceError, match="row 2, column 'A': formula '=1\\+1' has no cached value"):
        read_grid(path, lambda cells: "NPP" in cells, expected="a header with NPP")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_saving_in_libreoffice_is_the_fix_the_error_names(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in (["Wilayah", "2024"], ["Kupang", 3], ["Alor", 4], ["Jumlah", "=SUM(B2:B3)"]):
        sheet.append(row)
    scripted = tmp_path / "skrip.xlsx"
    book.save(scripted)
    refused(scripted, "row 4", "formula '=SUM(B2:B3)' has no cached value", "Excel/LibreOffice")
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(tmp_path / "saved"),
                    str(scripted)], check=True, capture_output=True, timeout=180,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    read = read_xlsx(tmp_path / "saved" / "skrip.xlsx", "Data")
    assert [r[1] for r in read.rows] == ["2024", 3.0, 4.0, 7.0]
    assert read.formula_cells_cached == 1


def test_values_stored_by_a_program_that_asks_for_recalculation_are_refused(tmp_path):
    # xlsxwriter writes 0 as every formula's value and asks the spreadsheet to recalculate on opening.
    rows = '<row r="1"><c r="A1"><v>4</v></c><c r="B1"><f>A1*2</f><v>0</v></c></row>'
    path = write_workbook(tmp_path / "xw.xlsx", [("Data", sheet_xml(rows))],
                          calc='<calcPr calcId="124519" fullCalcOnLoad="1"/>')
    refused(path, "1 formula cell(s)", "fullCalcOnLoad")


def test_formula_in_a_prefixed_sheet_is_found(tmp_path):
    # calamine reads elements by local name, as .NET writers' <x:worksheet> sheets need.
    xml = (f'{HEAD}<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c>'
           '<x:c r="B1"><x:f>A1*2</x:f></x:c></x:row></x:sheetData></x:worksheet>')
    refused(write_workbook(tmp_path / "awalan.xlsx", [("Data", xml)]), "column 'B'", "formula '=A1*2'")


def test_formulas_are_looked_for_in_the_sheet_read_only(tmp_path):
    plain = sheet_xml('<row r="1"><c r="A1"><v>7</v></c></row>')
    scripted = sheet_xml('<row r="1"><c r="A1"><f>1+1</f></c></row>')
    path = write_workbook(tmp_path / "dua.xlsx", [("Petunjuk", scripted), ("Data", plain)])
    read = read_xlsx(path, "Data")
    assert (read.name, read.rows, read.member) == ("Data", [[7.0]], "xl/worksheets/part1.xml")
    with pytest.raises(SourceError, match="formula '=1\\+1'"):
        read_xlsx(path, "Petunjuk")


# --------------------------------------------------------------------------- the grid read
def test_rows_columns_and_cell_length_limits(tmp_path):
    path = write_rows(tmp_path / "besar.xlsx", [["NPP", "Jumlah", "Nama"], ["a", 1, "x" * 40], ["b", 2, "y"]],
                      sheet="Data")
    refused(path, "row 3", "reaches row 3, above the limit of 2 rows", limits=ReadLimits(max_rows=2))
    refused(path, "column 'C'", "reaches column 3, above the limit of 2 columns", limits=ReadLimits(max_columns=2))
    refused(path, "row 2", "column 'C'", "holds 40 characters, above the limit of 39",
            limits=ReadLimits(max_cell_chars=39))
    assert len(read_xlsx(path, "Data", ReadLimits(max_rows=3, max_columns=3, max_cell_chars=40)).rows) == 3


def test_limits_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IPLM_MAX_FILE_MB", "0.5")
    monkeypatch.setenv("IPLM_MAX_ROWS", "2")
    monkeypatch.setenv("IPLM_MAX_RATIO", "50")
    limits = ReadLimits.from_env()
    assert (limits.max_file_bytes, limits.max_rows, limits.max_ratio) == (MIB // 2, 2, 50.0)
    assert limits.max_columns == ReadLimits().max_columns
    path = write_rows(tmp_path / "a.xlsx", [["NPP"], ["a"], ["b"]], sheet="Data")
    refused(path, "above the limit of 2 rows")  # read_xlsx reads the environment when given no limits
    monkeypatch.setenv("IPLM_MAX_ROWS", "banyak")
    with pytest.raises(IplmError, match="IPLM_MAX_ROWS='banyak' is not a positive number"):
        ReadLimits.from_env()


def test_normal_workbook_reads_exactly(tmp_path):
    grid = [["Daftar Perpustakaan"], [], ["NPP", "Jumlah", "Rata", "Tanggal"],
            ["5320032S0000014", 12, 12.5, "2024-05-06"], ["5320032S0000015", 0, None, ""]]
    path = write_rows(tmp_path / "biasa.xlsx", grid, sheet="Data Perpustakaan", sheets_before=("Petunjuk",))
    read = read_xlsx(path, "Data Perpustakaan")
    assert read.rows == [["Daftar Perpustakaan", "", "", ""], ["", "", "", ""],
                         ["NPP", "Jumlah", "Rata", "Tanggal"],
                         ["5320032S0000014", 12.0, 12.5, "2024-05-06"], ["5320032S0000015", 0.0, "", ""]]
    assert (read.formula_cells_cached, read.notes, read.merged_ranges) == (0, [], [])
    table = read_grid(path, lambda cells: "NPP" in cells, expected="a header with NPP", sheet="Data Perpustakaan")
    assert table.sheet == "Data Perpustakaan"


def test_merged_header_cells_are_exposed(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Kabupaten/Kota", "Jumlah Penduduk", None])
    sheet.append([None, "2023", "2024"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    path = tmp_path / "gabung.xlsx"
    book.save(path)
    read = read_xlsx(path)
    assert sorted(read.merged_refs()) == ["A1:A2", "B1:C1"]
    assert read.rows[0] == ["Kabupaten/Kota", "Jumlah Penduduk", ""]  # values stay where calamine puts them
