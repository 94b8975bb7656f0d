"""Indonesian number/date conventions and file reading (SOURCES.md: CSV flavours, XLSX, title rows)."""

import datetime as dt
import re

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iplm_pipeline.errors import IplmError, SourceError
from iplm_pipeline.parsing import (
    MAX_CELL_CHARS,
    NumberKind,
    cell_text,
    header_key,
    list_source_files,
    parse_number,
    read_frame,
    read_grid,
    read_rows,
)
from iplm_pipeline.warehouse import run_sql
from tests.builders import write_rows


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("1.469.843", NumberKind.NUMBER, 1_469_843),
    ("93,33", NumberKind.NUMBER, 93.33),
    ("1.250", NumberKind.NUMBER, 1250),  # a dot groups thousands, it is never a decimal mark
    ("12,5", NumberKind.NUMBER, 12.5),
    ("-12", NumberKind.NUMBER, -12),
    ("  7 ", NumberKind.NUMBER, 7),
    ("-", NumberKind.NIHIL, 0),
    ("–", NumberKind.NIHIL, 0),
    ("…", NumberKind.MISSING, None),
    ("...", NumberKind.MISSING, None),
    ("NA", NumberKind.MISSING, None),
    ("x", NumberKind.MISSING, None),
    ("", NumberKind.MISSING, None),
    ("12.5", NumberKind.INVALID, None),  # neither a thousands group nor a decimal comma
    ("1,250.00", NumberKind.INVALID, None),
    ("abc", NumberKind.INVALID, None),
    (1250.0, NumberKind.NUMBER, 1250),  # native xlsx numbers pass through
    (93.33, NumberKind.NUMBER, 93.33),
])
def test_parse_number(text, kind, value):
    assert parse_number(text) == (kind, None if value is None else float(value))


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    run_sql(con, "staging/macros.sql")
    yield con
    con.close()


def sql_number(con, text):
    """(value, invalid) as the library typing SQL computes them: on id_compact'ed text."""
    return con.execute("SELECT n, id_number_invalid(c, n) FROM (SELECT c, id_number(c) AS n "
                       "FROM (SELECT id_compact(?) AS c))", [text]).fetchone()


NUMBER_TEXTS = st.one_of(
    st.sampled_from(["1.469.843", "93,33", "-", "–", "—", "", "NA", "n/a", "x", "…", "...", "12.5", "1,250.00",
                     " 1.250 ", "1\u00a0250", "+7", "-0,5", "abc", "1..2", ".5", "5,"]),
    st.from_regex(r"[ +\-]?[0-9.,]{0,12}", fullmatch=True),
    st.text(alphabet="0123456789.,- xNA", max_size=10))


@given(NUMBER_TEXTS)
def test_sql_macros_and_python_read_numbers_alike(sql, text):
    """Big exports are typed by SQL macros, small tables by parse_number: one grammar."""
    kind, value = parse_number(text)
    sql_value, sql_invalid = sql_number(sql, text)
    assert sql_invalid == (kind is NumberKind.INVALID)
    assert sql_value == value


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_indonesian_formatting_round_trips(sql, whole, cents):
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    assert parse_number(text) == (NumberKind.NUMBER, pytest.approx(whole + cents / 100))
    assert sql_number(sql, text) == (pytest.approx(whole + cents / 100), False)


@pytest.mark.parametrize(("text", "date"), [
    ("15/03/2024", dt.date(2024, 3, 15)), ("5/3/2024", dt.date(2024, 3, 5)), ("2024-03-15", dt.date(2024, 3, 15)),
    ("2024-03-15 10:00:00", dt.date(2024, 3, 15)),
    ("45366", None), ("2024", None), ("202403", None),  # numbers are no dates (xlsx dates arrive as text)
    ("31/02/2024", None), ("maret", None), ("", None),
])
def test_sql_dates_accept_the_three_forms(sql, text, date):
    assert sql.execute("SELECT id_date(trim(?))", [text]).fetchone()[0] == date


