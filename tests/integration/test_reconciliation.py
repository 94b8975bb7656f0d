"""The reconciliation mart: statuses, back-solved inputs, source checks, completeness, corrections."""

import pytest

from iplm_pipeline.cli import main
from tests.builders import (
    DIY_REGENCIES,
    PUBLISHED_HEADER,
    UNIFORM_IPLM,
    UNIFORM_UPLM,
    write_rows,
    write_uniform_diy,
)
from tests.conftest import query

pytestmark = pytest.mark.slow


def published(raw, rows, year=2024):
    write_rows(raw / "terbitan" / str(year) / "tabel44.csv", [["Tabel 44"], PUBLISHED_HEADER, *rows], delimiter=";")


def statuses(marts, level, bps_code):
    return dict(query(marts, "SELECT measure, status FROM reconciliation WHERE level = ? AND bps_code = ?",
                      [level, bps_code]))


def test_hand_computed_province_reproduces(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    assert main(["run", "--year", "2024", "-q"]) == 0
    row = query(marts, "SELECT uplm1, uplm5, iplm, category FROM iplm_province WHERE bps_code = '34'")[0]
    assert row[0] == 0.5 and row[1] == pytest.approx(5 / (0.2239 * 50)) and float(row[2]) == 49.24
    assert row[3] == "Rendah"


def test_inconsistent_province_row_is_a_mismatch_with_back_solved_input(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    # The province row's UPLM1 does not follow from its own counts (as NTT 2024's 0,4189 does not).
    bad_province = ["Provinsi DI Yogyakarta", "0,4189", *UNIFORM_UPLM[1:], "48,08"]
    published(raw, [bad_province, *[[name, *UNIFORM_UPLM, UNIFORM_IPLM] for name in DIY_REGENCIES]])
    assert main(["run", "--year", "2024", "-q"]) == 0
    for code in ("3401", "3402", "3403", "3404", "3471"):
        assert set(statuses(marts, "regency", code).values()) == {"match"}, code
    province = statuses(marts, "province", "34")
    assert province["uplm1"] == "mismatch" and province["iplm"] == "mismatch"
    assert {province[f"uplm{i}"] for i in range(2, 8)} == {"match"}
    implied_base, implied_actual, detail = query(
        marts, "SELECT implied_base, implied_actual, detail FROM reconciliation "
               "WHERE level = 'province' AND measure = 'uplm1'")[0]
    # 250 libraries / 0,4189 = 596,8 institutions, where BPS gives 500; or 209,45 libraries with 500.
    assert implied_base == pytest.approx(250 / 0.4189) and implied_actual == pytest.approx(0.4189 * 500)
    assert "implies institutions = 596.8" in detail and "sources give 500" in detail
    iplm_detail = query(marts, "SELECT detail FROM reconciliation WHERE level = 'province' AND measure = 'iplm'")[0][0]
    assert iplm_detail.startswith("follows from the mismatching UPLM1")
    # The printed province row is consistent with itself: 100 x mean(0,4189, ...) = 48,08.
    assert statuses(marts, "source", "34")["published_self:iplm"] == "match"


def test_missing_statuses(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    published(raw, [[name, *UNIFORM_UPLM, UNIFORM_IPLM] for name in DIY_REGENCIES[:4]]
              + [["Kab. Sabu Raijua", "0,4712", "0,4000", "0,8840", "0,0563", "0,3646", "0,0107", "1,0000", "45,52"]])
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert set(statuses(marts, "regency", "3471").values()) == {"missing_published"}  # Kota Yogyakarta
    assert set(statuses(marts, "regency", "5320").values()) == {"missing_computed"}  # no NTT raw data
    detail = query(marts, "SELECT detail FROM reconciliation WHERE bps_code = '5320' AND measure = 'iplm'")[0][0]
    assert "the raw data hold no regency for it" in detail


def test_publication_error_inside_a_row_is_flagged(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    published(raw, [["Kab. Bantul", *UNIFORM_UPLM, "49,26"], ["Kab. Sleman", *UNIFORM_UPLM, "49,23"],
                    ["Kab. Gunung Kidul", *UNIFORM_UPLM, "49,25"]])
    assert main(["run", "--year", "2024", "-q"]) == 0
    rows = dict(query(marts, "SELECT bps_code, status FROM reconciliation WHERE measure = 'published_self:iplm'"))
    # 100 x mean of the printed UPLM is 49,2371 (unrounded). 4-decimal UPLM carry 0,005 of rounding after
    # x 100 and the 2-decimal IPLM another 0,005, so printed IPLM from 49,2271 to 49,2471 are rounding:
    # 49,23 matches, 49,25 (0,0129 away) and 49,26 are errors in the publication. (Before per-value
    # precision this compared round(49,2371, 2) = 49,24 with 0,01 and let 49,25 pass.)
    assert rows == {"3402": "mismatch", "3404": "match", "3403": "mismatch"}


def test_bps_aggregate_disagreeing_with_its_rows_is_a_source_mismatch(dirs, capsys):
    raw, marts = dirs
    write_uniform_diy(raw, aggregate_offsets={"sekolah": 3})
    assert main(["run", "--year", "2024", "-q"]) == 0
    rows = query(marts, "SELECT measure, computed, published, status, detail FROM reconciliation "
                        "WHERE level = 'source' AND bps_code = '34' AND measure LIKE 'bps_aggregate:%'")
    by_measure = {r[0]: r[1:] for r in rows}
    assert len(by_measure) == 8
    computed, published_value, status, detail = by_measure["bps_aggregate:sekolah"]
    assert (computed, published_value, status) == (295, 298, "mismatch")
    assert detail == ("bps/sekolah/diy.xlsx: sekolah 2022 for Daerah Istimewa Yogyakarta: 5 regency rows sum to "
                      "295, the aggregate (row 9) row says 298")
    assert {v[2] for k, v in by_measure.items() if k != "bps_aggregate:sekolah"} == {"match"}
    capsys.readouterr()
    assert main(["reconcile", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "source 34 Daerah Istimewa Yogyakarta · bps_aggregate:sekolah: computed 295, published 298" in out


def test_completeness_is_beside_the_index(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    assert main(["run", "--year", "2024", "-q"]) == 0
    row = query(marts, "SELECT libraries, libraries_umum, libraries_sekolah, share_collections, share_librarians, "
                       "share_members, share_snp, share_complete, iplm FROM iplm_regency_completeness "
                       "WHERE bps_code = '3401'")[0]
    # 50 libraries; collections reported by all, librarians by 20, members by 10, SNP (Ya) by 5,
    # and those 5 reported every input.
    assert row[:8] == (50, 10, 40, 1.0, 0.4, 0.2, 0.1, 0.1)
    assert float(row[8]) == 49.24
    province = query(marts, "SELECT share_librarians FROM iplm_province_completeness WHERE bps_code = '34'")
    assert province == [(0.4,)]


def test_npp_region_wins_and_disagreement_is_reported(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    from tests.builders import LIBRARY_HEADER, library_row

    write_rows(raw / "perpustakaan" / "2024" / "extra.csv", [LIBRARY_HEADER,
               library_row(1, "3401009U0000001", "Umum", "Kota Yogyakarta"),
               library_row(2, "3401009U0000002", "Umum", "Atlantis")])
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert query(marts, "SELECT libraries FROM iplm_regency WHERE bps_code = '3401'") == [(52,)]
    rows = query(marts, "SELECT npp, npp_regency_name, text_regency_name, status FROM library_region_mismatches "
                        "ORDER BY npp")
    assert rows == [("3401009U0000001", "Kabupaten Kulon Progo", "Kota Yogyakarta", "other_regency"),
                    ("3401009U0000002", "Kabupaten Kulon Progo", "Atlantis", "unknown_text")]


def test_corrections_apply_and_a_stale_one_fails_loudly(dirs, capsys):
    raw, marts = dirs
    write_uniform_diy(raw)
    (raw / "corrections.csv").write_text(
        "source,year,area,field,original,corrected,reason\n"
        "bps,2023,3401,penduduk,100000,125000,BPS revised the 2023 projection (test)\n")
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert query(marts, "SELECT population FROM iplm_regency WHERE bps_code = '3401'") == [(125_000,)]
    assert query(marts, "SELECT source, area, original, corrected FROM corrections_applied") == [
        ("bps", "3401", 100_000, 125_000)]
    # The source changes under the correction: its guard no longer holds, the run stops.
    (raw / "corrections.csv").write_text(
        "source,year,area,field,original,corrected,reason\n"
        "bps,2023,3401,penduduk,99000,125000,BPS revised the 2023 projection (test)\n")
    capsys.readouterr()
    assert main(["run", "--year", "2024", "-q"]) == 2
    err = capsys.readouterr().err
    assert "corrections.csv line 2" in err and "the source now says 100000.0, not the original 99000.0" in err


def test_reconciliation_names_the_bps_column_the_publisher_used(sabu_raw):
    # The penduduk table holds Sabu Raijua's real 2022 (91 877, as 91,88 thousand) and 2023 (93 330)
    # columns; the published UPLM2, 3, 4 and 6 each imply a population that only the 2023 column fits.
    _, marts = sabu_raw
    assert main(["run", "--year", "2024", "-q"]) == 0
    (computed, status, detail), = query(
        marts, "SELECT computed, status, detail FROM reconciliation "
               "WHERE year = 2024 AND measure = 'bps_year:penduduk'")
    assert computed == 2023 and status == "match"
    assert "2022 fits 0 of 4, 2023 fits 4 of 4; the registry takes 2023" in detail
    (population, column), = query(marts, "SELECT population, population_bps_year FROM iplm_regency "
                                         "WHERE year = 2024 AND bps_code = '5320'")
    assert (population, column) == (93_330, "2023")


def test_iplm_only_table_reconciles_on_iplm_and_category_alone(dirs):
    raw, marts = dirs
    write_uniform_diy(raw)
    write_rows(raw / "terbitan" / "2024" / "satu_data_diy.csv", [
        ["kode_provinsi_kabupaten_kota", "nama_provinsi_kabupaten_kota", "iplm", "satuan", "kategori", "tahun"],
        ["3400", "Provinsi DI Yogyakarta", "49.24", "Poin", "Rendah", "2024"],
        ["3401", "Kabupaten Kulon Progo", "49.24", "Poin", "Sedang", "2024"]])
    assert main(["run", "--year", "2024", "-q"]) == 0
    # No UPLM rows (and so no missing_published noise) for areas the table publishes the IPLM of.
    assert statuses(marts, "regency", "3401") == {"iplm": "match"}
    assert statuses(marts, "province", "34") == {"iplm": "match"}
    assert set(statuses(marts, "regency", "3402").values()) == {"missing_published"}  # not in the table
    assert statuses(marts, "source", "3401") == {"published_self:category": "mismatch"}  # 49,24 is Rendah
    tolerance = query(marts, "SELECT tolerance FROM reconciliation WHERE level = 'regency' AND bps_code = '3401'")
    assert tolerance == [(pytest.approx(0.005),)]


def test_a_published_correction_is_validated_like_any_published_value(sabu_raw, capsys):
    # Forward only: corrections apply before the published rows are validated once.
    raw, marts = sabu_raw
    (raw / "corrections.csv").write_text("source,year,area,field,original,corrected,reason\n"
                                         "terbitan,2024,5320,uplm1,0.4712,1.5,a typo in a correction (test)\n")
    assert main(["run", "--year", "2024", "-q"]) == 2
    err = capsys.readouterr().err
    assert "terbitan/2024/tabel44.csv, row 3, column 'uplm1': uplm1 1.5 breaks" in err
    assert "Nothing was published" in err and not (marts / "iplm.duckdb").exists()
