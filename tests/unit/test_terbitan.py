"""Published tables (SOURCES.md §3): report copies, open-data files, IPLM-only tables."""

import json
from pathlib import Path

import pytest

from iplm_pipeline.defs.terbitan.ingest import (
    inspect_published,
    load_published_year,
    parse_code,
    read_published_table,
)
from iplm_pipeline.errors import SourceError
from iplm_pipeline.regions import load_regions
from iplm_pipeline.warehouse import apply_schema, connect, run_sql, write_reference_tables
from tests.builders import PUBLISHED_HEADER, write_rows

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "terbitan" / "iplm_2023_kabkota_data_go_id_layout.csv"
ROW = ["0,4712", "0,4000", "0,8840", "0,0563", "0,3646", "0,0107", "1,0000", "45,52"]
MEASURES = [f"uplm{i}" for i in range(1, 8)] + ["iplm"]
OPEN_HEADER = ["No.", "Prov", "Kodprov", "Kabkot (Kabkot)", "Kodkabkot", "Lat", "Long", "UPLM1", "UPLM2", "UPLM3",
               "UPLM4", "UPLM5", "UPLM6", "UPLM7", "SKOR IPLM", "KATEGORI IPLM"]
ACEH_BARAT = ["0.271669", "0.411685", "0.529927", "0.258802", "0.935792", "1.0", "1.0", "62.969633"]


def read(path, year=2024):
    return read_published_table(path, load_regions(), path.name, year)


def refused(path, year=2024) -> str:
    with pytest.raises(SourceError) as err:
        inspect_published(path, year)
    return str(err.value)


# --------------------------------------------------------------------------- the real data.go.id file
def test_real_data_go_id_file_every_number_exact():
    table = inspect_published(REAL, 2023)
    assert table["layout"] == "open_data" and table["header_rows"] == [1]
    assert table["decimal_convention"] == "decimal point"
    assert table["columns"] == {
        "province_name": "Prov", "province_code": "Kodprov", "regency_name": "Kabkot (Kabkot)",
        "regency_code": "Kodkabkot", **{f"uplm{i}": f"UPLM{i}" for i in range(1, 8)}, "iplm": "SKOR IPLM",
        "category": "KATEGORI IPLM"}
    assert "columns ignored (carry nothing compared): No., Lat, Long" in table["notes"]
    # Written out from the file itself (its five data rows); Kemendagri 11.05 is BPS 1107 (regions.csv).
    expected = [
        (2, "Kab. Aceh Barat", "1107", "11.05",
         [0.271669, 0.411685, 0.529927, 0.258802, 0.935792, 1.0, 1.0, 62.969633]),
        (3, "Kab. Aceh Tengah", "1106", "11.04",
         [0.249412, 0.279767, 1.000000, 0.055238, 0.337078, 1.0, 1.0, 56.021345]),
        (4, "Kab. Aceh Tenggara", "1104", "11.02",
         [0.143956, 0.230320, 1.000000, 0.012921, 1.000000, 1.0, 1.0, 62.674252]),
        (5, "Kab. Aceh Barat Daya", "1112", "11.12",
         [0.365385, 0.630126, 1.000000, 0.056435, 1.000000, 1.0, 1.0, 72.170648]),
        (6, "Kab. Aceh Besar", "1108", "11.06",
         [0.203645, 0.631573, 1.000000, 0.148737, 1.000000, 1.0, 1.0, 71.199351]),
    ]
    assert [(r["row_number"], r["area_text"], r["bps_code"], r["kemendagri_code"], [r[m] for m in MEASURES])
            for r in table["rows"]] == expected
    assert {(r["level"], r["category"]) for r in table["rows"]} == {("regency", "Sedang")}
    # Unrounded: six decimals everywhere (`1.0` is a printer dropping zeros beside 0.271669).
    assert {d for r in table["rows"] for d in r["decimals"].values()} == {6}
    assert json.loads(json.dumps(table)) == table  # what `iplm inspect --json` prints


