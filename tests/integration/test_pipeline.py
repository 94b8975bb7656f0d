"""The whole pipeline from raw files to published marts, through the `iplm` CLI, in temp folders."""

import duckdb
import pytest

from iplm_pipeline.cli import main
from tests.builders import bps_table, write_rows
from tests.conftest import query

pytestmark = pytest.mark.slow

PUBLISHED_SABU_RAIJUA = [0.4712, 0.4000, 0.8840, 0.0563, 0.3646, 0.0107, 1.0000]


@pytest.fixture(scope="module")
def sabu_marts(tmp_path_factory):
    """One run of the Sabu Raijua dataset, shared by the tests that only read its marts."""
    from tests.builders import write_sabu_raijua

    root = tmp_path_factory.mktemp("sabu")
    write_sabu_raijua(root / "raw")
    dirs = ["--raw-dir", str(root / "raw"), "--marts-dir", str(root / "marts")]
    assert main(["run", "--year", "2024", "-q", *dirs]) == 0
    return root / "marts"


def test_sabu_raijua_2024_reproduces_the_published_figures(sabu_marts):
    marts = sabu_marts
    row = query(marts, "SELECT population, institutions, school_civitas, academic_civitas, libraries, collections, "
                       "staff, visits_per_day, snp_libraries, participation, members, uplm1, uplm2, uplm3, uplm4, "
                       "uplm5, uplm6, uplm7, iplm, category FROM iplm_regency WHERE year = 2024 AND bps_code = '5320'")
    (p, k, cs, ca, libraries, c, t, v, s, a, m, *uplm, iplm, category) = row[0]
    assert (p, k, cs, ca, libraries, c, t, v, s, a, m) == (93_330, 208, 26_344, 0, 98, 74_669, 33, 105, 8, 20, 31_725)
    assert [round(u, 4) for u in uplm] == PUBLISHED_SABU_RAIJUA
    assert float(iplm) == 45.52 and category == "Rendah"
    # The trap: averaging the rounded UPLM gives 45,53; the index is computed from unrounded values.
    assert round(100 * sum(PUBLISHED_SABU_RAIJUA) / 7, 2) == 45.53


def test_kupang_and_kota_kupang_stay_apart_through_the_pipeline(sabu_marts):
    marts = sabu_marts
    rows = dict(query(marts, "SELECT bps_code, population FROM iplm_regency WHERE bps_code IN ('5303', '5371')"))
    assert rows == {"5303": 380_150, "5371": 466_630}


def test_run_twice_gives_identical_marts(sabu_raw):
    _, marts = sabu_raw

    def snapshot():
        with duckdb.connect(str(marts / "iplm.duckdb"), read_only=True) as con:
            # release_changes records each publish (when, against what), so it differs by design
            tables = [r[0] for r in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                "WHERE table_name <> 'release_changes' ORDER BY 1").fetchall()]
            return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}

    assert main(["run", "--year", "2024", "-q"]) == 0
    first = snapshot()
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert snapshot() == first
    assert first["main.iplm_regency"] and first["staging.perpustakaan"]


def test_ledger_balances_and_checks_pass(sabu_raw):
    raw, marts = sabu_raw
    # Add a messy second export: a footer, a junk row, an older duplicate of a Sabu Raijua library.
    from tests.builders import LIBRARY_HEADER, library_row

    write_rows(raw / "perpustakaan" / "2024" / "zz_redownload.csv", [
        LIBRARY_HEADER, library_row(1, "5320000U0000001", "Umum", **{"Tanggal Pembaruan": "01/01/2020"}),
        library_row(2, "53X"), ["", "Jumlah", *[""] * 15]])
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert query(marts, "SELECT libraries FROM iplm_regency WHERE bps_code = '5320'") == [(98,)]
    ledger = query(marts, "SELECT source_file, rows_read, rows_kept, rows_quarantined FROM source_files "
                          "WHERE source = 'perpustakaan' ORDER BY 1")
    assert ledger == [("perpustakaan/2024/ntt.csv", 107, 107, 0), ("perpustakaan/2024/zz_redownload.csv", 3, 0, 3)]
    assert sorted(r[0] for r in query(marts, "SELECT reason FROM quarantine WHERE source = 'perpustakaan'")) == [
        "duplicate_older", "footer_row", "npp_malformed"]
    # Completeness counts what each regency lost: the older duplicate names Sabu Raijua by its NPP;
    # '53X' and the footer name no regency.
    assert query(marts, "SELECT rows_quarantined, quarantined_by_reason FROM data_completeness "
                        "WHERE bps_code = '5320'") == [(1, "duplicate_older 1")]


