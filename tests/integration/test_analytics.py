"""What analysts take away, end to end through the `iplm` CLI: targets, trends, release changes, TPBIS."""

import pytest

from iplm_pipeline.cli import main
from iplm_pipeline.release import NO_CHANGES
from tests.builders import LIBRARY_HEADER, library_row, write_rows, write_years
from tests.conftest import query

pytestmark = pytest.mark.slow


def test_a_rerun_changes_nothing_and_a_changed_input_is_listed(sabu_raw, capsys):
    raw, marts = sabu_raw
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert main(["diff"]) == 0
    assert "first release" in capsys.readouterr().out
    assert main(["run", "--year", "2024", "-q"]) == 0
    capsys.readouterr()
    assert main(["diff"]) == 0
    assert NO_CHANGES in capsys.readouterr().out
    assert query(marts, "SELECT sum(rows_added + rows_removed + rows_changed) FROM release_changes "
                        "WHERE kind = 'table'") == [(0,)]

    # A second export adds one well-stocked Sabu Raijua library: its IPLM (and the province's) change.
    write_rows(raw / "perpustakaan" / "2024" / "zz_tambahan.csv", [
        LIBRARY_HEADER, library_row(1, "5320009U0009999", "Umum", **{"Jumlah Koleksi Eksemplar": "40.000"})])
    assert main(["run", "--year", "2024", "-q"]) == 0
    capsys.readouterr()
    assert main(["diff"]) == 0
    out = capsys.readouterr().out
    assert NO_CHANGES not in out
    assert "Kabupaten Sabu Raijua: IPLM 45.52 -> " in out
    changed = dict(query(marts, "SELECT table_name, rows_added FROM release_changes WHERE kind = 'table' "
                                "AND table_name IN ('staging.perpustakaan', 'source_files')"))
    assert changed == {"staging.perpustakaan": 1, "source_files": 1}
    area = query(marts, "SELECT old_value, new_value FROM release_changes WHERE kind = 'area' "
                        "AND bps_code = '5320' AND measure = 'iplm'")
    assert area[0][0] == "45.52" and area[0][1] != "45.52"


def test_trends_are_comparable_only_under_the_same_method(dirs):
    raw, marts = dirs
    write_years(raw, [2022, 2023, 2024])
    assert main(["backfill", "--from", "2022", "--to", "2024", "-q"]) == 0
    rows = query(marts, "SELECT year, comparable, count(*), count(delta), any_value(note) FROM iplm_trends "
                        "WHERE level = 'regency' AND bps_code = '5320' GROUP BY ALL ORDER BY year")
    elements = query(marts, "SELECT count(*) FROM methodology_elements WHERE year = 2024")[0][0]
    assert [(y, c, n, d) for y, c, n, d, _ in rows] == [(2022, False, elements + 1, 0),
                                                        (2023, False, elements + 1, 0),
                                                        (2024, True, elements + 1, elements + 1)]
    assert "method changed from pedoman-2021-uncapped" in rows[1][4]
    (value, previous, delta), = query(marts, "SELECT value, previous_value, delta FROM iplm_trends "
                                             "WHERE year = 2024 AND bps_code = '5320' AND element = 'iplm'")
    assert delta == round(value - previous, 2)


def test_targets_agree_with_the_score_marts(dirs):
    raw, marts = dirs
    write_years(raw, [2022, 2024])
    assert main(["run", "--year", "2022", "-q"]) == 0
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert query(marts, "SELECT count(*) FROM iplm_targets t JOIN iplm_regency r USING (year, bps_code) "
                        "WHERE t.current_iplm IS DISTINCT FROM r.iplm") == [(0,)]
    assert query(marts, "SELECT count(*) FROM (SELECT year, bps_code, plan, input FROM iplm_targets "
                        "GROUP BY ALL HAVING count(*) > 1)") == [(0,)]
    assert query(marts, "SELECT count(*), count(addition), min(reason LIKE '%does not cap%') FROM iplm_targets "
                        "WHERE year = 2022")[0][1:] == (0, True)
    sabu = dict(query(marts, "SELECT input, addition FROM iplm_targets WHERE year = 2024 AND bps_code = '5320' "
                             "AND plan = 'single'"))
    assert sabu["libraries"] == 105 and sabu["members"] is None


def test_tpbis_absent_folder_gives_an_empty_mart(sabu_raw):
    _, marts = sabu_raw
    assert main(["run", "--year", "2024", "-q"]) == 0
    assert query(marts, "SELECT count(*) FROM tpbis_comparison") == [(0,)]


def test_tpbis_partners_against_non_partners(sabu_raw):
    raw, marts = sabu_raw
    write_rows(raw / "tpbis" / "tpbis_partners.csv", [
        ["level", "code", "name", "joined_year"],
        ["regency", "5320", "Kabupaten Sabu Raijua", "2023"],
        ["npp", "5320000U0000001", "a Sabu Raijua library", "2025"],
        ["regency", "", "Kota Kupang", "2024"],
    ])
    assert main(["run", "--year", "2024", "-q"]) == 0
    # NTT's other regencies are in the universe without BPS inputs: counted, without an IPLM.
    regency = {g: (n, k) for g, n, k in query(marts, "SELECT partner_group, n, n_with_value FROM tpbis_comparison "
                                                     "WHERE year = 2024 AND unit = 'regency' AND measure = 'iplm'")}
    assert regency == {"partner_after_joining": (2, 2), "non_partner": (20, 1)}
    library = dict(query(marts, "SELECT partner_group, n FROM tpbis_comparison WHERE year = 2024 "
                                "AND unit = 'library' AND measure = 'collections'"))
    assert library["partner_before_joining"] == 1
    labels = query(marts, "SELECT string_agg(DISTINCT partner_group || measure || coalesce(measure_name, '')) "
                          "FROM tpbis_comparison")[0][0]
    comments = " ".join(c for (c,) in query(marts, "SELECT coalesce(comment, '') FROM duckdb_columns() "
                                                   "WHERE table_name = 'tpbis_comparison'"))
    for causal in ("effect", "impact"):
        assert causal not in labels.lower() and causal not in comments.lower()
    completeness = query(marts, "SELECT count(*) FROM tpbis_comparison WHERE completeness IS NULL")
    assert completeness == [(0,)]


def test_tpbis_unknown_code_stops_the_run_with_its_row(sabu_raw, capsys):
    raw, _ = sabu_raw
    write_rows(raw / "tpbis" / "tpbis_partners.csv", [["level", "code", "name", "joined_year"],
                                                      ["regency", "9999", "Nowhere", "2023"]])
    assert main(["run", "--year", "2024", "-q"]) == 2
    err = capsys.readouterr().err
    assert "tpbis_partners.csv, row 2, column 'code'" in err and "9999" in err
