"""Library registration exports (SOURCES.md §2): headers, values, quarantine reasons, dedupe, ledger."""

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from iplm_pipeline.corrections import Correction, CorrectionError
from iplm_pipeline.defs.perpustakaan.ingest import load_library_year
from iplm_pipeline.errors import SourceError
from iplm_pipeline.regions import load_regions
from iplm_pipeline.warehouse import apply_schema, connect
from tests.builders import LIBRARY_HEADER, library_row, write_rows

YEAR = 2024


def load(raw, corrections=()):
    """Run the year's ingest into an in-memory warehouse; `kept` = the staging.perpustakaan rows written."""
    with connect() as con:
        apply_schema(con)
        result = load_library_year(con, raw, YEAR, load_regions(), corrections)
        kept = con.sql("SELECT * EXCLUDE (year) FROM staging.perpustakaan ORDER BY read_order").df()
    assert len(kept) == result.kept
    return SimpleNamespace(kept=kept, quarantine=result.quarantine, ledger=result.ledger,
                           corrections=result.corrections, notes=result.notes)


def export(raw, name, rows, header=LIBRARY_HEADER, title=("Data Perpustakaan",), **kwargs):
    return write_rows(raw / "perpustakaan" / str(YEAR) / name, [*[[t] for t in title], [], header, *rows],
                      **kwargs)


def reasons(result):
    return dict(zip(result.quarantine["row_number"], result.quarantine["reason"], strict=True))


def test_header_found_by_npp_in_any_order_case_and_spacing(tmp_path):
    header = [f"  {h.upper()} " if h == "NPP" else h for h in reversed(LIBRARY_HEADER)]
    row = list(reversed(library_row(1, "5320032S0000014", **{"Jumlah Koleksi Eksemplar": "1.250"})))
    result = load(export(tmp_path, "a.csv", [row], header=header, delimiter=";").parents[2])
    assert result.kept[["npp", "collections", "bps_code"]].values.tolist() == [["5320032S0000014", 1250.0, "5320"]]


def test_missing_column_is_a_located_error(tmp_path):
    header = [h for h in LIBRARY_HEADER if h != "Jumlah Anggota"]
    export(tmp_path, "a.csv", [], header=header)
    with pytest.raises(SourceError, match=r"a\.csv, row 3: header lacks 'Jumlah Anggota'"):
        load(tmp_path)


def test_values_text_numbers_decimals_dates_and_snp(tmp_path):
    rows = [
        library_row(1, "5320032S0000001", **{"Rata-rata Kunjungan per Hari": "12,5", "Jumlah Anggota": "1.250",
                                             "Dibina Sesuai SNP": "Ya", "Tanggal Pembaruan": "01/02/2024"}),
        library_row(2, "5320032S0000002", **{"Dibina Sesuai SNP": "t", "Tanggal Pembaruan": "2024-02-01"}),
        library_row(3, "5320032S0000003", **{"Dibina Sesuai SNP": "", "Tanggal Pembaruan": ""}),
    ]
    kept = load(export(tmp_path, "a.csv", rows).parents[2]).kept.set_index("npp")
    assert kept.loc["5320032S0000001", "visits_per_day"] == 12.5
    assert kept.loc["5320032S0000001", "members"] == 1250
    assert kept["snp"].tolist()[:2] == [True, False] and pd.isna(kept["snp"].iloc[2])
    assert kept["updated_at"].tolist()[:2] == [pd.Timestamp("2024-02-01")] * 2
    assert pd.isna(kept.loc["5320032S0000003", "collections"])  # empty = not reported, not an error


def test_xlsx_data_sheet_and_excel_dates(tmp_path):
    row = library_row(1, "5320032S0000001", **{"Tanggal Pembaruan": dt.datetime(2024, 5, 6),
                                               "Jumlah Koleksi Eksemplar": 321})
    export(tmp_path, "a.xlsx", [row], sheet="Data Perpustakaan", sheets_before=("Petunjuk",))
    result = load(tmp_path)
    assert result.kept["updated_at"].tolist() == [pd.Timestamp("2024-05-06")]
    assert result.kept["collections"].tolist() == [321.0]
    assert result.ledger["sheet"].tolist() == ["Data Perpustakaan"]


