"""`iplm export|report|chart` on the marts of a real run (Sabu Raijua fixture, IPLM 2024).

One pipeline run per module; every output is read back and held against the marts.
"""

from __future__ import annotations

import csv
import dataclasses
import math

import duckdb
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from iplm_pipeline.cli import main
from iplm_pipeline.outputs import load_year
from iplm_pipeline.outputs.export import LONG_COLUMNS, long_frame, select_areas
from tests.builders import write_sabu_raijua

pytestmark = pytest.mark.slow

# Written by hand: the Satu Data portal layout, byte for byte. Only Sabu Raijua (real inputs),
# Kupang and Kota Kupang have library and BPS data in the fixture; every other NTT regency (and
# so the province and nation) has no IPLM, which the portal layout shows as an empty cell.
EXPECTED_SATUDATA = """\
kode_provinsi_kabupaten_kota,nama_provinsi_kabupaten_kota,iplm,satuan,kategori,tahun
5301,Kabupaten Sumba Barat,,Poin,,2024
5302,Kabupaten Sumba Timur,,Poin,,2024
5303,Kabupaten Kupang,0.65,Poin,Sangat Rendah,2024
5304,Kabupaten Timor Tengah Selatan,,Poin,,2024
5305,Kabupaten Timor Tengah Utara,,Poin,,2024
5306,Kabupaten Belu,,Poin,,2024
5307,Kabupaten Alor,,Poin,,2024
5308,Kabupaten Lembata,,Poin,,2024
5309,Kabupaten Flores Timur,,Poin,,2024
5310,Kabupaten Sikka,,Poin,,2024
5311,Kabupaten Ende,,Poin,,2024
5312,Kabupaten Ngada,,Poin,,2024
5313,Kabupaten Manggarai,,Poin,,2024
5314,Kabupaten Rote Ndao,,Poin,,2024
5315,Kabupaten Manggarai Barat,,Poin,,2024
5316,Kabupaten Sumba Tengah,,Poin,,2024
5317,Kabupaten Sumba Barat Daya,,Poin,,2024
5318,Kabupaten Nagekeo,,Poin,,2024
5319,Kabupaten Manggarai Timur,,Poin,,2024
5320,Kabupaten Sabu Raijua,45.52,Poin,Rendah,2024
5321,Kabupaten Malaka,,Poin,,2024
5371,Kota Kupang,14.52,Poin,Sangat Rendah,2024
5300,Provinsi Nusa Tenggara Timur,,Poin,,2024
0000,Indonesia,,Poin,,2024
"""


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    raw, marts = root / "raw", root / "marts"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPLM_RAW_DIR", str(raw))
        mp.setenv("IPLM_MARTS_DIR", str(marts))
        mp.delenv("DAGSTER_HOME", raising=False)
        write_sabu_raijua(raw)
        assert main(["run", "--year", "2024", "-q"]) == 0
        yield marts


@pytest.fixture
def env(marts, monkeypatch):
    monkeypatch.setenv("IPLM_MARTS_DIR", str(marts))
    return marts