@pytest.mark.parametrize(("value", "text"), [
    (1250.0, "1250"), (12.5, "12,5"), (93.33, "93,33"), (dt.date(2024, 3, 15), "2024-03-15"),
    (dt.datetime(2024, 3, 15), "2024-03-15"), (None, ""), (" a\u00a0", "a"),
])
def test_native_xlsx_cells_read_as_the_sources_notation(value, text):
    assert cell_text(value) == text
    if isinstance(value, float):
        assert parse_number(text) == (NumberKind.NUMBER, value)


def _is_header(cells):
    return bool(cells) and cells[0] == "NPP"


@pytest.mark.parametrize(("delimiter", "encoding", "newline"), [
    (",", "utf-8", "\n"), (";", "utf-8", "\r\n"), (";", "utf-8-sig", "\n"), (",", "cp1252", "\r\n"),
])
def test_csv_flavours_read_alike(tmp_path, delimiter, encoding, newline):
    path = write_rows(tmp_path / "a.csv", [["Data Perpustakaan"], [], ["NPP", "Nama", "Jumlah"],
                                           ["1", "Café Baca", "1.250,5"], [], ["2", "Taman \"Nusa\"", "3"]],
                      delimiter=delimiter, encoding=encoding, newline=newline)
    grid = read_grid(path, _is_header, expected="a NPP header")
    frame = read_frame(path, _is_header, expected="a NPP header")
    for table in (grid, frame):
        assert table.header == ["NPP", "Nama", "Jumlah"]
        assert table.header_row == 3
        assert table.preamble == ["Data Perpustakaan"]
        assert table.blank_rows == 1  # row 5
    # spreadsheet row numbers; the blank row 5 is skipped
    assert grid.rows == [(4, ["1", "Café Baca", "1.250,5"]), (6, ["2", 'Taman "Nusa"', "3"])]
    assert list(frame.data.index) == [4, 6]
    assert frame.data.values.tolist() == [row for _, row in grid.rows]


def test_quoted_newline_is_one_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('NPP,Nama\n1,"two\nlines"\n2,b\n', encoding="utf-8")
    assert read_grid(path, _is_header, expected="x").rows == [(2, ["1", "two\nlines"]), (3, ["2", "b"])]


def test_xlsx_prefers_named_sheet_and_reads_cells_as_text(tmp_path):
    path = write_rows(tmp_path / "a.xlsx", [["Judul"], ["NPP", "Jumlah", "Rata"], ["5320032S0000014", 12.0, 12.5]],
                      sheet="Data Perpustakaan", sheets_before=("Petunjuk",))
    for read in (read_grid, read_frame):
        table = read(path, _is_header, expected="x", sheet="Data Perpustakaan")
        assert table.sheet == "Data Perpustakaan"
        cells = table.rows[0][1] if table.rows else table.data.loc[3].tolist()
        assert cells == ["5320032S0000014", "12", "12,5"]


def test_missing_header_is_a_located_error(tmp_path):
    path = write_rows(tmp_path / "a.csv", [["no header here"], ["1", "2"]])
    with pytest.raises(SourceError, match=r"a\.csv: no header row in the first 60 rows; expected a NPP header"):
        read_grid(path, _is_header, expected="a NPP header")


@pytest.mark.parametrize("read", [read_grid, read_frame])
def test_value_right_of_header_is_a_located_error(tmp_path, read):
    path = write_rows(tmp_path / "a.csv", [["NPP", "Jumlah"], ["1", "2"], ["3", "4", "stray"]])
    with pytest.raises(SourceError, match=r"a\.csv, row 3, column '#3': a value 'stray'"):
        read(path, _is_header, expected="x")


def test_undecodable_bytes_are_reported(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"NPP,Nama\n1,\x81\x8d\x8f\x90\x9d\n")  # undefined in Windows-1252 too
    with pytest.raises(SourceError, match="UTF-8"):
        read_grid(path, _is_header, expected="x")


