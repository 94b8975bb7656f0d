"""Targets: the smallest additions that lift an area's IPLM into the next category band.

For every regency and year with a capped method, and for every input that is the `actual`
measure of one of the year's elements (methodology_elements), two kinds of answer:

- plan 'single': the smallest whole addition of that input ALONE (everything else unchanged)
  after which round(100 x mean UPLM, 2) >= the next band's lower bound (methodology_bands);
  NULL with a reason where that input alone cannot: its element reaches its cap first, its
  standard is 0, its element is already at the cap, or the area is in the top band.
  An input that is also the *base* of another element's standard is handled exactly: adding
  libraries raises UPLM1 (L / K) but also the SNP standard (22,39 % x L), which lowers UPLM5
  (S / (22,39 % x L)) once S is below that standard. The sum is then not monotone in the
  addition, so it is searched over every whole addition up to UPLM1's cap (past it, UPLM1 is
  flat and UPLM5 only falls), not solved by a formula.
- plan 'combined': the cheapest combination of additions under the capped mean, with the
  cost model of `reference/target_costs.toml`: raising input x by a_x costs
  w_x x a_x / standard_x. Why the greedy below is optimal: an element's UPLM rises by
  a_x / standard_x up to its headroom (cap - UPLM), so buying UPLM gain g_x costs w_x x g_x;
  reaching the target needs a total gain G = n x (target/100) - sum UPLM (n elements). That is
  a fractional knapsack (minimise sum w_x g_x subject to sum g_x >= G, 0 <= g_x <= headroom_x),
  solved exactly by filling elements in order of increasing w_x (an exchange argument: moving
  gain from a dearer to a cheaper element never costs more). With equal weights every order
  costs the same in the continuous optimum; elements are filled in order of weight (ties: most
  headroom first, so few inputs are touched), and at each step the plan is finished by the
  element of the current weight whose whole-number completion is cheapest (one collection is
  1/(2P) of its standard, one SNP library 1/(22,39 % x L): the rounding differs).
  An element already at its cap has no headroom and is never raised (worthless).
  Two refinements, documented in the README: (1) additions are whole numbers (ceil), so a plan
  may exceed the continuous optimum by less than one unit per input touched; (2) an input that
  is the base of another standard (libraries) buys less than its own gain, because it lowers
  the dependent element (UPLM5), so it comes last; when it is needed, every other element is
  already at its cap, and it is raised together with the dependent input (SNP libraries) kept
  at its cap: the smallest such joint move is searched exactly.

IPLM is recomputed exactly as sql/marts/area_scores.sql does: UPLM = min(cap, actual /
standard) (0 when the standard is 0), 100 x sum / n cast to 10 decimals then rounded to 2,
half away from zero (DuckDB DECIMAL rounding).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

COSTS_PATH = Path(__file__).parent / "reference" / "target_costs.toml"
MAX_SCAN = 5_000_000  # whole additions searched for an input that is also a base (libraries)
_TEN = Decimal("1E-10")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Element:
    uplm: int
    name: str
    actual: str
    base: str
    numerator: int
    denominator: int

    def standard(self, inputs: Mapping[str, float]) -> float | None:
        base = inputs.get(self.base)
        if base is None or base != base:
            return None
        return base * self.numerator / self.denominator  # same operation order as the SQL


@dataclass(frozen=True)
class TargetMethod:
    year: int
    method_id: str
    cap: float | None
    elements: tuple[Element, ...]
    bands: tuple[tuple[float, str], ...]  # (lower, category), ascending

    def next_band(self, score: Decimal) -> tuple[float, str] | None:
        above = [b for b in self.bands if Decimal(str(b[0])) > score]
        return above[0] if above else None

    def category(self, score: Decimal) -> str | None:
        inside = [b for b in self.bands if Decimal(str(b[0])) <= score]
        return inside[-1][1] if inside else None


def load_weights(path: Path = COSTS_PATH) -> dict[str, float]:
    """Cost weight per input (actual measure); inputs not listed cost `default_weight`."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    default = float(data.get("default_weight", 1.0))
    weights = {k: float(v) for k, v in data.get("weights", {}).items()}
    for measure, weight in weights.items():
        if weight <= 0:
            raise ValueError(f"{path}: weight of {measure} must be positive")
    return _Weights(weights, default)