def marts_frame(marts, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(marts / "iplm.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


CODES_AS_TEXT = {"kode_provinsi_kabupaten_kota": str, "bps_code": str, "kemendagri_code": str}


def read_back(path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, dtype=CODES_AS_TEXT, keep_default_na=False, na_values=[""])
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path, engine="openpyxl", dtype=CODES_AS_TEXT)


def test_satudata_csv_is_the_portal_layout_byte_for_byte(env, tmp_path):
    out = tmp_path / "iplm_2024.csv"
    assert main(["export", "--year", "2024", "--layout", "satudata", "--format", "csv", "--out", str(out)]) == 0
    assert out.read_bytes() == EXPECTED_SATUDATA.encode("utf-8")
    with (tmp_path / "iplm_2024.dictionary.csv").open(encoding="utf-8", newline="") as f:
        dictionary = list(csv.DictReader(f))
    assert [r["column"] for r in dictionary] == EXPECTED_SATUDATA.splitlines()[0].split(",")
    assert all(r["meaning"] for r in dictionary)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_satudata_round_trip_matches_the_marts(env, tmp_path, fmt):
    out = tmp_path / f"satudata.{fmt}"
    assert main(["export", "--year", "2024", "--layout", "satudata", "--out", str(out), "--province", "NTT",
                 "--level", "regency"]) == 0
    back = read_back(out, fmt)
    expected = marts_frame(env, "SELECT bps_code, regency_name, iplm::DOUBLE AS iplm, category, year "
                                "FROM iplm_regency WHERE year = 2024 AND province_bps_code = '53' ORDER BY bps_code")
    assert back["kode_provinsi_kabupaten_kota"].tolist() == expected["bps_code"].tolist()
    assert back["nama_provinsi_kabupaten_kota"].tolist() == expected["regency_name"].tolist()
    pd.testing.assert_series_equal(back["iplm"].astype(float), expected["iplm"], check_names=False)
    assert back["kategori"].where(back["kategori"].notna(), None).tolist() == \
        expected["category"].where(expected["category"].notna(), None).tolist()
    assert set(back["satuan"]) == {"Poin"} and set(back["tahun"]) == {2024}
    assert (tmp_path / "satudata.dictionary.csv").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_long_round_trip_matches_the_marts(env, tmp_path, fmt):
    out = tmp_path / f"long.{fmt}"
    assert main(["export", "--year", "2024", "--layout", "long", "--format", fmt, "--out", str(out)]) == 0
    back = read_back(out, fmt)
    assert back.columns.tolist() == LONG_COLUMNS
    scores = marts_frame(env, "SELECT 'regency' AS level, * FROM iplm_regency WHERE year = 2024 "
                              "UNION ALL BY NAME SELECT 'province' AS level, * FROM iplm_province WHERE year = 2024 "
                              "UNION ALL BY NAME SELECT 'national' AS level, '00' AS bps_code, * FROM iplm_national "
                              "WHERE year = 2024")
    indicators = sorted(set(back["indicator"]))
    assert len(indicators) == 19
    assert len(back) == 19 * len(scores)
    for row in scores.itertuples():
        mine = back[(back["level"] == row.level) & (back["bps_code"] == row.bps_code)].set_index("indicator")
        for indicator in indicators:
            expected, got = getattr(row, indicator), mine.at[indicator, "value"]
            expected = None if pd.isna(expected) else float(expected)
            if expected is None:
                assert pd.isna(got), (row.bps_code, indicator)
            elif fmt == "xlsx":  # a spreadsheet cell keeps 16 significant digits, not all 17
                assert float(got) == pytest.approx(expected, rel=1e-15), (row.bps_code, indicator)
            else:
                assert float(got) == expected, (row.bps_code, indicator)  # unrounded, exactly
    sabu = back[(back["bps_code"] == "5320")].set_index("indicator")
    assert sabu.at["uplm1", "indicator_name"] == "Pemerataan Layanan Perpustakaan"
    assert sabu.at["population", "indicator_name"] == "Jumlah Penduduk"
    assert sabu.at["population", "unit"] == "jiwa" and sabu.at["iplm", "unit"] == "Poin"
    assert int(sabu.at["population", "bps_year"]) == 2023  # iplm_regency.population_bps_year (the registry)
    assert int(sabu.at["institutions", "bps_year"]) == 2022
    assert pd.isna(sabu.at["libraries", "bps_year"]) and pd.isna(sabu.at["iplm", "bps_year"])
    assert set(back["method_id"]) == {"capped-2023"} and set(back["method_status"]) == {"final"}


def test_long_uses_per_input_bps_years_when_the_marts_have_them(env):
    data = load_year(2024, env)
    with_years = dataclasses.replace(data, areas=data.areas.assign(population_bps_year=2023))
    frame, _ = long_frame(with_years, select_areas(with_years, "regency"))
    years = frame.set_index(["bps_code", "indicator"])["bps_year"]
    assert years[("5320", "population")] == 2023  # the mart's own column wins
    assert years[("5320", "institutions")] == 2022  # no column: the method's reference year


def sheet_values(ws) -> list:
    return [c.value for row in ws.iter_rows() for c in row if c.value is not None]


def test_report_states_the_detail_block_as_numbers(env, tmp_path):
    out = tmp_path / "ntt.xlsx"
    assert main(["report", "--year", "2024", "--province", "NTT", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({n.casefold() for n in book.sheetnames}) == len(book.sheetnames)
    assert {"Rekap", "Kelengkapan", "Rekonsiliasi", "Sabu Raijua", "Provinsi Nusa Tenggara Timur"} <= set(
        book.sheetnames)
    ws = book["Sabu Raijua"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "UPLM")
    shortfall_col = rows[header].index("Kekurangan dari standar")
    shortfalls = [rows[header + k][shortfall_col] for k in range(1, 8)]
    assert shortfalls == [110, 111991, 5, 1762, 14, 1847, 0]
    assert all(isinstance(v, int | float) for v in shortfalls)
    derived = {r[1]: r[2] for r in rows if isinstance(r[1], str) and r[2] is not None}
    assert derived["Perpustakaan umum per 100.000 penduduk"] == 27
    assert derived["Perpustakaan sekolah per 100.000 civitas sekolah"] == 278
    assert derived["Perpustakaan perguruan tinggi per 100.000 civitas akademika"] == 0
    assert derived["Penduduk per satu tenaga perpustakaan"] == 2829
    assert derived["Penduduk per satu eksemplar koleksi"] == 2
    assert derived["Anggota perpustakaan terhadap jumlah penduduk"] == pytest.approx(33.99)
    assert derived["Jumlah Penduduk"] == 93330
    assert rows[header + 2][3] == pytest.approx(186660)  # standard = 2 x P, from methodology_elements
    text = " ".join(str(v) for v in sheet_values(ws))
    assert "Satu eksemplar koleksi untuk setiap 2 penduduk".lower() in text.lower()
    assert "satu tenaga perpustakaan untuk setiap 2.829 penduduk" in text
    for sheet in book.worksheets:
        assert not any("2167665" in str(v) for v in sheet_values(sheet)), sheet.title


def test_report_recap_is_the_tabel_44_layout(env, tmp_path):
    out = tmp_path / "ntt.xlsx"
    assert main(["report", "--year", "2024", "--province", "53", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Rekap"]
    rows = list(ws.iter_rows())
    h = next(i for i, r in enumerate(rows) if r[0].value == "PROVINSI/KAB/ KOTA")
    assert [c.value for c in rows[h][:10]] == ["PROVINSI/KAB/ KOTA", *[f"UPLM{n}" for n in range(1, 8)],
                                                "SKOR IPLM", "KATEGORI"]
    province, first = rows[h + 1], rows[h + 2]
    assert province[0].value == "Provinsi Nusa Tenggara Timur" and province[0].font.b
    assert first[0].value == "Kabupaten Sumba Barat" and not first[0].font.b
    sabu = next(r for r in rows if r[0].value == "Kabupaten Sabu Raijua")
    assert sabu[1].value == pytest.approx(98 / 208) and sabu[1].number_format == "0.0000"
    assert sabu[8].value == pytest.approx(45.52) and sabu[8].number_format == "0.00"
    assert sabu[9].value == "Rendah" and sabu[9].fill.fgColor.rgb.endswith("E67E22")
    assert len(ws._charts) == 1
    names = [r[0].value for r in rows[h + 2:h + 24]]
    codes = marts_frame(env, "SELECT regency_name FROM iplm_regency WHERE year = 2024 ORDER BY bps_code")
    assert names == codes["regency_name"].tolist()


def test_report_completeness_and_reconciliation_sheets(env, tmp_path):
    out = tmp_path / "ntt.xlsx"
    assert main(["report", "--year", "2024", "--province", "Nusa Tenggara Timur", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    completeness = [[c.value for c in r] for r in book["Kelengkapan"].iter_rows(min_row=3)]
    assert completeness[0][:2] == ["bps_code", "regency_name"]
    assert "5320" in [r[0] for r in completeness[1:]]
    reconciliation = [[c.value for c in r] for r in book["Rekonsiliasi"].iter_rows(min_row=3)]
    assert reconciliation[0][:4] == ["level", "bps_code", "area_name", "measure"]
    sabu = [r for r in reconciliation[1:] if r[1] == "5320" and r[0] == "regency"]
    assert {r[3] for r in sabu} == {f"uplm{n}" for n in range(1, 8)} | {"iplm"}


@pytest.mark.parametrize("element", [None, "uplm2"])
def test_chart_is_a_slide_size_png(env, tmp_path, element):
    out = tmp_path / "chart.png"
    extra = ["--element", element] if element else []
    assert main(["chart", "--year", "2024", "--province", "NTT", "--out", str(out), *extra]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert 1800 <= width <= 2200 and 1000 <= height <= 1250
    assert math.isclose(width / height, 16 / 9, rel_tol=0.02)
    assert out.stat().st_size > 20_000
