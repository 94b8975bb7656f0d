"""BPS indicator tables (SOURCES.md §1): the four layouts, years, units, notations, located errors."""

import pytest

from iplm_pipeline.defs.bps.ingest import read_bps_table
from iplm_pipeline.errors import RegionError, SourceError, SourceErrors
from iplm_pipeline.regions import load_regions
from tests.builders import bps_table, write_rows

TITLE = "Jumlah Penduduk Menurut Kabupaten/Kota di Provinsi Nusa Tenggara Timur"


def read(path, indicator="penduduk", **kw):
    return read_bps_table(path, indicator, load_regions(), path.name, **kw)


def values(table, period="2022"):
    return {r["region_text"]: r["value"] for r in table.rows if not r["is_aggregate"] and r["bps_period"] == period}


@pytest.mark.parametrize(("title", "unit_row", "header"), [
    (TITLE.replace("Kota di", "Kota (Ribu Jiwa) di"), None, "Kabupaten/Kota"),
    (TITLE, "Satuan: Ribu Jiwa", "Kabupaten/Kota"),
])
def test_ribu_tables_are_multiplied_by_1000(tmp_path, title, unit_row, header):
    grid = bps_table(title, [2021, 2022], [("Sabu Raijua", ["92,10", "93,33"]), ("Kota Kupang", ["1,00", "466,63"])],
                     unit_row=unit_row, region_header=header)
    table = read(write_rows(tmp_path / "p.csv", grid, delimiter=";"))
    assert {c.multiplier for c in table.columns} == {1000}
    assert values(table) == {"Sabu Raijua": 93_330, "Kota Kupang": 466_630}


@pytest.mark.parametrize("aggregate", ["Nusa Tenggara Timur", "Provinsi Nusa Tenggara Timur", "Jumlah", "Total",
                                       "NUSA TENGGARA TIMUR"])
@pytest.mark.parametrize("first", [False, True])
def test_aggregate_row_first_or_last_is_flagged_not_an_input(tmp_path, aggregate, first):
    body = [("Kupang", ["1000"]), ("Kota Kupang", ["2000"])]
    rows = [(aggregate, ["3001"]), *body] if first else [*body, (aggregate, ["3001"])]
    grid = bps_table(TITLE, [2022], rows, footnotes=("Sumber: BPS", "Catatan: angka sementara"))
    table = read(write_rows(tmp_path / "p.csv", grid))
    agg = [r for r in table.rows if r["is_aggregate"]]
    assert [(r["value"], r["bps_code"]) for r in agg] == [(3001, "53")]
    assert values(table) == {"Kupang": 1000, "Kota Kupang": 2000}
    assert [f["reason"] for f in table.footnotes] == ["footnote", "footnote"]
    assert table.rows_read == table.rows_kept + len(table.footnotes)


def test_kupang_is_the_regency_and_kota_kupang_the_city(tmp_path):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1000"]), ("Kota Kupang", ["2000"]), ("Kab. Sabu Raijua", ["3000"])])
    table = read(write_rows(tmp_path / "p.xlsx", grid))
    assert {r["region_text"]: r["bps_code"] for r in table.rows} == {
        "Kupang": "5303", "Kota Kupang": "5371", "Kab. Sabu Raijua": "5320"}


def test_markers_nihil_is_zero_and_not_available_is_missing(tmp_path):
    grid = bps_table("Jumlah Sekolah di Provinsi Nusa Tenggara Timur", [2021, 2022],
                     [("Kupang", ["…", "-"]), ("Kota Kupang", ["1", "NA"]), ("Sabu Raijua", ["2", "x"]),
                      ("Alor", ["3", ""]), ("Belu", ["4", "–"]), ("Ende", ["5", "NaN"])])
    table = read(write_rows(tmp_path / "p.csv", grid), indicator="sekolah")
    status = {r["region_text"]: r["value_status"] for r in table.rows if r["bps_period"] == "2022"}
    assert status == {"Kupang": "nihil", "Kota Kupang": "missing", "Sabu Raijua": "missing", "Alor": "missing",
                      "Belu": "nihil", "Ende": "missing"}
    assert values(table)["Kupang"] == 0


def test_province_from_aggregate_row_when_title_has_none(tmp_path):
    grid = bps_table("Jumlah Sekolah", [2022], [("Kupang", ["1"]), ("Nusa Tenggara Timur", ["1"])])
    assert read(write_rows(tmp_path / "p.csv", grid), indicator="sekolah").province.kemendagri_code == "53"


def test_every_period_column_is_kept(tmp_path):
    grid = bps_table(TITLE, [2020, 2021], [("Kupang", ["1000", "2000"])])
    table = read(write_rows(tmp_path / "p.csv", grid))
    assert table.periods == ["2020", "2021"]
    assert values(table, "2021") == {"Kupang": 2000}


def test_text_that_is_no_number_is_a_located_error(tmp_path):
    grid = bps_table(TITLE, [2022], [("Kupang", ["1000"]), ("Kota Kupang", ["12,5,3"])])
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "p.csv", grid))
    assert "p.csv, row 5, column '2022': '12,5,3' is not a number" in str(err.value)


def test_an_all_ambiguous_column_is_refused_with_the_cells(tmp_path):
    grid = bps_table("Jumlah Sekolah di Provinsi Nusa Tenggara Timur", [2022],
                     [("Kupang", ["1.000"]), ("Kota Kupang", ["2.500"])])
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "p.csv", grid), indicator="sekolah")
    text = str(err.value)
    assert "row 4, column '2022': '1.000' reads as 1000 in Indonesian notation and as 1 with a decimal point" in text
    assert "row 5" in text