def test_each_quarantine_reason_with_located_row(tmp_path):
    rows = [
        library_row(1, "5320032S0000001"),                                  # row 4: kept
        library_row(2, ""),                                                 # 5 npp_missing
        library_row(3, "53200X"),                                           # 6 npp_malformed
        library_row(4, "5320032S000001"),                                   # 7 npp_malformed (14 chars)
        library_row(5, "9999032S0000001"),                                  # 8 unknown_region
        library_row(6, "5320032S0000006", kind="Pribadi"),                  # 9 unknown_type
        library_row(7, "5320032S0000007", **{"Jumlah Anggota": "banyak"}),  # 10 not_a_number
        library_row(8, "5320032S0000008", **{"Dibina Sesuai SNP": "Mungkin"}),    # 11 not_a_number
        library_row(9, "5320032S0000009", **{"Tanggal Pembaruan": "31/02/2024"}),  # 12 not_a_number
        library_row(10, "5320032S0000010", **{"Jumlah Pustakawan": "-3"}),  # 13 negative_count
        ["", "Jumlah", *[""] * 15],                                          # 14 footer_row
        ["Total", "", *[""] * 15],                                           # 15 footer_row
    ]
    result = load(export(tmp_path, "a.csv", rows).parents[2])
    assert result.kept["row_number"].tolist() == [4]
    assert reasons(result) == {5: "npp_missing", 6: "npp_malformed", 7: "npp_malformed", 8: "unknown_region",
                               9: "unknown_type", 10: "not_a_number", 11: "not_a_number", 12: "not_a_number",
                               13: "negative_count", 14: "footer_row", 15: "footer_row"}
    q = result.quarantine.set_index("row_number")
    assert q.loc[10, "column_name"] == "Jumlah Anggota" and "Jumlah Anggota" in q.loc[10, "detail"]
    assert q.loc[13, "column_name"] == "Jumlah Pustakawan"
    assert json.loads(q.loc[9, "raw_values"])["Jenis Perpustakaan"] == "Pribadi"
    assert (q["source_file"] == "perpustakaan/2024/a.csv").all()


def test_npp_is_trimmed_and_upper_cased(tmp_path):
    result = load(export(tmp_path, "a.csv", [library_row(1, " 5320032s0000001 ")]).parents[2])
    assert result.kept["npp"].tolist() == ["5320032S0000001"]


def test_dedupe_latest_wins_identical_and_conflict(tmp_path):
    a = [
        library_row(1, "5320032S0000001", **{"Jumlah Anggota": "10", "Tanggal Pembaruan": "01/01/2023"}),
        library_row(2, "5320032S0000002", **{"Jumlah Anggota": "20"}),
        library_row(3, "5320032S0000003", **{"Jumlah Anggota": "30"}),
    ]
    b = [
        library_row(7, "5320032S0000001", **{"Jumlah Anggota": "11", "Tanggal Pembaruan": "2024-03-15"}),
        library_row(8, "5320032S0000002", **{"Jumlah Anggota": "20"}),  # identical but for No
        library_row(9, "5320032S0000003", **{"Jumlah Anggota": "33"}),  # same date, other values
    ]
    export(tmp_path, "a.csv", a)
    export(tmp_path, "b.xlsx", b, title=())
    result = load(tmp_path)
    kept = result.kept.set_index("npp")
    assert kept["members"].to_dict() == {"5320032S0000001": 11, "5320032S0000002": 20, "5320032S0000003": 33}
    assert set(kept["source_file"]) == {"perpustakaan/2024/b.xlsx"}  # read last wins ties
    q = result.quarantine.set_index("row_number")
    assert q["reason"].to_dict() == {4: "duplicate_older", 5: "duplicate_identical", 6: "duplicate_conflict"}
    assert "kept perpustakaan/2024/b.xlsx row 3 (updated 2024-03-15)" in q.loc[4, "detail"]


def test_text_region_disagreement_keeps_the_npp_region(tmp_path):
    rows = [library_row(1, "5320032S0000001", regency="Kota Kupang"),
            library_row(2, "5320032S0000002", regency="Atlantis"),
            library_row(3, "5320032S0000003", regency="KAB. SABU RAIJUA")]
    kept = load(export(tmp_path, "a.csv", rows).parents[2]).kept
    assert kept["bps_code"].tolist() == ["5320"] * 3
    assert kept["text_region_status"].tolist() == ["other_regency", "unknown_text", "agrees"]
    assert kept["text_region_code"].tolist()[0] == "53.71"