def test_real_file_reconciles_with_tolerance_of_its_precision(tmp_path):
    folder = tmp_path / "terbitan" / "2023"
    folder.mkdir(parents=True)
    (folder / REAL.name).write_bytes(REAL.read_bytes())
    rows = reconcile(tmp_path, 2023)
    aceh_barat = {m: (tol, status) for level, code, m, tol, status, _ in rows if code == "1107"}
    assert aceh_barat["uplm1"] == (pytest.approx(5e-7), "missing_computed")
    assert aceh_barat["iplm"] == (pytest.approx(5e-7), "missing_computed")
    # 100 x mean(0.271669, ..., 1.0) = 62.969643 against 62.969633: within 100 x 5e-7 + 5e-7.
    assert aceh_barat["published_self:iplm"] == (pytest.approx(100 * 5e-7 + 5e-7), "match")
    assert aceh_barat["published_self:category"][1] == "match"


# --------------------------------------------------------------------------- report copies
def test_levels_page_breaks_and_decimal_comma(tmp_path):
    grid = [["Tabel 44 Rekapitulasi UPLM Per Kab/Kota"], [], PUBLISHED_HEADER,
            ["INDONESIA", *ROW], ["PROVINSI NUSA TENGGARA TIMUR", *ROW], ["Kab. Sabu Raijua", *ROW],
            ["Tabel 44 (lanjutan)"], PUBLISHED_HEADER, ["Kupang", *ROW], ["Kota Kupang", *ROW],
            ["Provinsi Gorontalo", *ROW], ["Gorontalo", *ROW], ["Nasional", *ROW]]
    path = write_rows(tmp_path / "t.csv", grid, delimiter=";")
    table = read(path)
    rows = table.rows
    assert [[r["level"], r["bps_code"]] for r in rows] == [
        ["national", "00"], ["province", "53"], ["regency", "5320"], ["regency", "5303"], ["regency", "5371"],
        ["province", "75"], ["regency", "7502"], ["national", "00"]]  # 'Gorontalo' under its province: the kabupaten
    assert rows[2]["uplm1"] == 0.4712 and rows[2]["iplm"] == 45.52
    assert (rows[2]["uplm1_decimals"], rows[2]["iplm_decimals"]) == (4, 2)
    assert [q["detail"] for q in table.quarantine] == ["Tabel 44 (lanjutan)"]
    assert table.rows_read == len(rows) + len(table.quarantine)  # the repeated header is not a record
    assert table.blank_rows == 1  # the repeated header (the blank row stands above the header)
    shown = inspect_published(path, 2024)
    assert shown["layout"] == "report" and shown["header_rows"] == [3, 8]
    assert shown["decimal_convention"] == "indonesian"
    assert shown["rows"][1]["bps_code"] == "53" and shown["rows"][1]["category"] is None


def test_header_variants_and_missing_columns(tmp_path):
    header = ["Wilayah", "UPLM 1", "UPLM 2", "UPLM 3", "UPLM 4", "UPLM 5", "UPLM 6", "UPLM 7", "IPLM"]
    assert len(read(write_rows(tmp_path / "a.csv", [header, ["Kab. Alor", *ROW]])).rows) == 1
    with pytest.raises(SourceError, match="header lacks UPLM7, SKOR IPLM"):
        read(write_rows(tmp_path / "b.csv", [header[:-2], ["Kab. Alor", *ROW[:-2]]]))
    by_meaning = ["Provinsi/Kabupaten/Kota", "Pemerataan Layanan Perpustakaan", "Ketercukupan Koleksi Perpustakaan",
                  "Ketercukupan Tenaga Perpustakaan", "Tingkat Kunjungan Masyarakat per Hari",
                  "Perpustakaan yang Dibina Sesuai SNP", "Keterlibatan Masyarakat dalam Sosialisasi",
                  "Anggota Perpustakaan", "Nilai IPLM", "Kategori"]
    table = inspect_published(write_rows(tmp_path / "c.csv", [by_meaning, ["Kab. Alor", *ROW, "Rendah"]]), 2024)
    assert table["columns"]["uplm4"] == "Tingkat Kunjungan Masyarakat per Hari"
    assert [table["rows"][0][m] for m in MEASURES] == [0.4712, 0.4, 0.884, 0.0563, 0.3646, 0.0107, 1.0, 45.52]


def test_bad_value_and_unknown_area_are_located(tmp_path):
    grid = [PUBLISHED_HEADER, ["Kab. Alor", "abc", *ROW[1:]], ["Kab. Atlantis", *ROW]]
    text = refused(write_rows(tmp_path / "t.csv", grid))
    assert "t.csv, row 2, column 'UPLM1': 'abc' is not a number" in text
    assert "t.csv, row 3, column 'PROVINSI/KAB/ KOTA': unknown regency name 'Kab. Atlantis'" in text