def test_one_decimal_comma_decides_an_ambiguous_thousands_cell_then_plausibility_refuses_it(tmp_path):
    # 93.330 in a table of thousands that writes 93,33 elsewhere: Indonesian, so 93 330 thousand people.
    grid = bps_table(TITLE + " (Ribu Jiwa)", [2023], [("Sabu Raijua", ["93.330"]), ("Kota Kupang", ["466,63"])])
    with pytest.raises(SourceErrors) as err:
        read(write_rows(tmp_path / "p.csv", grid, delimiter=";"))
    assert "'93.330' (thousands) gives 93,330,000: more than 20,000,000 people" in str(err.value)


def test_ribu_label_over_persons_is_refused(tmp_path):
    grid = bps_table(TITLE + " (Ribu)", [2022], [("Sabu Raijua", ["616975"]), ("Kota Kupang", ["466630"])])
    with pytest.raises(SourceErrors, match="the values look like persons under a 'Ribu' label"):
        read(write_rows(tmp_path / "p.csv", grid))


def test_header_block_with_sub_headers_takes_the_total(tmp_path):
    rows = [["Kabupaten/Kota", "", "", ""],
            ["", "Jumlah Murid Menurut Kabupaten/Kota", "", ""],
            ["", "Negeri", "Swasta", "Jumlah"],
            ["", "2022/2023", "2022/2023", "2022/2023"],
            ["Kupang", "100", "50", "150"], ["Kota Kupang", "10", "5", "15"],
            ["Nusa Tenggara Timur", "110", "55", "165"]]
    table = read(write_rows(tmp_path / "murid.csv", rows), indicator="murid")
    assert [(c.period, c.sub) for c in table.columns] == [("2022/2023", "Jumlah")]
    assert values(table, "2022/2023") == {"Kupang": 150, "Kota Kupang": 15}
    assert {r["bps_year"] for r in table.rows} == {2022}


def test_flattened_export_takes_its_year_from_the_file_name(tmp_path):
    rows = [["Kabupaten/Kota", "Jumlah Penduduk (Ribu)", "Laju Pertumbuhan Penduduk per Tahun"],
            ["Kupang", "380.1", "1.1"], ["Kota Kupang", "466.6", "0.9"], ["Nusa Tenggara Timur", "846.7", "1"]]
    table = read(write_rows(tmp_path / "Penduduk Menurut Kabupaten_Kota di Provinsi NTT, 2023(1).csv", rows))
    assert [(c.period, c.period_source) for c in table.columns] == [("2023", "file name")]
    assert values(table, "2023") == {"Kupang": 380_100, "Kota Kupang": 466_600}


def test_a_year_row_and_a_file_name_that_disagree_are_an_error(tmp_path):
    rows = [["Kabupaten/Kota", ""], ["", "Jumlah Penduduk"], ["", "2022"], ["Kupang", "380100"],
            ["Nusa Tenggara Timur", "380100"]]
    with pytest.raises(SourceError, match="the file name names 2024, but the table's columns are 2022"):
        read(write_rows(tmp_path / "Jumlah Penduduk, 2024.csv", rows))


def test_several_candidate_columns_are_an_error_listing_them(tmp_path):
    rows = [["Kabupaten/Kota", "Jumlah Penduduk", "Penduduk"], ["Kupang", "1", "2"],
            ["Nusa Tenggara Timur", "1", "2"]]
    with pytest.raises(SourceError, match="several columns could be penduduk 2023: 'Jumlah Penduduk'; 'Penduduk'"):
        read(write_rows(tmp_path / "p, 2023.csv", rows))


def test_national_table_splits_into_province_blocks_and_papua_is_counted_once(tmp_path):
    rows = [["Provinsi/Kabupaten/Kota/Indonesia", ""], ["", "Jumlah Penduduk"], ["", "2022"],
            ["NUSA TENGGARA TIMUR", "846730"], ["Kupang", "380100"], ["Kota Kupang", "466630"],
            ["PAPUA", "300000"], ["Merauke", "230000"], ["Jayapura", "70000"],
            ["PAPUA SELATAN", "230000"], ["Merauke", "230000"],
            ["INDONESIA", "1146730"]]
    table = read(write_rows(tmp_path / "national.csv", rows))
    assert [p.kemendagri_code for p in table.provinces] == ["53", "91", "93"]
    merauke = [r for r in table.rows if r["region_text"] == "Merauke"]
    assert [(r["row_number"], r["province_bps_code"]) for r in merauke] == [(11, "95")]
    assert [(f["row_number"], f["reason"]) for f in table.footnotes] == [(8, "duplicate_region")]
    assert table.rows_read == table.rows_kept + len(table.footnotes) == 12 - 3
    assert table.aggregates == {"53": 4, "94": 7, "95": 10}


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
    with pytest.raises(SourceError, match="the title names province 'Atlantis'"):
        read(write_rows(tmp_path / "p.csv", grid))


def test_gorontalo_names_the_regency_unless_it_stands_twice(tmp_path):
    grid = bps_table("Jumlah Sekolah di Provinsi Gorontalo", [2022],
                     [("Gorontalo", ["10"]), ("Kota Gorontalo", ["5"]), ("Gorontalo", ["15"])])
    table = read(write_rows(tmp_path / "p.csv", grid), indicator="sekolah")
    assert [(r["bps_code"], r["is_aggregate"]) for r in table.rows] == [("7502", False), ("7571", False),
                                                                         ("75", True)]