class _Weights(dict):
    def __init__(self, weights: dict[str, float], default: float):
        super().__init__(weights)
        self.default = default

    def __missing__(self, key: str) -> float:
        return self.default


# --------------------------------------------------------------------------- the index
def uplm(e: Element, inputs: Mapping[str, float], cap: float | None) -> float | None:
    actual, standard = inputs.get(e.actual), e.standard(inputs)
    if actual is None or actual != actual or standard is None:
        return None
    if standard == 0:
        return 0.0
    value = actual / standard
    return value if cap is None else min(cap, value)


def iplm(inputs: Mapping[str, float], method: TargetMethod) -> Decimal | None:
    """round(100 x mean of the unrounded UPLM, 2), as sql/marts/area_scores.sql rounds it."""
    values = [uplm(e, inputs, method.cap) for e in method.elements]
    if any(v is None for v in values):
        return None
    mean = 100 * sum(values) / len(values)
    return Decimal(mean).quantize(_TEN, ROUND_HALF_UP).quantize(_CENT, ROUND_HALF_UP)


def _with(inputs: Mapping[str, float], measure: str, added: float) -> dict[str, float]:
    new = dict(inputs)
    new[measure] = new[measure] + added
    return new


def _reaches(inputs: Mapping[str, float], method: TargetMethod, target: Decimal) -> bool:
    """iplm(inputs) >= target; the exact decimal rounding only near the rounding boundary."""
    values = [uplm(e, inputs, method.cap) for e in method.elements]
    if any(v is None for v in values):
        return False
    margin = 100 * sum(values) / len(values) - (float(target) - 0.005)
    if abs(margin) > 1e-6:
        return margin > 0
    score = iplm(inputs, method)
    return score is not None and score >= target


def _gain_needed(inputs: Mapping[str, float], method: TargetMethod, target: Decimal) -> float:
    """The UPLM sum still missing to reach `target` (before rounding): a first guess for searches."""
    values = [uplm(e, inputs, method.cap) or 0.0 for e in method.elements]
    return len(values) * (float(target) - 0.005) / 100 - sum(values)


def _to_cap(e: Element, inputs: Mapping[str, float], cap: float) -> int:
    """The smallest whole addition to e.actual that brings e to its cap (standard > 0)."""
    standard, actual = e.standard(inputs), inputs[e.actual]
    d = max(0, math.ceil(cap * standard - actual))
    while uplm(e, _with(inputs, e.actual, d), cap) < cap:
        d += 1
    while d > 0 and uplm(e, _with(inputs, e.actual, d - 1), cap) >= cap:
        d -= 1
    return d


def _smallest(ok, hi: int, guess: float | None = None) -> int:
    """Smallest d in [1, hi] with ok(d), for a monotone ok with ok(hi) true.

    A good `guess` (the continuous solution) settles it in two or three evaluations;
    the binary search makes any guess safe."""
    lo = 1
    if guess is not None and guess == guess:
        g = min(max(1, math.ceil(guess)), hi)
        if ok(g):
            if g == 1 or not ok(g - 1):
                return g
            hi = g - 1
        else:
            if g + 1 <= hi and ok(g + 1):
                return g + 1
            lo = min(g + 2, hi)
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _dependents(method: TargetMethod, measure: str) -> list[Element]:
    return [e for e in method.elements if e.base == measure and e.actual != measure]


def _element_of(method: TargetMethod, measure: str) -> Element:
    return next(e for e in method.elements if e.actual == measure)


