"""The SQL data tests: each returns the offending rows, zero rows = pass."""

import duckdb
import pandas as pd
import pytest

from iplm_pipeline.warehouse import apply_schema, query_sql, write_reference_tables


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_schema(con)
    write_reference_tables(con)
    yield con
    con.close()


def test_rows_accounted_flags_a_lost_row(con):
    con.execute("INSERT INTO source_files VALUES (2024, 'perpustakaan', 'a.csv', NULL, 'x', 1, 3, 2, 1, 0, NULL)")
    con.execute("INSERT INTO quarantine (year, source, source_file, row_number, reason) "
                "VALUES (2024, 'perpustakaan', 'a.csv', 5, 'npp_missing')")
    con.execute("INSERT INTO staging.perpustakaan (year, npp, kemendagri_code, bps_code, library_type, "
                "text_region_status, source_file, row_number, read_order) "
                "VALUES (2024, '5320032S0000001', '53.20', '5320', 'Umum', 'agrees', 'a.csv', 4, 4)")
    offending = query_sql(con, "checks/assert_rows_accounted.sql", source="perpustakaan", years=[2024])
    # The ledger says 2 kept, the table holds 1: a row was lost between reading and storing.
    assert offending[["source_file", "rows_read", "kept_stored", "quarantined_stored"]].values.tolist() == [
        ["a.csv", 3, 1, 1]]
    con.execute("INSERT INTO staging.perpustakaan (year, npp, kemendagri_code, bps_code, library_type, "
                "text_region_status, source_file, row_number, read_order) "
                "VALUES (2024, '5320032S0000002', '53.20', '5320', 'Umum', 'agrees', 'a.csv', 6, 6)")
    assert query_sql(con, "checks/assert_rows_accounted.sql", source="perpustakaan", years=[2024]).empty


def _score_row(year, uplm2):
    return pd.DataFrame([{"year": year, "bps_code": "5320", "kemendagri_code": "53.20", "province_bps_code": "53",
                          "province_name": "NTT", "regency_name": "Kabupaten Sabu Raijua", "population": 1.0,
                          "uplm1": 0.5, "uplm2": uplm2, "uplm3": 0.1, "uplm4": 0.1, "uplm5": 0.1, "uplm6": 0.1,
                          "uplm7": 0.1, "iplm": 30.0, "method_status": "final"}])


@pytest.mark.parametrize(("year", "uplm2", "offending"), [(2024, 1.2, 1), (2024, 1.0, 0), (2022, 2.27, 0),
                                                           (2022, -0.1, 1)])
def test_scores_in_bounds_follows_the_years_cap(con, year, uplm2, offending):
    con.register("row", _score_row(year, uplm2))
    con.execute("INSERT INTO iplm_regency BY NAME SELECT * FROM row")
    assert len(query_sql(con, "checks/assert_scores_in_bounds.sql", years=[year])) == offending


def test_unique_keys(con):
    con.register("row", _score_row(2024, 0.5))
    con.execute("INSERT INTO iplm_regency BY NAME SELECT * FROM row")
    assert query_sql(con, "checks/assert_unique_keys.sql", years=[2024]).empty
    con.execute("INSERT INTO iplm_regency BY NAME SELECT * FROM row")
    assert query_sql(con, "checks/assert_unique_keys.sql", years=[2024])["rows"].tolist() == [2]
