"""The bundled sample (data/raw/, what `make run` computes) through the whole pipeline.

data/raw/README.md lists what is real and what is planted; these tests hold the pipeline to it.
"""

from pathlib import Path

import pytest

from iplm_pipeline.cli import main
from tests.conftest import query

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    marts = tmp_path_factory.mktemp("sample-marts")
    mp = pytest.MonkeyPatch()
    mp.setenv("IPLM_RAW_DIR", str(SAMPLE))
    mp.setenv("IPLM_MARTS_DIR", str(marts))
    mp.delenv("DAGSTER_HOME", raising=False)
    assert main(["backfill", "--from", "2022", "--to", "2024", "-q"]) == 0  # every sample year
    yield marts
    mp.undo()


def test_real_sabu_raijua_row_reproduces(marts):
    (uplm, iplm, category), = query(marts, "SELECT [round(uplm1, 4), round(uplm2, 4), round(uplm3, 4), "
                                           "round(uplm4, 4), round(uplm5, 4), round(uplm6, 4), round(uplm7, 4)], "
                                           "iplm, category FROM iplm_regency WHERE year = 2024 AND bps_code = '5320'")
    assert uplm == [0.4712, 0.4, 0.884, 0.0563, 0.3646, 0.0107, 1.0]
    assert float(iplm) == 45.52 and category == "Rendah"


def test_real_ntt_inconsistency_is_flagged_with_what_it_implies(marts):
    libraries, institutions = query(marts, "SELECT libraries, institutions FROM iplm_province "
                                           "WHERE year = 2024 AND bps_code = '53'")[0]
    assert (libraries, institutions) == (5410, 12786)
    status, implied_base = query(marts, "SELECT status, implied_base FROM reconciliation WHERE year = 2024 "
                                        "AND level = 'province' AND bps_code = '53' AND measure = 'uplm1'")[0]
    assert status == "mismatch" and round(implied_base) == 12915  # 5 410 / 0,4189


def test_only_the_planted_disagreements_remain(marts):
    mismatches = query(marts, "SELECT year, level, bps_code, measure FROM reconciliation WHERE status = 'mismatch' "
                              "ORDER BY ALL")
    # NTT's real UPLM1 (and the IPLM it moves), the planted Kab. Ende publication error, DIY's planted
    # BPS school total; 2023 (Tabel 44 of both provinces) reproduces entirely
    assert mismatches == [(2024, "province", "53", "iplm"), (2024, "province", "53", "uplm1"),
                          (2024, "regency", "5311", "iplm"), (2024, "source", "34", "bps_aggregate:sekolah"),
                          (2024, "source", "5311", "published_self:iplm")]
    matches = dict(query(marts, "SELECT year, count(*) FROM reconciliation WHERE level <> 'source' "
                                "AND status = 'match' GROUP BY ALL"))
    assert matches[2023] == 30 * 8 and matches[2024] > 180


def test_population_2023_is_the_column_the_published_figures_imply(marts):
    # The reconciliation back-solves the population each published UPLM implies and tries every BPS
    # column of the sample (2019-2023): only 2023, the column the registry takes, fits.
    rows = query(marts, "SELECT bps_code, status, computed, detail FROM reconciliation "
                        "WHERE year = 2024 AND measure = 'bps_year:penduduk'")
    assert [(code, status, computed) for code, status, computed, _ in rows] == [("53", "match", 2023.0)]
    assert "2022 fits 0 of" in rows[0][3] and "the registry takes 2023" in rows[0][3]
    assert query(marts, "SELECT population, population_bps_year FROM iplm_regency "
                        "WHERE year = 2024 AND bps_code = '5320'") == [(93330, "2023")]
    assert query(marts, "SELECT population FROM iplm_regency WHERE year = 2023 AND bps_code = '5320'") == [(91877,)]


def test_diy_2024_reconciles_on_the_iplm_only_table(marts):
    rows = query(marts, "SELECT level, bps_code, measure, status FROM reconciliation WHERE year = 2024 "
                        "AND level IN ('regency', 'province') AND bps_code LIKE '34%' ORDER BY ALL")
    assert {measure for _, _, measure, _ in rows} == {"iplm"} and {s for *_, s in rows} == {"match"}
    assert len(rows) == 6  # the province and its 5 regencies


def test_every_messy_case_is_quarantined_and_accounted(marts):
    reasons = {r for (r,) in query(marts, "SELECT DISTINCT reason FROM quarantine WHERE source = 'perpustakaan'")}
    assert reasons == {"npp_missing", "npp_malformed", "negative_count", "not_a_number", "unknown_type",
                       "unknown_region", "footer_row", "duplicate_older", "duplicate_identical",
                       "duplicate_conflict"}
    unbalanced = query(marts, "SELECT source_file FROM source_files WHERE rows_read <> rows_kept + rows_quarantined")
    assert unbalanced == []
    assert query(marts, "SELECT count(*) FROM library_region_mismatches")[0][0] == 3