# --------------------------------------------------------------------------- single input
def single_addition(inputs: Mapping[str, float], measure: str, method: TargetMethod,
                    target: Decimal) -> tuple[int | None, str | None]:
    """(smallest whole addition of `measure` alone reaching `target`, None) or (None, reason)."""
    cap = method.cap
    e = _element_of(method, measure)
    standard, value = e.standard(inputs), uplm(e, inputs, cap)
    if standard == 0:
        return None, (f"the standard of UPLM{e.uplm} is 0 ({e.base} is 0): adding {measure} "
                      f"leaves UPLM{e.uplm} at 0")
    if value >= cap:
        return None, f"UPLM{e.uplm} is already at its cap ({cap:g}): more {measure} does not raise the IPLM"
    hi = _to_cap(e, inputs, cap)
    dependents = _dependents(method, measure)
    if not dependents:
        top = _with(inputs, measure, hi)
        if not _reaches(top, method, target):
            return None, (f"not enough alone: with UPLM{e.uplm} at its cap ({cap:g}, {measure} + {hi}) "
                          f"the IPLM is {iplm(top, method)}, below {target}")
        guess = _gain_needed(inputs, method, target) * standard
        return _smallest(lambda d: _reaches(_with(inputs, measure, d), method, target), hi, guess), None
    # The input is also the base of other standards: not monotone, search every addition.
    hi = min(hi, MAX_SCAN)
    scores = _scan(inputs, measure, np.arange(1, hi + 1, dtype=float), method)
    for index in np.flatnonzero(scores >= float(target) - 0.005 - 1e-7):
        if _reaches(_with(inputs, measure, int(index) + 1), method, target):
            return int(index) + 1, None
    names = ", ".join(f"UPLM{j.uplm}" for j in dependents)
    best = max(iplm(_with(inputs, measure, d), method) for d in (1, int(np.argmax(scores)) + 1, hi))
    return None, (f"not enough alone: {measure} raises UPLM{e.uplm} only up to its cap ({measure} + {hi}) "
                  f"and each added one raises the standard of {names}, lowering it; the IPLM reaches "
                  f"at most {best}, below {target}")


def _scan(inputs: Mapping[str, float], measure: str, added: np.ndarray, method: TargetMethod) -> np.ndarray:
    """Approximate 100 x mean UPLM for each addition (float; exact checks follow)."""
    total = np.zeros_like(added)
    for e in method.elements:
        actual = inputs[e.actual] + (added if e.actual == measure else 0.0)
        base = inputs[e.base] + (added if e.base == measure else 0.0)
        standard = base * e.numerator / e.denominator
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(standard == 0, 0.0, actual / np.where(standard == 0, 1.0, standard))
        total = total + np.minimum(method.cap, ratio) * np.ones_like(added)
    return 100 * total / len(method.elements)