def test_a_column_mixing_both_conventions_is_refused(tmp_path):
    grid = [PUBLISHED_HEADER, ["Kab. Alor", "0.4712", *ROW[1:]], ["Kota Kupang", *ROW]]
    text = refused(write_rows(tmp_path / "t.csv", grid))
    assert "column 'UPLM1': the column mixes the two number conventions" in text


def test_decimal_comma_is_never_read_as_thousands(tmp_path):
    # Nothing but `0,285`-style cells: the comma can only be a decimal mark, so 0.285, never 285.
    only_commas = ["0,285", "0,285", "0,285", "0,285", "0,285", "0,285", "0,285", "28,5"]
    table = inspect_published(write_rows(tmp_path / "a.csv", [PUBLISHED_HEADER, ["Kab. Alor", *only_commas]],
                                         delimiter=";"), 2024)
    assert [table["rows"][0][m] for m in MEASURES] == [0.285] * 7 + [28.5]
    # The same cells unquoted in a comma-separated file split into two cells each: refused, not shifted.
    path = tmp_path / "b.csv"
    path.write_text(",".join(PUBLISHED_HEADER) + "\nKab. Alor," + ",".join(only_commas) + "\n")
    assert "stands right of the last header cell" in refused(path)
    # `0.285` in a file the other columns prove Indonesian is 285 there: the plausibility bound stops it.
    dotted = write_rows(tmp_path / "c.csv", [PUBLISHED_HEADER, ["Kab. Alor", "0.285", *ROW[1:]]], delimiter=";")
    assert "UPLM1 '0.285' reads as 285; expected between 0 and 1" in refused(dotted)


# --------------------------------------------------------------------------- open-data files
def open_row(no, prov, kodprov, kabkot, kodkabkot, values=ACEH_BARAT, category="Sedang"):
    return [str(no), prov, kodprov, kabkot, kodkabkot, "4.46501", "96.15141", *values, category]


def test_code_and_name_disagreeing_is_refused(tmp_path):
    grid = [OPEN_HEADER, open_row(1, "Aceh", "11", "Kab. Aceh Tengah", "11.05")]
    text = refused(write_rows(tmp_path / "t.csv", grid), 2023)
    assert "t.csv, row 2, column 'Kabkot (Kabkot)': the name 'Kab. Aceh Tengah' is Kabupaten Aceh Tengah" in text
    assert "the row's code says Kabupaten Aceh Barat (11.05, BPS 1107)" in text
    grid = [OPEN_HEADER, open_row(1, "Aceh", "12", "Kab. Aceh Barat", "11.05")]
    assert "the codes disagree" in refused(write_rows(tmp_path / "u.csv", grid), 2023)
    grid = [OPEN_HEADER, open_row(1, "Sumatera Utara", "11", "Kab. Aceh Barat", "11.05")]
    assert "the name 'Sumatera Utara' is Provinsi Sumatera Utara" in refused(write_rows(tmp_path / "v.csv", grid), 2023)
    grid = [OPEN_HEADER, open_row(1, "Sumatera Utara", "", "Kab. Aceh Barat", "11.05")]
    assert "Kabupaten Aceh Barat (11.05) is not in Provinsi Sumatera Utara, the row's province" in refused(
        write_rows(tmp_path / "w.csv", grid), 2023)


def test_a_province_code_alone_scopes_the_regency(tmp_path):
    grid = [OPEN_HEADER, open_row(1, "Aceh", "11", "Kab. Aceh Barat", ""), open_row(2, "Aceh", "11", "", "")]
    rows = inspect_published(write_rows(tmp_path / "t.csv", grid), 2023)["rows"]
    assert [(r["level"], r["bps_code"]) for r in rows] == [("regency", "1107"), ("province", "11")]
    wrong_level = [SATU_DATA[0], ["5201", "Provinsi Nusa Tenggara Barat", "60.42", "Poin", "Sedang", "2024"]]
    assert ("the name 'Provinsi Nusa Tenggara Barat' is Provinsi Nusa Tenggara Barat (52, BPS 52) but the row's "
            "code says Kabupaten Lombok Barat") in refused(write_rows(tmp_path / "u.csv", wrong_level), 2024)


