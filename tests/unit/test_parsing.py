"""Indonesian number/date conventions and file reading (SOURCES.md: CSV flavours, XLSX, title rows)."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iplm_pipeline.errors import SourceError
from iplm_pipeline.parsing import NumberKind, cell_text, parse_dates, parse_number, parse_numbers, read_frame, read_grid
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


def test_parse_numbers_matches_scalar_parser():
    cells = pd.Series(["1.469.843", "93,33", "-", "", "NA", "abc", None, "7", "12,5", " 1.250 "], dtype=object)
    values, invalid = parse_numbers(cells)
    for cell, v, bad in zip(cells, values, invalid, strict=True):
        kind, expected = parse_number(cell)
        assert bad == (kind is NumberKind.INVALID)
        assert (pd.isna(v) and expected is None) or v == expected


@pytest.mark.parametrize(("value", "text"), [
    (1250.0, "1250"), (12.5, "12,5"), (93.33, "93,33"), (dt.date(2024, 3, 15), "2024-03-15"),
    (dt.datetime(2024, 3, 15), "2024-03-15"), (None, ""), (" a\u00a0", "a"),
])
def test_native_xlsx_cells_read_as_the_sources_notation(value, text):
    assert cell_text(value) == text
    if isinstance(value, float):
        assert parse_number(text) == (NumberKind.NUMBER, value)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_indonesian_formatting_round_trips(whole, cents):
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    values, invalid = parse_numbers(pd.Series([text], dtype="str"))
    assert not invalid.iloc[0]
    assert values.iloc[0] == pytest.approx(whole + cents / 100)


def test_parse_dates_accepts_the_three_forms_and_flags_others():
    cells = pd.Series(["15/03/2024", "2024-03-15", cell_text(dt.datetime(2024, 3, 15, 10, 0)), "45366",
                       "", "31/02/2024", "maret"], dtype=object)
    dates, invalid = parse_dates(cells)
    assert list(dates[:4]) == [pd.Timestamp("2024-03-15")] * 4  # 45366 is an Excel serial day
    assert pd.isna(dates.iloc[4]) and not invalid.iloc[4]  # empty = not reported
    assert list(invalid[5:]) == [True, True]


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