# --------------------------------------------------------------------------- combined plan
def combined_plan(inputs: Mapping[str, float], method: TargetMethod, target: Decimal,
                  weights: Mapping[str, float]) -> tuple[dict[str, int] | None, str | None]:
    """The cheapest whole additions per input reaching `target` (see the module docstring)."""
    cap = method.cap
    state = dict(inputs)
    plan = {e.actual: 0 for e in method.elements}
    bases = {e.base for e in method.elements}

    def headroom(e: Element) -> float:
        standard = e.standard(state)
        return 0.0 if not standard else cap - uplm(e, state, cap)

    def cost(e: Element, added: int) -> float:
        return weights[e.actual] * added / inputs_standard[e.actual]

    inputs_standard = {e.actual: e.standard(inputs) for e in method.elements}
    order = sorted(method.elements, key=lambda e: (e.actual in bases, weights[e.actual], -headroom(e), e.uplm))
    for e in order:
        if _reaches(state, method, target):
            break
        if not e.standard(state) or uplm(e, state, cap) >= cap:
            continue  # nothing to gain: standard 0 or already at the cap
        if e.actual not in bases:
            # Among the not-yet-full elements of this same weight, the one whose whole-number
            # completion is cheapest finishes the plan (equal in the continuous optimum; the
            # rounding of whole units differs: one collection is 1/(2P) of its standard).
            peers = [p for p in order if p.actual not in bases and weights[p.actual] == weights[e.actual]
                     and p.standard(state) and uplm(p, state, cap) < cap]
            finishing = [(cost(p, d), p.uplm, p, d) for p in peers
                         for d, _ in [single_addition(state, p.actual, method, target)] if d is not None]
            if finishing:
                _, _, p, d = min(finishing)
                plan[p.actual] += d
                state = _with(state, p.actual, d)
                break
        if e.actual in bases:
            dependents = _dependents(method, e.actual)

            def joint(d: int, e=e, dependents=dependents, state=state) -> dict[str, float]:
                new = _with(state, e.actual, d)
                for j in dependents:  # keep each dependent element at its cap as its standard grows
                    if j.standard(new):
                        new = _with(new, j.actual, _to_cap(j, new, cap))
                return new

            hi = _to_cap(e, state, cap)
            guess = _gain_needed(state, method, target) * e.standard(state)
            d = _smallest(lambda d: _reaches(joint(d), method, target), hi, guess) \
                if _reaches(joint(hi), method, target) else hi
            new = joint(d)
            for measure in plan:
                plan[measure] += round(new[measure] - state[measure])
            state = new
            continue
        d = _to_cap(e, state, cap)  # cannot finish alone: fill it and go on with the next
        plan[e.actual] += d
        state = _with(state, e.actual, d)
    if not _reaches(state, method, target):
        return None, f"not reachable even with every input raised to its standard (IPLM {iplm(state, method)})"
    return plan, None


# --------------------------------------------------------------------------- rows of the mart
def area_targets(inputs: Mapping[str, float], method: TargetMethod, weights: Mapping[str, float],
                 missing: str | None = None) -> list[dict]:
    """Rows of iplm_targets for one area: one per (plan, input)."""
    score = iplm(inputs, method)
    category = method.category(score) if score is not None else None
    band = method.next_band(score) if score is not None and method.cap is not None else None
    reason = None
    if method.cap is None:
        reason = (f"the {method.year} method ({method.method_id}) does not cap the UPLM, so its index has "
                  "no 0-100 category to reach; targets exist only for capped methods")
    elif score is None:
        reason = f"no IPLM for this area ({missing or 'an input is missing'})"
    elif band is None:
        reason = f"already in the top band ({category})"
    target = Decimal(str(band[0])) if band else None
    base_row = {"current_iplm": score, "current_category": category,
                "target_category": band[1] if band else None, "target_lower": band[0] if band else None}

    def row(plan: str, e: Element, addition: int | None, after: Mapping[str, float] | None,
            why: str | None, note: str | None = None) -> dict:
        standard = e.standard(inputs)
        current = uplm(e, inputs, method.cap)
        cost = (weights[e.actual] * addition / standard
                if addition is not None and standard else (0.0 if addition == 0 else None))
        return {**base_row, "plan": plan, "uplm": e.uplm, "input": e.actual,
                "current_value": inputs.get(e.actual), "standard": standard, "current_uplm": current,
                "addition": addition,
                "new_value": after[e.actual] if after is not None else None,
                "new_uplm": uplm(e, after, method.cap) if after is not None else None,
                "cost": cost, "iplm_after": iplm(after, method) if after is not None else None,
                "reason": why, "note": note}

    rows = []
    for e in method.elements:
        if reason:
            rows.append(row("single", e, None, None, reason))
            continue
        d, why = single_addition(inputs, e.actual, method, target)
        after = _with(inputs, e.actual, d) if d is not None else None
        note = None
        dependents = _dependents(method, e.actual)
        if after is not None and dependents:
            note = "; ".join(f"each added {e.actual} also raises the standard of UPLM{j.uplm} ({j.name}): "
                             f"UPLM{j.uplm} {uplm(j, inputs, method.cap):.4f} -> {uplm(j, after, method.cap):.4f}"
                             for j in dependents)
        rows.append(row("single", e, d, after, why, note))
    plan, why = (None, reason) if reason else combined_plan(inputs, method, target, weights)
    after = None
    if plan is not None:
        after = dict(inputs)
        for measure, added in plan.items():
            after[measure] += added
    for e in method.elements:
        rows.append(row("combined", e, plan[e.actual] if plan is not None else None, after, why))
    return rows