def test_rows_lost_by_the_csv_reader_are_caught(tmp_path, monkeypatch):
    path = write_rows(tmp_path / "a.csv", [["NPP", "Nama"], ["1", "a"], ["2", "b"], ["3", "c"]], newline="\r\n")
    assert len(read_frame(path, _is_header, expected="x").data) == 3
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: real(*a, **k).iloc[:-1])  # a reader dropping a row
    with pytest.raises(IplmError, match="returned 2 rows below the header where the file has 3 records"):
        read_frame(path, _is_header, expected="x")


# --------------------------------------------------------------------------- exact CSV records
def _library_lines(n: int) -> list[str]:
    return [f"{i},5320032S{i:07d},Perpustakaan {i},Sekolah" for i in range(1, n + 1)]


HEADER_LINE = "No,NPP,Nama,Jenis"


def _npp_header(cells):
    return "NPP" in cells


@pytest.mark.parametrize("read", [read_grid, read_frame])
def test_stray_quotes_500_lines_apart_are_refused_at_their_start(tmp_path, read):
    """PITFALLS: pandas joined these 500 lines into one name, exit 0. Here: the row and the span."""
    lines = _library_lines(1000)
    lines[99] = '100,5320032S0000100,"Perpustakaan 100,Sekolah'   # opens a quote (file line 101, row 101)
    lines[599] = '600,5320032S0000600,Perpustakaan 600",Sekolah'  # ... closed 500 lines below
    path = tmp_path / "a.csv"
    path.write_text("\n".join([HEADER_LINE, *lines]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"a\.csv, row 101, column 'Nama': a quoted cell starting in this row "
                                          r"\(line 101 of the file\) runs over 501 lines to line 601"):
        read(path, _npp_header, expected="x")


def test_stray_quote_swallowing_one_row_is_refused(tmp_path):
    lines = _library_lines(5)
    lines[1] = '2,5320032S0000002,"Perpustakaan 2,Sekolah'
    lines[2] = '3,5320032S0000003,Perpustakaan 3",Sekolah'
    path = tmp_path / "a.csv"
    path.write_text("\n".join([HEADER_LINE, *lines]) + "\n", encoding="utf-8")
    for read in (read_grid, read_frame):
        with pytest.raises(SourceError, match=r"row 3, column 'Nama': .* runs over 2 lines .* holds the delimiter"):
            read(path, _npp_header, expected="x")


def test_short_multiline_cell_rules(tmp_path):
    """A line break inside a cell is kept when short and free of the delimiter; a library export
    (read_frame) refuses one with the delimiter on a following line, a small table accepts it."""
    path = tmp_path / "a.csv"
    path.write_text('No,NPP,Nama,Jenis\n1,5320032S0000001,"Taman\nBaca",Umum\n2,5320032S0000002,b,Umum\n',
                    encoding="utf-8")
    assert read_frame(path, _npp_header, expected="x").data.loc[2].tolist() == ["1", "5320032S0000001",
                                                                                "Taman\nBaca", "Umum"]
    assert list(read_frame(path, _npp_header, expected="x").data.index) == [2, 3]
    path.write_text('No,NPP,Nama,Jenis\n1,5320032S0000001,"Jl. Merdeka\nKupang, NTT",Umum\n', encoding="utf-8")
    assert read_grid(path, _npp_header, expected="x").rows[0][1][2] == "Jl. Merdeka\nKupang, NTT"
    with pytest.raises(SourceError, match="holds the delimiter ',' on a following line"):
        read_frame(path, _npp_header, expected="x")
    path.write_text('No,NPP,Nama,Jenis\n1,5320032S0000001,"a\nb\nc\nd",Umum\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"runs over 4 lines to line 5 \(a cell may span at most 3\)"):
        read_frame(path, _npp_header, expected="x")


@pytest.mark.parametrize("read", [read_grid, read_frame])
def test_oversized_cell_is_a_located_error(tmp_path, read):
    path = tmp_path / "a.csv"
    lines = _library_lines(3)
    lines[1] = f'2,5320032S0000002,"{"x" * (MAX_CELL_CHARS + 10)}",Sekolah'
    path.write_text("\n".join([HEADER_LINE, *lines]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"a\.csv, row 3, column 'Nama': a cell starting in this row \(line 3 of "
                                          r"the file\) is longer than 32,767 characters; expected"):
        read(path, _npp_header, expected="x")


def test_unclosed_quote_to_the_end_of_the_file_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    lines = _library_lines(30)
    lines[9] = '10,5320032S0000010,"Perpustakaan 10,Sekolah'
    path.write_text("\n".join([HEADER_LINE, *lines]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"row 11, column 'Nama': a quoted cell starting in this row"):
        read_frame(path, _npp_header, expected="x")


def test_lone_carriage_return_is_a_located_error_and_cr_only_files_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"No,NPP,Nama\n1,5320032S0000001,Taman\rBaca\n2,5320032S0000002,b\n")
    for read in (read_grid, read_frame):
        with pytest.raises(SourceError, match=r"a carriage return \(CR\) not followed by LF in line 2, after "
                                              r"'1,5320032S0000001,Taman'"):
            read(path, _npp_header, expected="x")
    path.write_bytes(b"No,NPP,Nama\r1,5320032S0000001,a\r2,5320032S0000002,b\r")  # old Mac line ends
    table = read_frame(path, _npp_header, expected="x")
    assert list(table.data.index) == [2, 3] and "CR alone" in table.read_notes[0]
    path.write_bytes(b"No,NPP,Nama\r\n1,5320032S0000001,\"two\r\nlines\"\r\n")  # CRLF inside a cell: fine
    assert read_grid(path, _npp_header, expected="x").rows == [(2, ["1", "5320032S0000001", "two\nlines"])]


@pytest.mark.parametrize("reader", ["grid", "frame", "rows"])
def test_nul_byte_is_a_located_error(tmp_path, reader):
    path = tmp_path / "a.csv"
    path.write_bytes(b"No,NPP,Nama\n1,5320032S0000001,a\n2,5320032S0000002,b\x00c\n")
    with pytest.raises(SourceError, match=r"a NUL byte \(\\x00\) in line 3"):
        {"grid": lambda: read_grid(path, _npp_header, expected="x"),
         "frame": lambda: read_frame(path, _npp_header, expected="x"), "rows": lambda: read_rows(path)}[reader]()


def test_read_rows_counts_records_exactly_and_refuses_stray_quotes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Judul\nKabupaten/Kota,2022\nSumba,"1\nCatatan: baris\n2"\nAlor,3\n', encoding="utf-8")
    assert [n for n, _ in read_rows(path).rows] == [1, 2, 3, 4]
    lines = ["Kabupaten/Kota,2021,2022", *[f"Kab {i},{i},{i}" for i in range(40)]]
    lines[3] = 'Kab 2,"2,2'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"row 4, column '#2': a quoted cell starting in this row"):
        read_rows(path)


# --------------------------------------------------------------------------- encodings
def test_mostly_utf8_file_decodes_bad_lines_as_cp1252_and_names_them(tmp_path):
    path = tmp_path / "a.csv"
    lines = ["No,NPP,Nama", "1,5320032S0000001,Désa Oebelo", "2,5320032S0000002,Café"]
    raw = ("\n".join(lines) + "\n").encode("utf-8") + "3,5320032S0000003,Perpustakaan Désa\n".encode("cp1252")
    path.write_bytes(raw)
    table = read_frame(path, _npp_header, expected="x")
    assert table.data[2].tolist() == ["Désa Oebelo", "Café", "Perpustakaan Désa"]  # no 'DÃ©sa'
    assert table.read_notes == ["1 line(s) not UTF-8, read as Windows-1252: line 4"]


def test_wholly_cp1252_file_stays_cp1252(tmp_path):
    path = write_rows(tmp_path / "a.csv", [["NPP", "Nama"], ["1", "Désa"], ["2", "Café"]], encoding="cp1252")
    table = read_frame(path, _is_header, expected="x")
    assert table.data[1].tolist() == ["Désa", "Café"] and table.read_notes == []


def test_utf16_with_bom_reads(tmp_path):
    path = write_rows(tmp_path / "a.csv", [["NPP", "Nama"], ["1", "Désa"]], delimiter="\t", encoding="utf-16")
    assert read_grid(path, _is_header, expected="x").rows == [(2, ["1", "Désa"])]


# --------------------------------------------------------------------------- source folders
def test_source_folder_refuses_what_it_cannot_read(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "b.xlsx").write_text("x")
    for name in ("~$b.xlsx", ".~lock.b.xlsx#", ".DS_Store", "Thumbs.db"):
        (tmp_path / name).write_text("x")
    notes: list[str] = []
    assert [p.name for p in list_source_files(tmp_path, notes)] == ["a.csv", "b.xlsx"]
    assert len(notes) == 4 and all("set aside" in n for n in notes)
    (tmp_path / "c.xlsm").write_text("x")
    notes = []
    assert [p.name for p in list_source_files(tmp_path, notes)] == ["a.csv", "b.xlsx", "c.xlsm"]
    assert any("macros ignored" in n for n in notes)
    for name, hint in (("d.xls", "save it as .xlsx"), ("d.ods", "save it as .xlsx"), ("d.zip", "Unpack it"),
                       ("d.numbers", "Export it from Numbers"), ("d.txt", "Save it as .xlsx or .csv"),
                       ("README", "Save it as .xlsx or .csv")):
        (tmp_path / name).write_text("x")
        with pytest.raises(SourceError, match=rf"{re.escape(name)}: a file of type .* {hint}"):
            list_source_files(tmp_path)
        (tmp_path / name).unlink()
    (tmp_path / "old").mkdir()
    with pytest.raises(SourceError, match=r"old: a subfolder in a source folder"):
        list_source_files(tmp_path)


def test_header_key_ignores_case_spaces_nbsp_and_zero_width():
    assert header_key(" Jumlah\u00a0 Koleksi\u200b  EKSEMPLAR ") == "jumlah koleksi eksemplar"


def test_oversized_cell_without_any_quote_is_located_too(tmp_path):
    """The quote-free fast count (lines are records) still refuses a cell over the limit."""
    path = tmp_path / "a.csv"
    path.write_text("NPP,Nama\n1,a\n2," + "x" * (MAX_CELL_CHARS + 1) + "\n3,c\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"a\.csv, row 3, column 'Nama': a cell .* longer than 32,767"):
        read_frame(path, _is_header, expected="x")
    path.write_text("NPP,Nama\n1,a\n\n2,b", encoding="utf-8")  # a blank line, no final line end
    table = read_frame(path, _is_header, expected="x")
    assert list(table.data.index) == [2, 4] and table.blank_rows == 1


@pytest.mark.parametrize("reader", ["grid", "frame", "rows"])
def test_huge_cell_in_a_title_row_is_located_not_a_crash(tmp_path, reader):
    """Head rows are parsed without a size limit (to find the header); the record check names it."""
    path = tmp_path / "a.csv"
    path.write_text('Judul,"' + "x" * 140_000 + '"\nNPP,Nama\n1,a\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"a\.csv, row 1, column '#2': a cell .* longer than 32,767"):
        {"grid": lambda: read_grid(path, _is_header, expected="x"),
         "frame": lambda: read_frame(path, _is_header, expected="x"), "rows": lambda: read_rows(path)}[reader]()
