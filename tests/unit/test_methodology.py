"""The per-year method registry (METHODOLOGY.md 'Other years')."""

from fractions import Fraction

import pytest

from iplm_pipeline.errors import MethodologyError
from iplm_pipeline.methodology import get_method, load_registry, parse_registry


def test_registered_years_and_their_methods():
    registry = load_registry()
    assert registry.years == [2022, 2023, 2024, 2025]
    assert get_method(2022).cap is None and get_method(2022).status == "approximate"
    assert get_method(2024).cap == 1.0 and get_method(2024).status == "final"
    assert get_method(2025).status == "provisional"
    assert [get_method(y).bps_reference_year for y in registry.years] == [2020, 2021, 2022, 2023]


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


@pytest.mark.parametrize("year", [2021, 2026, "abc"])
def test_unregistered_year_fails_clearly(year):
    with pytest.raises(MethodologyError, match=rf"No IPLM method is registered for year {year}.*methodology.toml"):
        get_method(year)


def test_registry_rejects_a_broken_entry():
    data = {"years": {"2030": {"method": "nope", "status": "final", "bps_reference_year": 2028}}, "methods": {}}
    with pytest.raises(MethodologyError, match="method 'nope' is referenced but not defined"):
        parse_registry(data)
