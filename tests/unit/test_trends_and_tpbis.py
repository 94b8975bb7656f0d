"""iplm_trends (a view) on hand-made score rows, and the TPBIS partner file's resolution."""

import duckdb
import pytest

from iplm_pipeline.errors import IplmError
from iplm_pipeline.tpbis import read_partners
from iplm_pipeline.warehouse import apply_schema
from tests.builders import write_rows


@pytest.fixture
def con():
    con = duckdb.connect()
    apply_schema(con)
    # 2024 and 2025 under different method ids, as when 2025 follows Perka 7/2025; 2023 like 2024.
    con.execute("""INSERT INTO methodology (year, method_id, status, bps_reference_year, cap) VALUES
                   (2023, 'capped-2023', 'final', 2021, 1), (2024, 'capped-2023', 'final', 2022, 1),
                   (2025, 'perka-7-2025', 'provisional', 2023, 1)""")
    for year in (2023, 2024, 2025):
        # a hypothetical 2025 method applied with two elements: only those are trend elements
        method = "perka-7-2025" if year == 2025 else "capped-2023"
        for uplm in ((1, 2) if year == 2025 else (1, 2, 3)):
            con.execute("INSERT INTO methodology_applied (year, method_id, method_status, official, uplm, name, "
                        "actual_measure, base_measure, factor_numerator, factor_denominator, cap) "
                        "VALUES (?, ?, 'final', true, ?, ?, 'libraries', 'institutions', 1, 1, 1)",
                        [year, method, uplm, f"element {uplm}"])
    rows = [(2023, "5320", 40.0), (2024, "5320", 45.52), (2025, "5320", 50.0), (2024, "5371", 60.0)]
    for year, code, iplm in rows:
        con.execute("""INSERT INTO iplm_regency (year, bps_code, kemendagri_code, province_bps_code, province_name,
                       regency_name, uplm1, uplm2, uplm3, iplm, method_status)
                       VALUES (?, ?, '', '53', 'NTT', ?, 0.5, 0.25, 0.1, ?, 'final')""",
                    [year, code, f"R{code}", iplm])
    return con


def trend(con, year, code, element="iplm"):
    return con.execute("SELECT value, previous_value, delta, comparable, note FROM iplm_trends "
                       "WHERE year = ? AND bps_code = ? AND element = ?", [year, code, element]).fetchone()


def test_same_method_is_comparable_with_a_delta(con):
    assert trend(con, 2024, "5320")[:4] == (45.52, 40.0, 5.52, True)


def test_a_method_change_is_not_comparable(con):
    value, previous, delta, comparable, note = trend(con, 2025, "5320")
    assert (value, previous, delta, comparable) == (50.0, 45.52, None, False)
    assert "capped-2023" in note and "perka-7-2025" in note


def test_a_missing_previous_year_or_area_is_not_comparable(con):
    assert trend(con, 2023, "5320")[3:] == (False, "no method is registered for 2022")
    assert trend(con, 2024, "5371")[3:] == (False, "this area has no 2023 row")


def test_elements_per_year_come_from_the_registry(con):
    elements = dict(con.execute("SELECT year, count(DISTINCT element) FROM iplm_trends WHERE bps_code = '5320' "
                                "GROUP BY ALL").fetchall())
    assert elements == {2023: 4, 2024: 4, 2025: 3}


def test_partner_rows_resolve_through_the_region_lookup(tmp_path):
    write_rows(tmp_path / "tpbis" / "tpbis_partners.csv", [
        ["level", "code", "name", "joined_year"],
        ["regency", "5303", "", "2020"],            # BPS code: Kabupaten Kupang
        ["regency", "53.01", "", "2020"],           # Kemendagri code: also Kabupaten Kupang
        ["regency", "", "Kota Kupang", "2021"],     # by name
        ["desa", "53.20.01.2001", "x", "2022"],      # Kemendagri desa code: Sabu Raijua
        ["desa", "5310010001", "y", "2022"],         # BPS desa code: Sikka (BPS 5310 = Kemendagri 53.07)
        ["npp", "5307001U0000097", "z", "2023"],     # NPP: Kemendagri 53.07 = Sikka
    ])
    partners = read_partners(tmp_path)
    assert list(partners.bps_code) == ["5303", "5303", "5371", "5320", "5310", "5310"]


def test_absent_partner_file_is_none(tmp_path):
    assert read_partners(tmp_path) is None


@pytest.mark.parametrize("row, message", [
    (["province", "53", "", "2020"], "unknown level"),
    (["regency", "5399", "", "2020"], "5399"),
    (["regency", "", "Kupang Raya", "2020"], "unknown regency name"),
    (["npp", "9999001U0000001", "", "2020"], "9999001U0000001"),
    (["regency", "5320", "", "20x0"], "joined_year"),
])
def test_bad_partner_rows_stop_with_their_row(tmp_path, row, message):
    write_rows(tmp_path / "tpbis" / "tpbis_partners.csv", [["level", "code", "name", "joined_year"], row])
    with pytest.raises(IplmError, match="row 2") as info:
        read_partners(tmp_path)
    assert message in str(info.value)