def test_text_that_is_no_code_is_ignored_with_a_note(tmp_path):
    grid = [OPEN_HEADER, open_row(1, "Papua", "91-A", "Kab. Jayapura", "91-A")]
    table = inspect_published(write_rows(tmp_path / "t.csv", grid), 2023)
    (row,) = table["rows"]
    assert (row["kemendagri_code"], row["bps_code"]) == ("91.03", "9403")  # the name decided
    assert any("'91-A' is no valid code; ignored" in n for n in table["notes"])


def test_kemendagri_codes_written_as_numbers():
    assert parse_code("11.1").code == "11.10" and parse_code(11.1).code == "11.10"
    assert parse_code("11.05").code == "11.05" and parse_code(5201.0).code == "5201"
    assert (parse_code("5200").system, parse_code("5200").code) == ("bps", "52")
    assert parse_code("91-A").system is None and parse_code("") is None


def test_year_column_must_match_the_folder(tmp_path):
    header = [*OPEN_HEADER, "Tahun"]
    grid = [header, [*open_row(1, "Aceh", "11", "Kab. Aceh Barat", "11.05"), "2022"]]
    text = refused(write_rows(tmp_path / "t.csv", grid), 2023)
    assert "t.csv, row 2, column 'Tahun': the row is for year '2022'; expected 2023" in text
    grid = [header, [*open_row(1, "Aceh", "11", "Kab. Aceh Barat", "11.05"), "2023"]]
    assert len(inspect_published(write_rows(tmp_path / "u.csv", grid), 2023)["rows"]) == 1


def test_names_with_a_line_break_and_variant_spellings(tmp_path):
    grid = [OPEN_HEADER,
            open_row(1, "Nusa Tenggara\nTimur", "53", "Kab. Sabu Raijua", "53.20"),
            open_row(2, "Kep Riau", "21", "Kota Batam", "21.71"),
            open_row(3, "Kepulauan Riau", "21", "", ""),
            open_row(4, "Nusa Tenggara\nTimur", "53", "", ""),
            open_row(5, "Nasional", "", "", "", category="Sedang")]
    path = write_rows(tmp_path / "t.xlsx", grid)  # a line break inside a cell, as the portal's sheet has it
    rows = inspect_published(path, 2023)["rows"]
    assert [(r["level"], r["bps_code"], r["area_text"]) for r in rows] == [
        ("regency", "5320", "Kab. Sabu Raijua"), ("regency", "2171", "Kota Batam"),
        ("province", "21", "Kepulauan Riau"), ("province", "53", "Nusa Tenggara Timur"),
        ("national", "00", "Nasional")]


def test_native_xlsx_numbers_keep_their_precision(tmp_path):
    grid = [OPEN_HEADER, open_row(1, "Aceh", 11, "Kab. Aceh Barat", 11.05,
                                  values=[0.271669, 0.411685, 0.529927, 0.258802, 0.935792, 1, 1.0, 62.969633])]
    table = inspect_published(write_rows(tmp_path / "t.xlsx", grid), 2023)
    (row,) = table["rows"]
    assert table["decimal_convention"] == "native numbers"
    assert row["uplm1"] == 0.271669 and row["kemendagri_code"] == "11.05"
    assert set(row["decimals"].values()) == {6}


# --------------------------------------------------------------------------- IPLM-only tables
SATU_DATA = [["kode_provinsi_kabupaten_kota", "nama_provinsi_kabupaten_kota", "iplm", "satuan", "kategori", "tahun"],
             ["5200", "Provinsi Nusa Tenggara Barat", "60.42", "Poin", "Sedang", "2024"],
             ["5201", "Kabupaten Lombok Barat", "55.17", "Poin", "Sedang", "2024"],
             ["5271", "Kota Mataram", "71.3", "Poin", "Sedang", "2024"]]


def test_satu_data_iplm_only_table(tmp_path):
    table = inspect_published(write_rows(tmp_path / "ntb.csv", SATU_DATA), 2024)
    assert table["layout"] == "iplm_only" and table["decimal_convention"] == "decimal point"
    assert [(r["level"], r["bps_code"], r["kemendagri_code"], r["iplm"], r["category"]) for r in table["rows"]] == [
        ("province", "52", "52", 60.42, "Sedang"), ("regency", "5201", "52.01", 55.17, "Sedang"),
        ("regency", "5271", "52.71", 71.3, "Sedang")]
    assert all(r[f"uplm{i}"] is None for r in table["rows"] for i in range(1, 8))
    assert table["rows"][2]["decimals"] == {"iplm": 2}  # `71.3` beside 2-decimal values is 71.30
    assert any("publishes the IPLM only" in n for n in table["notes"])
    bad_unit = [SATU_DATA[0], ["5201", "Kabupaten Lombok Barat", "55.17", "Persen", "Sedang", "2024"]]
    assert "unit 'Persen' is not known" in refused(write_rows(tmp_path / "u.csv", bad_unit), 2024)