def test_marts_state_their_grain_in_comments(sabu_marts):
    marts = sabu_marts
    comments = dict(query(marts, "SELECT table_name, comment FROM duckdb_tables() UNION ALL "
                                 "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"))
    for table in ("iplm_regency", "iplm_province", "iplm_national", "quarantine", "source_files",
                  "data_completeness", "reconciliation", "library_region_mismatches", "corrections_applied",
                  "iplm_regency_completeness", "perpustakaan", "bps"):
        assert comments[table].startswith("One row per"), table
    missing = query(marts, "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                           "AND comment IS NULL AND table_name IN (SELECT table_name FROM duckdb_tables())")
    assert missing == []


def test_province_with_missing_regency_inputs_is_null_with_reason(sabu_marts):
    marts = sabu_marts
    (iplm, reason), = query(marts, "SELECT iplm, missing_inputs FROM iplm_province WHERE bps_code = '53'")
    assert iplm is None and reason.startswith("19 of 22 regencies lack BPS inputs")
    (regency_reason,), = query(marts, "SELECT missing_inputs FROM iplm_regency WHERE bps_code = '5301'")
    assert "penduduk 2023: no row for this regency in bps/penduduk/ntt.csv" in regency_reason


def test_unregistered_year_fails_clearly(sabu_raw, capsys):
    _, marts = sabu_raw
    assert main(["run", "--year", "2026"]) == 2
    assert "No IPLM method is registered for year 2026" in capsys.readouterr().err
    assert not (marts / "iplm.duckdb").exists()


def test_unknown_region_fails_with_file_and_text_and_publishes_nothing(sabu_raw, capsys):
    raw, marts = sabu_raw
    write_rows(raw / "bps" / "dosen" / "ntt.csv",
               bps_table("Jumlah Dosen di Provinsi Nusa Tenggara Timur", [2022], [("Kupang Raya", ["1"])]))
    assert main(["run", "--year", "2024"]) == 2
    err = capsys.readouterr().err
    assert "bps/dosen/ntt.csv, row 4, column 'Kabupaten/Kota': unknown regency name 'Kupang Raya'" in err
    assert not (marts / "iplm.duckdb").exists()
    assert not list((marts / ".build").glob("*.duckdb"))  # the failed run's build file is gone


def test_failing_error_check_blocks_publishing(sabu_raw, capsys):
    # A province with exports but no population table: the blocking required_inputs check fails.
    raw, marts = sabu_raw
    (raw / "bps" / "penduduk" / "ntt.csv").unlink()
    assert main(["run", "--year", "2024"]) == 1
    captured = capsys.readouterr()
    assert "check ERROR iplm_regency.required_inputs: 1 offending row(s)" in captured.err
    assert "no table in bps/penduduk/ for this province" in captured.err
    assert "Nothing was published" in captured.err and "Query them" not in captured.out
    assert not (marts / "iplm.duckdb").exists()


def test_detail_block_reproduces_the_reported_sabu_raijua_figures(sabu_marts):
    marts = sabu_marts
    row = query(marts, "SELECT shortfall_libraries, shortfall_collections, shortfall_staff, shortfall_visits_per_day, "
                       "shortfall_snp_libraries, shortfall_participation, shortfall_members, "
                       "public_libraries_per_100k_population, school_libraries_per_100k_school_civitas, "
                       "university_libraries_per_100k_academic_civitas, people_per_collection, people_per_staff, "
                       "visits_percent_of_population, snp_percent_of_libraries, participation_percent_of_population, "
                       "members_percent_of_population, achievement1 FROM iplm_detail "
                       "WHERE year = 2024 AND bps_code = '5320'")[0]
    # METHODOLOGY.md: shortfalls 110, 111 991, 5, 1 762, 14, 1 847, 0; per 100 000: 27, 278, 0;
    # one staff member per 2 829 people; shares 0,11 %, 8,16 %, 0,02 %, 33,99 %; UPLM1 achieved 47 %.
    assert row == (110, 111_991, 5, 1_762, 14, 1_847, 0, 27, 278, 0, 2, 2_829, 0.11, 8.16, 0.02, 33.99, 47)


def test_marts_made_by_an_earlier_version_are_rebuilt_with_other_years_carried(sabu_raw):
    _, marts = sabu_raw
    assert main(["run", "--year", "2024", "-q"]) == 0
    with duckdb.connect(str(marts / "iplm.duckdb")) as con:  # as an earlier version would have left it
        con.execute("ALTER TABLE data_completeness DROP COLUMN quarantined_by_reason")
        con.execute("UPDATE schema_info SET version = 'earlier'")
        con.execute("INSERT INTO iplm_national BY NAME SELECT * REPLACE (2023 AS year) FROM iplm_national")
    assert main(["run", "--year", "2024", "-q"]) == 0
    from iplm_pipeline.warehouse import schema_version

    assert query(marts, "SELECT version FROM schema_info") == [(schema_version(),)]
    assert query(marts, "SELECT year FROM iplm_national ORDER BY year") == [(2023,), (2024,)]
    assert query(marts, "SELECT count(quarantined_by_reason) FROM data_completeness WHERE year = 2024") == [(0,)]