# --------------------------------------------------------------------------- DuckDB
def method_from_marts(con: duckdb.DuckDBPyConnection, year: int) -> TargetMethod:
    """The method the year's scores were computed with (methodology_applied; else the registered
    one in methodology / methodology_elements), with the year's bands (methodology_bands)."""
    columns = "uplm, name, actual_measure, base_measure, factor_numerator, factor_denominator"
    applied = con.execute(f"SELECT {columns}, method_id, cap FROM methodology_applied WHERE year = ? "
                          "ORDER BY uplm", [year]).fetchall()
    if applied:
        method_id, cap = applied[0][-2:]
        elements = tuple(Element(*r[:-2]) for r in applied)
    else:
        method_id, cap = con.execute("SELECT method_id, cap FROM methodology WHERE year = ?", [year]).fetchone()
        elements = tuple(Element(*r) for r in con.execute(
            f"SELECT {columns} FROM methodology_elements WHERE year = ? AND coalesce(official, true) "
            "ORDER BY uplm", [year]).fetchall())
    actuals = [e.actual for e in elements]
    if len(set(actuals)) != len(actuals):
        raise ValueError(f"{year}: two elements share an actual measure; targets need one element per input")
    bands = tuple(con.execute("SELECT lower, category FROM methodology_bands WHERE year = ? ORDER BY lower",
                              [year]).fetchall())
    return TargetMethod(year, method_id, None if cap is None or cap != cap else float(cap), elements, bands)


def compute_targets(con: duckdb.DuckDBPyConnection, year: int, weights: Mapping[str, float] | None = None
                    ) -> pd.DataFrame:
    """iplm_targets rows of `year` from iplm_regency (one row per regency, plan and input)."""
    method = method_from_marts(con, year)
    weights = weights if weights is not None else load_weights()
    regencies = con.execute("SELECT * FROM iplm_regency WHERE year = ? ORDER BY bps_code", [year]).df()
    rows = []
    for area in regencies.to_dict("records"):
        inputs = {k: (None if v is None or (isinstance(v, float) and v != v) else float(v))
                  for k, v in area.items() if isinstance(v, (int, float)) or v is None}
        for r in area_targets(inputs, method, weights, area.get("missing_inputs")):
            rows.append({"year": year, "bps_code": area["bps_code"], "kemendagri_code": area["kemendagri_code"],
                         "province_bps_code": area["province_bps_code"], "regency_name": area["regency_name"],
                         "method_id": method.method_id, **r})
    frame = pd.DataFrame(rows)
    for column in ("current_iplm", "iplm_after"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None else float(v))
    if "addition" in frame:
        frame["addition"] = frame["addition"].astype("Int64")
    return frame


def method_from_registry(year: int) -> TargetMethod:
    """The year's method straight from the registry (methodology.toml), for tests and notebooks."""
    from iplm_pipeline.methodology import get_method

    m = get_method(year)
    elements = tuple(Element(e.uplm, e.name, e.actual, e.base, e.factor.numerator, e.factor.denominator)
                     for e in m.elements)
    return TargetMethod(year, m.method_id, m.cap, elements, tuple((b.lower, b.category) for b in m.bands))