def test_rows_read_equal_kept_plus_quarantined_per_file(tmp_path):
    export(tmp_path, "a.csv", [library_row(1, "5320032S0000001"), library_row(2, ""), [""] * 17,
                               library_row(3, "5320032S0000001")])
    export(tmp_path, "b.csv", [library_row(1, "5320032S0000002"), ["Jumlah", *[""] * 16]])
    ledger = load(tmp_path).ledger.set_index("source_file")
    assert ledger.loc["perpustakaan/2024/a.csv", ["rows_read", "rows_kept", "rows_quarantined", "rows_skipped"]
                      ].tolist() == [3, 1, 2, 1]
    assert ledger.loc["perpustakaan/2024/b.csv", ["rows_read", "rows_kept", "rows_quarantined"]].tolist() == [2, 1, 1]


def test_year_without_exports_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no library registration export for this year"):
        load(tmp_path)


# --------------------------------------------------------------------------- header spellings (data)
def _renamed(header, **renames):
    return [renames.get(h, h) for h in header]


def test_header_spellings_from_the_data_file_and_extra_columns_listed(tmp_path):
    header = _renamed(LIBRARY_HEADER, **{
        "NPP": "Nomor Pokok Perpustakaan (NPP)", "Subjenis": "Sub Jenis Perpustakaan",
        "Jumlah Koleksi Eksemplar": "JUMLAH\u00a0 EKSEMPLAR  KOLEKSI", "Kabupaten/Kota": " kabupaten "})
    header += ["Tahun", "Tahun Pendataan", "Catatan Petugas"]
    row = library_row(1, "5320032S0000001", **{"Jumlah Koleksi Eksemplar": "1.250", "Subjenis": "SD/MI"})
    result = load(export(tmp_path, "a.csv", [[*row, "2024", "2024", "x"]], header=header).parents[2])
    assert result.kept[["npp", "collections", "subtype", "regency_name"]].values.tolist() == [
        ["5320032S0000001", 1250.0, "SD/MI", "Kab. Sabu Raijua"]]
    notes = result.ledger.set_index("source_file").loc["perpustakaan/2024/a.csv", "notes"]
    assert notes == "ignored column(s): 'Tahun', 'Tahun Pendataan', 'Catatan Petugas'"
    assert result.notes == [f"a.csv: {notes}"]


def test_staff_total_used_when_the_split_is_absent(tmp_path):
    header = [h for h in LIBRARY_HEADER if h not in ("Jumlah Pustakawan", "Jumlah Tenaga Teknis Perpustakaan")]
    header.append("Jumlah Tenaga Perpustakaan")
    row = [c for h, c in zip(LIBRARY_HEADER, library_row(1, "5320032S0000001"), strict=True)
           if h in header] + ["7"]
    result = load(export(tmp_path, "a.csv", [row], header=header).parents[2])
    kept = result.kept.iloc[0]
    assert kept["staff_total"] == 7 and pd.isna(kept["librarians"]) and pd.isna(kept["technicians"])
    assert "staff from 'Jumlah Tenaga Perpustakaan'" in result.ledger["notes"].iloc[0]


def test_staff_total_beside_the_split_is_not_used_and_said_so(tmp_path):
    header = [*LIBRARY_HEADER, "Jumlah Tenaga Perpustakaan"]
    row = [*library_row(1, "5320032S0000001", **{"Jumlah Pustakawan": "2", "Jumlah Tenaga Teknis Perpustakaan": "1"}),
           "9"]
    result = load(export(tmp_path, "a.csv", [row], header=header).parents[2])
    assert result.kept[["librarians", "technicians"]].values.tolist() == [[2.0, 1.0]]
    assert pd.isna(result.kept["staff_total"].iloc[0])
    assert "'Jumlah Tenaga Perpustakaan' (staff is Jumlah Pustakawan + Jumlah Tenaga Teknis" in \
        result.ledger["notes"].iloc[0]


def test_half_a_staff_split_is_a_missing_column(tmp_path):
    header = [h for h in LIBRARY_HEADER if h != "Jumlah Pustakawan"]
    export(tmp_path, "a.csv", [], header=header)
    with pytest.raises(SourceError, match=r"row 3: header lacks 'Jumlah Pustakawan'.*Jumlah Tenaga Perpustakaan"):
        load(tmp_path)


def test_two_spellings_of_one_field_are_a_located_error(tmp_path):
    export(tmp_path, "a.csv", [], header=[*LIBRARY_HEADER, "Nomor Pokok Perpustakaan (NPP)"])
    with pytest.raises(SourceError, match=r"row 3, column 'Nomor Pokok Perpustakaan \(NPP\)': column .* appears twice"):
        load(tmp_path)


