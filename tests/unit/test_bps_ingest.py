"""BPS indicator tables (SOURCES.md §1): layout quirks, units, markers, located errors."""

import pytest

from iplm_pipeline.defs.bps.ingest import read_bps_table
from iplm_pipeline.errors import RegionError, SourceErrors
from iplm_pipeline.regions import load_regions
from tests.builders import bps_table, write_rows

TITLE = "Jumlah Penduduk Menurut Kabupaten/Kota di Provinsi Nusa Tenggara Timur"


def read(path, year=2022, indicator="penduduk"):
    return read_bps_table(path, indicator, year, load_regions(), path.name)


def values(table):
    return {r["region_text"]: r["value"] for r in table.rows if not r["is_aggregate"]}


@pytest.mark.parametrize(("title", "unit_row", "header"), [
    (TITLE.replace("Kota di", "Kota (Ribu Jiwa) di"), None, "Kabupaten/Kota"),
    (TITLE, "Satuan: Ribu Jiwa", "Kabupaten/Kota"),
    (TITLE, None, "Wilayah (Ribu)"),
])
def test_ribu_tables_are_multiplied_by_1000(tmp_path, title, unit_row, header):
    grid = bps_table(title, [2021, 2022], [("Sabu Raijua", ["92,10", "93,33"]), ("Kota Kupang", ["1,00", "466,63"])],
                     unit_row=unit_row, region_header=header)
    table = read(write_rows(tmp_path / "p.csv", grid, delimiter=";"))
    assert table.unit_multiplier == 1000
    assert values(table) == {"Sabu Raijua": 93_330, "Kota Kupang": 466_630}


@pytest.mark.parametrize("aggregate", ["Nusa Tenggara Timur", "Provinsi Nusa Tenggara Timur", "Jumlah", "Total",
                                       "NUSA TENGGARA TIMUR"])
def test_aggregate_row_is_flagged_not_an_input(tmp_path, aggregate):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1.000"]), ("Kota Kupang", ["2.000"]), (aggregate, ["3.001"])],
                     footnotes=("Sumber: BPS", "Catatan: angka sementara"))
    table = read(write_rows(tmp_path / "p.csv", grid))
    agg = [r for r in table.rows if r["is_aggregate"]]
    assert [(r["value"], r["bps_code"]) for r in agg] == [(3001, "53")]
    assert values(table) == {"Kupang": 1000, "Kota Kupang": 2000}
    assert [f["reason"] for f in table.footnotes] == ["footnote", "footnote"]
    assert table.rows_read == len(table.rows) + len(table.footnotes)


def test_kupang_is_the_regency_and_kota_kupang_the_city(tmp_path):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1"]), ("Kota Kupang", ["2"]), ("Kab. Sabu Raijua", ["3"])])
    table = read(write_rows(tmp_path / "p.xlsx", grid))
    assert {r["region_text"]: r["bps_code"] for r in table.rows} == {
        "Kupang": "5303", "Kota Kupang": "5371", "Kab. Sabu Raijua": "5320"}


def test_markers_nihil_is_zero_and_not_available_is_missing(tmp_path):
    grid = bps_table(TITLE, [2021, 2022], [("Kupang", ["…", "-"]), ("Kota Kupang", ["1", "NA"]),
                                           ("Sabu Raijua", ["2", "x"]), ("Alor", ["3", ""]), ("Belu", ["4", "–"])])
    table = read(write_rows(tmp_path / "p.csv", grid))
    status = {r["region_text"]: r["value_status"] for r in table.rows}
    assert status == {"Kupang": "nihil", "Kota Kupang": "missing", "Sabu Raijua": "missing", "Alor": "missing",
                      "Belu": "nihil"}
    assert values(table)["Kupang"] == 0


def test_province_from_aggregate_row_when_title_has_none(tmp_path):
    grid = bps_table("Jumlah Sekolah", [2022], [("Kupang", ["1"]), ("Nusa Tenggara Timur", ["1"])])
    assert read(write_rows(tmp_path / "p.csv", grid), indicator="sekolah").province.kemendagri_code == "53"


def test_missing_reference_year_column_is_noted(tmp_path):
    grid = bps_table(TITLE, [2020, 2021], [("Kupang", ["1", "2"])])
    table = read(write_rows(tmp_path / "p.csv", grid))
    assert all(r["value"] is None for r in table.rows)
    assert "BPS year 2022 is not a column" in table.notes[0]


def test_bad_number_is_a_located_error(tmp_path):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1"]), ("Kota Kupang", ["12.5"])])
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "p.csv", grid))
    assert "p.csv, row 5, column '2022': '12.5' is not a number; expected an Indonesian number" in str(err.value)


def test_unknown_and_repeated_regions_are_located_errors(tmp_path):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1"]), ("Kupang Baru", ["1"]), ("Kab. Kupang", ["2"])])
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "p.csv", grid))
    text = str(err.value)
    assert "row 5, column 'Kabupaten/Kota': unknown regency name 'Kupang Baru' in Provinsi Nusa Tenggara Timur" in text
    assert "row 6, column 'Kabupaten/Kota': 'Kab. Kupang' is Kabupaten Kupang, already given in row 4" in text
    assert all(isinstance(e, RegionError) or "already given" in str(e) for e in err.value.errors)


def test_unknown_province_in_title_is_an_error(tmp_path):
    grid = bps_table("Jumlah Penduduk di Provinsi Atlantis", [2022], [("Kupang", ["1"])])
    with pytest.raises(Exception, match="the title names province 'Atlantis'"):
        read(write_rows(tmp_path / "p.csv", grid))
