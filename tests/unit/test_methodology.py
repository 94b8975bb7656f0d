"""The per-year method registry (METHODOLOGY.md 'Other years')."""

from fractions import Fraction

import pytest

from iplm_pipeline.errors import MethodologyError
from iplm_pipeline.methodology import get_method, load_registry, parse_registry, score_dimensions


def test_registered_years_and_their_methods():
    registry = load_registry()
    assert registry.years == [2022, 2023, 2024, 2025]
    assert get_method(2022).cap is None and get_method(2022).status == "approximate"
    assert get_method(2024).cap == 1.0 and get_method(2024).status == "final"
    assert get_method(2025).method_id == "perka-7-2025" and get_method(2025).kind == "dimensions"


def test_bps_columns_per_indicator_and_year_are_data():
    columns = get_method(2024).bps_columns
    assert (columns["penduduk"].period, columns["penduduk"].status) == ("2023", "verified")
    assert "93 330" in columns["penduduk"].evidence
    assert {(c.period, c.status) for i, c in columns.items() if i != "penduduk"} == {("2022", "as labelled")}
    assert (get_method(2023).bps_columns["penduduk"].period, get_method(2023).bps_columns["penduduk"].status) == (
        "2022", "assumed")
    assert {c.status for c in get_method(2022).bps_columns.values()} == {"assumed"}


def test_2024_standards_are_the_published_ones():
    elements = {e.uplm: (e.actual, e.base, e.factor) for e in get_method(2024).elements}
    assert elements == {
        1: ("libraries", "institutions", Fraction(1)),
        2: ("collections", "population", Fraction(2)),
        3: ("staff", "population", Fraction(1, 2500)),
        4: ("visits_per_day", "population", Fraction(2, 100)),
        5: ("snp_libraries", "libraries", Fraction(2239, 10000)),
        6: ("participation", "population", Fraction(2, 100)),
        7: ("members", "population", Fraction(2, 100)),
    }
    assert [b.lower for b in get_method(2024).bands] == [0, 30, 50, 80, 90]


def test_2025_under_perka_stops_naming_what_is_missing():
    method = get_method(2025)
    assert method.missing() and all("normalisation" in gap for gap in method.missing())
    with pytest.raises(MethodologyError, match=r"cannot be computed yet.*--method capped-2023"):
        method.require_computable()


def test_another_method_applies_only_by_name_and_says_it_is_not_official():
    method = get_method(2025, "capped-2023")
    method.require_computable()
    assert not method.official and method.cap == 1.0 and len(method.elements) == 7
    assert method.status_label.startswith("not official: capped-2023 applied to 2025 data")
    assert method.bps_columns == get_method(2025).bps_columns
    with pytest.raises(MethodologyError, match="no such method"):
        get_method(2024, "capped-2099")


@pytest.mark.parametrize("year", [2021, 2026, "abc"])
def test_unregistered_year_fails_clearly(year):
    with pytest.raises(MethodologyError, match=rf"No IPLM method is registered for year {year}.*methodology.toml"):
        get_method(year)


def test_registry_rejects_a_broken_entry():
    data = {"years": {"2030": {"method": "nope", "status": "final",
                               "bps_columns": {"default": {"column": "2028", "status": "assumed"}}}}, "methods": {}}
    with pytest.raises(MethodologyError, match="method 'nope' is referenced but not defined"):
        parse_registry(data)
    data["years"]["2030"]["bps_columns"] = {}
    with pytest.raises(MethodologyError, match="no column for penduduk"):
        parse_registry(data)


PERKA_FIXTURE = {
    "years": {"2030": {"method": "perka-test", "status": "provisional",
                       "bps_columns": {"default": {"column": "2029", "status": "assumed"}}}},
    "methods": {"perka-test": {
        "kind": "dimensions", "bands": [{"from": 0, "category": "Rendah"}],
        "dimensions": [
            {"name": "kepatuhan", "weight": "3/10", "variables": [
                {"name": "koleksi", "indicators": [
                    {"name": "koleksi", "source": "collections",
                     "normalisation": {"kind": "ratio", "actual": "collections", "base": "population",
                                       "factor": "2", "cap": 1}}]},
                {"name": "tenaga", "indicators": [
                    {"name": "tenaga", "source": "staff",
                     "normalisation": {"kind": "ratio", "actual": "staff", "base": "population",
                                       "factor": "1/2500", "cap": 1}}]}]},
            {"name": "kinerja", "weight": "7/10", "variables": [
                {"name": "pelayanan", "indicators": [
                    {"name": "kunjungan", "source": "visits_per_day",
                     "normalisation": {"kind": "ratio", "actual": "visits_per_day", "base": "population",
                                       "factor": "2/100", "cap": 1}},
                    {"name": "anggota", "source": "members",
                     "normalisation": {"kind": "ratio", "actual": "members", "base": "population",
                                       "factor": "2/100", "cap": 1}}]}]}]}},
}


def test_the_registry_expresses_the_perka_structure_and_computes_it():
    method = parse_registry(PERKA_FIXTURE).get(2030)
    assert not method.missing()
    # Kab. Sabu Raijua 2024 inputs, by hand: koleksi 74 669 / 186 660 = 0,40003; tenaga 33 / 37,332 = 0,88396;
    # kepatuhan = (0,40003 + 0,88396) / 2 = 0,64200; kunjungan 105 / 1 866,6 = 0,05625, anggota capped 1:
    # kinerja = (0,05625 + 1) / 2 = 0,52813; index = 100 x (0,3 x 0,64200 + 0,7 x 0,52813) = 56,23.
    result = score_dimensions(method, {"population": 93_330, "collections": 74_669, "staff": 33,
                                       "visits_per_day": 105, "members": 31_725})
    assert result["dimensions"]["kepatuhan"] == pytest.approx(0.64200, abs=1e-5)
    assert result["dimensions"]["kinerja"] == pytest.approx(0.52813, abs=1e-5)
    assert result["index"] == 56.23
