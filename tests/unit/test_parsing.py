"""Indonesian number/date conventions and file reading (SOURCES.md: CSV flavours, XLSX, title rows)."""

import datetime as dt

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iplm_pipeline.errors import IplmError, SourceError
from iplm_pipeline.parsing import NumberKind, cell_text, parse_number, read_frame, read_grid
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
    ("2024-03-15 10:00:00", dt.date(2024, 3, 15)), ("45366", dt.date(2024, 3, 15)),  # an Excel serial day
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
    with pytest.raises(IplmError, match="returned 2 rows below the header where the file has 3 lines"):
        read_frame(path, _is_header, expected="x")
