"""The two number conventions: every number written either way reads back, ambiguity is never guessed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iplm_pipeline.numbers import Convention, ConventionConflict, Kind, decide, read, value


def indonesian(x: float, decimals: int, space: bool = False) -> str:
    whole, _, frac = f"{abs(x):.{decimals}f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = (" " if space else ".").join(groups)
    return ("-" if x < 0 else "") + text + ("," + frac if frac else "")


def point(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


numbers = st.tuples(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=4))


@given(st.lists(numbers, min_size=1, max_size=30), st.sampled_from(list(Convention)))
def test_a_column_written_in_either_convention_reads_back_or_is_refused(items, convention):
    values = [n / 10**d for n, d in items]
    texts = [indonesian(v, d) if convention is Convention.INDONESIAN else point(v, d)
             for v, (_, d) in zip(values, items, strict=True)]
    readings = [read(t) for t in texts]
    try:
        decision = decide(texts)
    except ConventionConflict:  # impossible: one writer, one convention
        raise AssertionError(texts) from None
    if decision.convention is None:
        # Nothing proves the convention: only cells that read the same either way may be read.
        for r, expected in zip(readings, values, strict=True):
            if r.ambiguous:
                with pytest.raises(ValueError):
                    value(r, None)
            else:
                assert value(r, None) == pytest.approx(expected)
    else:
        assert decision.convention is convention
        for r, expected in zip(readings, values, strict=True):
            assert value(r, decision.convention) == pytest.approx(expected)


@given(st.integers(min_value=1000, max_value=10**9))
def test_spaces_group_digits_in_both_conventions(n):
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        text = indonesian(n, 0, space=True).replace(" ", space)
        assert value(read(text), Convention.INDONESIAN) == n
        assert value(read(text), Convention.POINT) == n


def test_cells_that_read_two_ways_are_ambiguous():
    for text, ind, pt in [("0.298", 298, 0.298), ("1.000", 1000, 1.0), ("93.330", 93330, 93.33)]:
        r = read(text)
        assert r.ambiguous and r.values == {Convention.INDONESIAN: ind, Convention.POINT: pt}
        with pytest.raises(ValueError, match="ambiguous"):
            value(r, None)


def test_an_all_ambiguous_column_decides_nothing():
    assert decide(["0.298", "1.000", "93.330"]).convention is None


def test_one_proving_cell_decides_the_column():
    assert decide(["93.330", "93,33"]).convention is Convention.INDONESIAN
    assert decide(["0.298", "1272.7"]).convention is Convention.POINT
    assert decide(["1.469.843", "0.298"]).convention is Convention.INDONESIAN


def test_a_column_proving_both_conventions_is_a_conflict():
    with pytest.raises(ConventionConflict):
        decide(["93,33", "1272.7"])


def test_markers():
    assert read("-").kind is Kind.NIHIL and read("–").kind is Kind.NIHIL
    for text in ("", "…", "...", "NA", "NaN", "x", "n/a"):
        assert read(text).kind is Kind.MISSING
    for text in ("12-", "(12)", "1e6", "abc", "١٢"):
        assert read(text).kind is Kind.INVALID, text
    assert read(12.5).values == {Convention.INDONESIAN: 12.5, Convention.POINT: 12.5}
