"""Published report tables (SOURCES.md §3): decimal comma, page breaks, area levels."""

import pytest

from iplm_pipeline.defs.terbitan.ingest import load_published_year, read_published_table
from iplm_pipeline.errors import SourceError, SourceErrors
from iplm_pipeline.regions import load_regions
from tests.builders import PUBLISHED_HEADER, write_rows

ROW = ["0,4712", "0,4000", "0,8840", "0,0563", "0,3646", "0,0107", "1,0000", "45,52"]


def read(path):
    return read_published_table(path, load_regions(), path.name)


def test_levels_page_breaks_and_decimal_comma(tmp_path):
    grid = [["Tabel 44 Rekapitulasi UPLM Per Kab/Kota"], [], PUBLISHED_HEADER,
            ["INDONESIA", *ROW], ["PROVINSI NUSA TENGGARA TIMUR", *ROW], ["Kab. Sabu Raijua", *ROW],
            ["Tabel 44 (lanjutan)"], PUBLISHED_HEADER, ["Kupang", *ROW], ["Kota Kupang", *ROW],
            ["Provinsi Gorontalo", *ROW], ["Gorontalo", *ROW]]
    table = read(write_rows(tmp_path / "t.csv", grid, delimiter=";"))
    rows = table.rows
    assert [[r["level"], r["bps_code"]] for r in rows] == [
        ["national", "00"], ["province", "53"], ["regency", "5320"], ["regency", "5303"], ["regency", "5371"],
        ["province", "75"], ["regency", "7502"]]  # 'Gorontalo' under its province row is the kabupaten
    assert rows[2]["uplm1"] == 0.4712 and rows[2]["iplm"] == 45.52
    assert [n["detail"] for n in table.notes] == ["Tabel 44 (lanjutan)"]
    assert table.rows_read == len(rows) + len(table.notes)  # the repeated header is not a record
    assert table.blank_rows == 1


def test_header_variants_and_missing_columns(tmp_path):
    header = ["Wilayah", "UPLM 1", "UPLM 2", "UPLM 3", "UPLM 4", "UPLM 5", "UPLM 6", "UPLM 7", "IPLM"]
    assert len(read(write_rows(tmp_path / "a.csv", [header, ["Kab. Alor", *ROW]])).rows) == 1
    with pytest.raises(SourceError, match="header lacks UPLM7, IPLM"):
        read(write_rows(tmp_path / "b.csv", [header[:-2], ["Kab. Alor", *ROW[:-2]]]))


def test_bad_value_and_unknown_area_are_located(tmp_path):
    grid = [PUBLISHED_HEADER, ["Kab. Alor", "0.4712", *ROW[1:]], ["Kab. Atlantis", *ROW]]
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "t.csv", grid))
    text = str(err.value)
    assert "t.csv, row 2, column 'UPLM1': '0.4712' is not a number" in text
    assert "t.csv, row 3, column 'PROVINSI/KAB/ KOTA': unknown regency name 'Kab. Atlantis'" in text


def test_same_table_twice_is_deduplicated_but_different_figures_are_an_error(tmp_path):
    folder = tmp_path / "terbitan" / "2024"
    write_rows(folder / "a.csv", [PUBLISHED_HEADER, ["Kab. Alor", *ROW]])
    write_rows(folder / "b.xlsx", [PUBLISHED_HEADER, ["Kab. Alor", *ROW]])
    loaded = load_published_year(tmp_path, 2024, load_regions())
    assert len(loaded.rows) == 1 and loaded.quarantine["reason"].tolist() == ["duplicate_identical"]
    assert loaded.ledger["rows_read"].tolist() == [1, 1]
    write_rows(folder / "c.csv", [PUBLISHED_HEADER, ["Kab. Alor", *ROW[:-1], "45,53"]])
    with pytest.raises(SourceError, match="'Kab. Alor' is published with other figures"):
        load_published_year(tmp_path, 2024, load_regions())
