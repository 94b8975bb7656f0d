"""The method drives the shape: a method with 5 or 9 elements computes with the same SQL."""

import duckdb
import pandas as pd
import pytest

from iplm_pipeline.methodology import elements_frame, parse_registry
from iplm_pipeline.warehouse import apply_schema, run_sql

INPUTS = {"population": 100_000.0, "school_civitas": 10_000.0, "academic_civitas": 500.0, "institutions": 100.0,
          "libraries": 50.0, "collections": 100_000.0, "staff": 20.0, "visits_per_day": 1_000.0,
          "snp_libraries": 5.0, "participation": 1_000.0, "members": 3_000.0}
# (actual, base, factor): ratios chosen so each element is easy to check by hand.
CANDIDATES = [("libraries", "institutions", "1/1"),          # 50 / 100 = 0,5
              ("collections", "population", "2/1"),          # 100 000 / 200 000 = 0,5
              ("staff", "population", "1/2500"),             # 20 / 40 = 0,5
              ("visits_per_day", "population", "2/100"),     # 1 000 / 2 000 = 0,5
              ("snp_libraries", "libraries", "1/5"),         # 5 / 10 = 0,5
              ("participation", "population", "1/100"),     # 1 000 / 1 000 = 1
              ("members", "population", "2/100"),            # 3 000 / 2 000 -> capped 1
              ("members", "population", "6/100"),            # 3 000 / 6 000 = 0,5
              ("libraries", "institutions", "5/1")]          # 50 / 500 = 0,1
EXPECTED = [0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 0.5, 0.1]


def fixture_method(n: int):
    elements = [{"uplm": i + 1, "name": f"Unsur {i + 1}", "actual": a, "base": b, "factor": f}
                for i, (a, b, f) in enumerate(CANDIDATES[:n])]
    data = {"years": {"2030": {"method": "m", "status": "provisional",
                               "bps_columns": {"default": {"column": "2029", "status": "assumed"}}}},
            "methods": {"m": {"kind": "uplm", "cap": 1.0, "elements": elements,
                              "bands": [{"from": 0, "category": "Rendah"}, {"from": 50, "category": "Sedang"}]}}}
    return parse_registry(data).get(2030)


@pytest.mark.parametrize("n", [5, 7, 9])
def test_any_number_of_elements_computes_without_new_sql(n):
    method = fixture_method(n)
    con = duckdb.connect()
    apply_schema(con)
    con.register("applied", elements_frame([method]))
    con.execute("INSERT INTO methodology_applied BY NAME SELECT * FROM applied")
    con.execute("INSERT INTO methodology_bands VALUES (2030, 0, 50, 'Rendah'), (2030, 50, NULL, 'Sedang')")
    con.register("inputs", pd.DataFrame([{"level": "regency", "bps_code": "5320", "province_bps_code": "53",
                                          "regencies": 1, **INPUTS, "missing_inputs": None}]))
    con.execute("CREATE TEMP TABLE area_inputs AS SELECT * FROM inputs")
    con.execute("CREATE TEMP TABLE input_periods AS SELECT '2029' AS population_bps_year")
    run_sql(con, "marts/area_scores.sql", year=2030)
    scores = dict(con.execute("SELECT element, value FROM iplm_scores WHERE element <> 'iplm'").fetchall())
    assert scores == pytest.approx({f"uplm{i + 1}": v for i, v in enumerate(EXPECTED[:n])})
    iplm = round(100 * sum(EXPECTED[:n]) / n, 2)
    assert con.execute("SELECT value FROM iplm_scores WHERE element = 'iplm'").fetchone()[0] == iplm
    wide = con.execute("SELECT * FROM area_scores").df()
    assert [c for c in wide.columns if c.startswith("uplm")] == [f"uplm{i + 1}" for i in range(n)]
    assert float(wide.at[0, "iplm"]) == iplm and wide.at[0, "category"] == ("Sedang" if iplm >= 50 else "Rendah")
