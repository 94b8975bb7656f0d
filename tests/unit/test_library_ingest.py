"""Library registration exports (SOURCES.md §2): headers, values, quarantine reasons, dedupe, ledger."""

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from iplm_pipeline.defs.perpustakaan.ingest import load_library_year
from iplm_pipeline.errors import SourceError
from iplm_pipeline.regions import load_regions
from iplm_pipeline.warehouse import apply_schema, connect
from tests.builders import LIBRARY_HEADER, library_row, write_rows

YEAR = 2024


def load(raw, corrections=()):
    """Run the year's ingest into an in-memory warehouse; `kept` = the staging.libraries rows written."""
    with connect() as con:
        apply_schema(con)
        result = load_library_year(con, raw, YEAR, load_regions(), corrections)
        kept = con.sql("SELECT * EXCLUDE (year) FROM staging.libraries ORDER BY read_order").df()
    assert len(kept) == result.kept
    return SimpleNamespace(kept=kept, quarantine=result.quarantine, ledger=result.ledger,
                           corrections=result.corrections)


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