# --------------------------------------------------------------------------- NPP cleaning
def test_invisible_characters_leave_the_npp_and_unicode_digits_do_not_pass(tmp_path):
    rows = [library_row(1, "\u00a05320032S0000001\u200b"), library_row(2, "\ufeff5320032S\u200b0000002"),
            library_row(3, "5320032s0000003\u00a0"),
            library_row(4, "５３２０032S0000004"),            # full-width digits
            library_row(5, "5320032S000000\u0665")]           # an Arabic-Indic digit
    result = load(export(tmp_path, "a.csv", rows).parents[2])
    assert result.kept["npp"].tolist() == ["5320032S0000001", "5320032S0000002", "5320032S0000003"]
    assert reasons(result) == {7: "npp_malformed", 8: "npp_malformed"}


# --------------------------------------------------------------------------- plausibility
def test_implausible_dates_are_quarantined_and_never_win_the_dedupe(tmp_path):
    rows = [
        library_row(1, "5320032S0000001", **{"Tanggal Pembaruan": "2024"}),        # 4: a year
        library_row(2, "5320032S0000002", **{"Tanggal Pembaruan": "202403"}),      # 5: a month
        library_row(3, "5320032S0000003", **{"Tanggal Pembaruan": "45366"}),       # 6: a serial typed as text
        library_row(4, "5320032S0000004", **{"Tanggal Pembaruan": "31/12/1999"}),  # 7: before 2000
        library_row(5, "5320032S0000005", **{"Tanggal Pembaruan": "01/06/2025", "Jumlah Anggota": "99"}),  # 8
        library_row(6, "5320032S0000005", **{"Tanggal Pembaruan": "01/03/2024", "Jumlah Anggota": "5"}),   # 9
    ]
    with connect() as con:
        apply_schema(con)
        result = load_library_year(con, export(tmp_path, "a.csv", rows).parents[2], YEAR, load_regions(),
                                   run_date=dt.date(2024, 12, 31))
        kept = con.sql("SELECT npp, members, row_number FROM staging.perpustakaan").fetchall()
    assert dict(zip(result.quarantine["row_number"], result.quarantine["reason"], strict=True)) == {
        4: "implausible_date", 5: "implausible_date", 6: "implausible_date", 7: "implausible_date",
        8: "implausible_date"}
    assert kept == [("5320032S0000005", 5.0, 9)]  # the future-dated row did not win
    q = result.quarantine.set_index("row_number")
    assert q.loc[4, "column_name"] == "Tanggal Pembaruan" and "'2024'" in q.loc[4, "detail"]


def test_implausible_counts_are_quarantined_with_their_column(tmp_path):
    rows = [library_row(1, "5320032S0000001", **{"Jumlah Koleksi Eksemplar": "10.000.001"}),
            library_row(2, "5320032S0000002", **{"Rata-rata Kunjungan per Hari": "100.000,5"}),
            library_row(3, "5320032S0000003", **{"Jumlah Koleksi Eksemplar": "10.000.000",
                                                  "Rata-rata Kunjungan per Hari": "100.000"})]  # at the limit: kept
    result = load(export(tmp_path, "a.csv", rows).parents[2])
    assert reasons(result) == {4: "implausible_count", 5: "implausible_count"}
    assert result.kept["row_number"].tolist() == [6]
    q = result.quarantine.set_index("row_number")
    assert q.loc[4, "column_name"] == "Jumlah Koleksi Eksemplar"
    assert "10,000,001 is above the plausible 10,000,000" in q.loc[4, "detail"]
    assert q.loc[5, "column_name"] == "Rata-rata Kunjungan per Hari"


# --------------------------------------------------------------------------- corrections before validation
def _correction(field, original, corrected, npp="5320032S0000001"):
    return Correction(2, "perpustakaan", YEAR, npp, field, original, corrected, "test")


def test_correction_is_applied_before_validation(tmp_path):
    rows = [library_row(1, "5320032S0000001", **{"Jumlah Anggota": "10"}),
            library_row(2, "5320032S0000002", **{"Jumlah Anggota": "banyak"})]
    raw = export(tmp_path, "a.csv", rows).parents[2]
    result = load(raw, corrections=(_correction("members", 10, -5),))
    assert reasons(result) == {4: "negative_count", 5: "not_a_number"}  # the corrected -5 is checked
    assert result.corrections["corrected"].tolist() == [-5]
    result = load(raw, corrections=(_correction("members", 10, 12),
                                    _correction("members", None, 40, npp="5320032S0000002")))
    assert result.kept["members"].tolist() == [12, 40]  # a corrected unreadable cell is read
    assert len(result.quarantine) == 0


