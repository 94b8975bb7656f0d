"""Analysts' outputs without a pipeline run: province arguments, number words, cell guards, dictionary."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from iplm_pipeline.cli import main
from iplm_pipeline.config import SQL_DIR
from iplm_pipeline.errors import IplmError
from iplm_pipeline.outputs import id_number, neutralise, resolve_province
from iplm_pipeline.outputs.dictionary import dictionary_rows
from iplm_pipeline.outputs.export import LONG_COLUMNS, LONG_INDICATORS, SATUDATA_COLUMNS, write_csv, write_xlsx
from iplm_pipeline.outputs.report import factor_text, sheet_title


@pytest.mark.parametrize("text", ["NTT", "ntt", "53", "Nusa Tenggara Timur", "Provinsi Nusa Tenggara Timur",
                                  "Prov. Nusa Tenggara Timur"])
def test_province_argument_resolves_through_the_region_lookup(text):
    assert resolve_province(text).bps_code == "53"


@pytest.mark.parametrize(("text", "bps"), [("NTB", "52"), ("DIY", "34"), ("Kaltim", "64"), ("64", "64"),
                                         ("Papua Tengah", "96")])
def test_aliases_and_codes(text, bps):
    assert resolve_province(text).bps_code == bps


def test_a_code_meaning_two_provinces_is_refused_not_guessed():
    # Kemendagri 91 is Papua, BPS 91 is Papua Barat; BPS 94 is Papua, Kemendagri 94 Papua Tengah
    with pytest.raises(IplmError, match=r"'91' is ambiguous.*Papua.*Papua Barat"):
        resolve_province("91")
    with pytest.raises(IplmError, match="'94' is ambiguous"):
        resolve_province("94")


@pytest.mark.parametrize("text", ["Narnia", "99", "Kupang"])  # Kupang is a kabupaten, not a province
def test_unknown_province_names_the_text(text):
    with pytest.raises(IplmError, match=text):
        resolve_province(text)


def test_unknown_province_exits_2_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IPLM_MARTS_DIR", str(tmp_path))
    for command in (["report", "--out", str(tmp_path / "r.xlsx")], ["chart", "--out", str(tmp_path / "c.png")]):
        assert main([*command, "--year", "2024", "--province", "Atlantis"]) == 2
        assert "'Atlantis'" in capsys.readouterr().err


def test_indonesian_numbers():
    assert id_number(111991) == "111.991"
    assert id_number(0.11, 2) == "0,11"
    assert id_number(1866.6, 2) == "1.866,60"
    assert (factor_text(2, 1), factor_text(1, 2500), factor_text(1, 50), factor_text(2239, 10000)) == (
        "2", "1/2500", "2 %", "22,39 %")


def test_sheet_titles_are_valid_unique_and_short():
    taken = {"Rekap"}
    names = [sheet_title(t, taken) for t in ["Gorontalo", "Gorontalo", "rekap", "A/B: [c]?",
                                             "Provinsi Daerah Khusus Ibukota Jakarta"] * 2]
    assert len(set(n.casefold() for n in names)) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


@pytest.mark.parametrize("text", ["=1+1", "+62", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Kabupaten Sabu Raijua") == "Kabupaten Sabu Raijua"
    assert neutralise(-5) == -5


def test_csv_and_xlsx_neutralise_text_cells_but_not_numbers(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "-ok", "Kota Kupang"], "value": [-1.5, 2.0, None]})
    write_csv(frame, tmp_path / "x.csv", {})
    with (tmp_path / "x.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["name", "value"], ["'=HYPERLINK(\"http://x\")", "-1.5"], ["'-ok", "2"], ["Kota Kupang", ""]]
    write_xlsx(frame, tmp_path / "x.xlsx", {}, sheet="x")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert [c.value for c in ws["A"]][1:] == ["'=HYPERLINK(\"http://x\")", "'-ok", "Kota Kupang"]
    assert ws["A2"].data_type == "s"  # text, not a formula
    assert ws["B2"].value == -1.5 and ws["B2"].data_type == "n"


@pytest.mark.parametrize(("layout", "columns", "indicators"),
                         [("satudata", SATUDATA_COLUMNS, None),
                          ("long", LONG_COLUMNS, {i: i for i in LONG_INDICATORS})])
def test_every_export_column_has_a_meaning(layout, columns, indicators):
    rows = dictionary_rows(layout, columns, indicators)
    assert [r["column"] for r in rows][:len(columns)] == columns
    assert all(r["meaning"].strip() for r in rows)
    if indicators:
        assert {r["column"] for r in rows[len(columns):]} == {f"indicator = {i}" for i in LONG_INDICATORS}


def test_mart_column_meanings_come_from_column_comments():
    (iplm,) = [r for r in dictionary_rows("satudata", SATUDATA_COLUMNS) if r["column"] == "iplm"]
    with (SQL_DIR / "schema" / "column_comments.csv").open(encoding="utf-8", newline="") as f:
        comment = next(r["comment"] for r in csv.DictReader(f) if r["column_name"] == "iplm")
    assert iplm["meaning"] == comment


def test_an_undocumented_export_column_is_an_error():
    with pytest.raises(ValueError, match="surprise"):
        dictionary_rows("satudata", [*SATUDATA_COLUMNS, "surprise"])


@pytest.mark.parametrize(("year", "category"), [(2022, None), (2024, "Sangat Tinggi")])
def test_no_category_under_an_uncapped_method(year, category):
    # METHODOLOGY.md: a 2022 (uncapped) figure near 374 must not carry a band of the 0-100 scale
    from iplm_pipeline.warehouse import apply_schema, connect, query_sql, write_reference_tables

    con = connect()
    apply_schema(con)
    write_reference_tables(con)
    con.execute("INSERT INTO iplm_regency (year, bps_code, kemendagri_code, province_bps_code, province_name, "
                "regency_name, iplm, category, method_status) VALUES (?, '5320', '53.20', '53', "
                "'Nusa Tenggara Timur', 'Kabupaten Sabu Raijua', 374.2, 'Sangat Tinggi', 'x')", [year])
    areas = query_sql(con, "reports/areas.sql", year=year)
    assert areas["area_name"].tolist() == ["Kabupaten Sabu Raijua"]
    assert (None if pd.isna(areas.at[0, "category"]) else areas.at[0, "category"]) == category