def test_iplm_only_rows_reconcile_on_iplm_and_category_alone(tmp_path):
    write_rows(tmp_path / "terbitan" / "2024" / "ntb.csv", SATU_DATA)
    rows = reconcile(tmp_path, 2024)
    assert {m for _, code, m, *_ in rows if code == "5201"} == {"iplm", "published_self:category"}


# --------------------------------------------------------------------------- plausibility and ambiguity
def test_uplm_above_the_cap_is_refused_in_a_capped_year(tmp_path):
    grid = [PUBLISHED_HEADER, ["Kab. Alor", "1,2000", *ROW[1:]]]
    text = refused(write_rows(tmp_path / "t.csv", grid), 2024)
    assert "t.csv, row 2, column 'UPLM1': UPLM1 '1,2000' reads as 1.2; expected between 0 and 1 in 2024" in text
    # 2022 has no cap (Pedoman 2021): an element above 1 is what it published (Sukoharjo UPLM2 2,269653).
    assert read(write_rows(tmp_path / "u.csv", grid), 2022).rows[0]["uplm1"] == 1.2
    over = [PUBLISHED_HEADER, ["Kab. Alor", *ROW[:-1], "145,52"]]
    assert "IPLM '145,52' reads as 145.52; expected between 0 and 100" in refused(
        write_rows(tmp_path / "v.csv", over), 2024)
    negative = [PUBLISHED_HEADER, ["Kab. Alor", *ROW[:-1], "-1,5"]]
    assert "expected between 0 and 100" in refused(write_rows(tmp_path / "w.csv", negative), 2024)


def test_an_all_ambiguous_column_is_refused(tmp_path):
    # `0.250` is 0.25 with a decimal point and 250 in Indonesian notation; nothing in the file decides.
    values = ["0.250", "0.500", "0.125", "0.750", "0.250", "1.000", "0.500", "62"]
    text = refused(write_rows(tmp_path / "t.csv", [PUBLISHED_HEADER, ["Kab. Alor", *values]]), 2024)
    assert "t.csv, row 2, column 'UPLM1': '0.250' is ambiguous" in text
    assert "reads as 250 in Indonesian notation and as 0.25 with a decimal point" in text


# --------------------------------------------------------------------------- categories and a year
def test_category_disagreeing_with_the_band_is_a_source_row(tmp_path):
    folder = tmp_path / "terbitan" / "2024"
    header = [*PUBLISHED_HEADER, "KATEGORI IPLM"]
    write_rows(folder / "t.csv", [header, ["Kab. Alor", *ROW, "Sedang"], ["Kota Kupang", *ROW, "Rendah"],
                                  ["Kab. Kupang", *ROW[:-1], "50,00", "Rendah"]], delimiter=";")
    rows = {(code, m): (status, detail) for _, code, m, _, status, detail in reconcile(tmp_path, 2024)}
    status, detail = rows[("5307", "published_self:category")]  # Kab. Alor: 45,52 is Rendah
    assert status == "mismatch" and "printed category Sedang for the printed IPLM 45.52, whose band is Rendah" in detail
    assert rows[("5371", "published_self:category")][0] == "match"
    # 50,00 may come from 49,996 (Rendah): within the rounding of the printed IPLM.
    status, detail = rows[("5303", "published_self:category")]
    assert status == "match" and "within the rounding" in detail


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


def reconcile(raw: Path, year: int):
    """The reconciliation mart over the published tables of `raw` alone (nothing computed)."""
    con = connect()
    apply_schema(con)
    write_reference_tables(con)
    rows = load_published_year(raw, year, load_regions()).rows
    con.register("_p", rows)
    con.execute("INSERT INTO staging.terbitan BY NAME SELECT * FROM _p")
    run_sql(con, "marts/reconciliation.sql", year=year)
    return con.execute("SELECT level, bps_code, measure, tolerance, status, detail FROM reconciliation "
                       "ORDER BY ALL").fetchall()