def test_stale_library_correction_stops_the_run(tmp_path):
    raw = export(tmp_path, "a.csv", [library_row(1, "5320032S0000001", **{"Jumlah Anggota": "10"})]).parents[2]
    with pytest.raises(CorrectionError, match="the source now says 10.0, not the original 11 "):
        load(raw, corrections=(_correction("members", 11, 12),))
    with pytest.raises(CorrectionError, match="no row of the year's exports has NPP 5320032S0000009"):
        load(raw, corrections=(_correction("members", 10, 12, npp="5320032S0000009"),))


# --------------------------------------------------------------------------- folders, encodings, quotes
def test_library_folder_holds_year_folders_only(tmp_path):
    export(tmp_path, "a.csv", [library_row(1, "5320032S0000001")])
    (tmp_path / "perpustakaan" / ".DS_Store").write_text("x")
    (tmp_path / "perpustakaan" / str(YEAR) / "~$a.xlsx").write_text("x")
    result = load(tmp_path)
    assert result.notes == ["set aside perpustakaan/.DS_Store (a lock or hidden file, not data)",
                            "set aside ~$a.xlsx (a lock or hidden file, not data)"]
    (tmp_path / "perpustakaan" / "ntt.csv").write_text("x")
    with pytest.raises(SourceError, match=r"perpustakaan/ntt\.csv: 'ntt\.csv' in the library folder is not a year"):
        load(tmp_path)
    (tmp_path / "perpustakaan" / "ntt.csv").unlink()
    (tmp_path / "perpustakaan" / "lama").mkdir()
    with pytest.raises(SourceError, match="'lama' in the library folder is not a year folder"):
        load(tmp_path)
    (tmp_path / "perpustakaan" / "lama").rmdir()
    (tmp_path / "perpustakaan" / str(YEAR) / "b.xls").write_text("x")
    with pytest.raises(SourceError, match=r"b\.xls: a file of type '\.xls' that is not read.*save it as \.xlsx"):
        load(tmp_path)


def test_xlsm_is_read_as_xlsx_with_a_note(tmp_path):
    path = export(tmp_path, "a.xlsx", [library_row(1, "5320032S0000001")])
    path.rename(path.with_suffix(".xlsm"))
    result = load(tmp_path)
    assert result.kept["npp"].tolist() == ["5320032S0000001"]
    assert "macros ignored" in result.ledger["notes"].iloc[0]


def test_a_line_not_utf8_is_read_as_cp1252_and_noted_in_the_ledger(tmp_path):
    path = export(tmp_path, "a.csv", [library_row(1, "5320032S0000001", regency="Kab. Sabu Raijua"),
                                      library_row(2, "5320032S0000002")])
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b"Perpustakaan 0002", "Perpustakaan Désa".encode("cp1252"))
    lines[3] = lines[3].replace(b"Perpustakaan 0001", "Perpustakaan Désa".encode())
    path.write_bytes(b"\n".join(lines))
    result = load(tmp_path)
    assert result.kept["name"].tolist() == ["Perpustakaan Désa"] * 2
    assert result.ledger["notes"].iloc[0] == "1 line(s) not UTF-8, read as Windows-1252: line 5"


def test_stray_quote_in_an_export_stops_with_its_row(tmp_path):
    rows = [library_row(i, f"5320032S{i:07d}") for i in range(1, 700)]
    rows[99][2] = '"Perpustakaan 100'       # becomes a quoted cell opening in row 103 ...
    rows[599][2] = 'Perpustakaan 600"'      # ... closed 500 rows below
    path = export(tmp_path, "a.csv", rows)
    path.write_text(path.read_text(encoding="utf-8").replace('"""Perpustakaan 100"', '"Perpustakaan 100')
                    .replace('"Perpustakaan 600"""', 'Perpustakaan 600"'), encoding="utf-8")
    with pytest.raises(SourceError, match=r"a\.csv, row 103, column 'Nama Perpustakaan': a cell starting in this "
                                          r"row \(line 103 of the file\) runs over 501 lines to line 603 and is "
                                          r"longer than 32,767 characters"):
        load(tmp_path)
