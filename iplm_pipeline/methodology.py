"""The per-year IPLM method registry, read from `reference/methodology.toml`.

The method changes between years (2022 uncapped, 2023-2024 capped, 2025 Perka Perpusnas
7/2025, later years unknown), so it is data, not branches in code: the SQL that computes
UPLM joins the `methodology_applied` rows written from here, and which column of each BPS
table a year takes (population from the year before the IPLM year in 2024) is data too.
A year that is not registered fails with `MethodologyError`, never a fallback; a method
whose parts are not known yet (Perka 7/2025) stops a run naming what is missing, and
another method is applied to a year only when asked for by name, every row saying so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import MethodologyError

REGISTRY_PATH = Path(__file__).parent / "reference" / "methodology.toml"
MEASURES = ("population", "institutions", "school_civitas", "academic_civitas", "libraries",
            "collections", "staff", "visits_per_day", "snp_libraries", "participation", "members")
STATUSES = ("final", "provisional", "approximate")
BPS_INDICATORS = ("penduduk", "desa_kelurahan", "sekolah", "murid", "guru", "perguruan_tinggi",
                  "mahasiswa", "dosen")
COLUMN_STATUSES = ("verified", "as labelled", "assumed")
# Which BPS indicators make each BPS-based input (SOURCES.md §1, derived inputs).
BPS_INPUTS = {"population": ("penduduk",), "institutions": ("desa_kelurahan", "sekolah", "perguruan_tinggi"),
              "school_civitas": ("murid", "guru"), "academic_civitas": ("mahasiswa", "dosen")}


@dataclass(frozen=True)
class Element:
    uplm: int
    name: str
    actual: str  # measure compared with the standard
    base: str  # measure the standard is a multiple of
    factor: Fraction  # standard = factor x base


@dataclass(frozen=True)
class Band:
    lower: float
    category: str


@dataclass(frozen=True)
class BpsColumn:
    """The column of one BPS indicator table an IPLM year takes, and how sure that is."""

    period: str  # "2023" or a school year "2022/2023"
    status: str  # verified, as labelled, assumed
    evidence: str = ""


@dataclass(frozen=True)
class Indicator:
    name: str
    source: str | None  # the input it reads; None = not known yet
    normalisation: dict | None  # e.g. {kind = "ratio", actual, base, factor, cap}; None = not known yet


@dataclass(frozen=True)
class Variable:
    name: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Dimension:
    name: str
    weight: Fraction
    variables: tuple[Variable, ...]


@dataclass(frozen=True)
class Method:
    year: int
    method_id: str
    kind: str  # "uplm" (seven-ratio family) or "dimensions" (Perka 7/2025 structure)
    status: str
    official: bool  # False when applied to a year by name instead of the year's registered method
    bps_label_year: int
    bps_columns: dict[str, BpsColumn]
    cap: float | None
    description: str
    note: str
    elements: tuple[Element, ...]
    bands: tuple[Band, ...]
    dimensions: tuple[Dimension, ...] = ()
    registered_method_id: str = ""

    @property
    def bps_periods(self) -> dict[str, str]:
        return {indicator: c.period for indicator, c in self.bps_columns.items()}

    @property
    def status_label(self) -> str:
        """The `method_status` every score row carries."""
        if not self.official:
            return (f"not official: {self.method_id} applied to {self.year} data "
                    f"(the registered {self.year} method is {self.registered_method_id})")
        return self.status

    def missing(self) -> list[str]:
        """What is not known yet for computing this method (empty when computable)."""
        if self.kind == "uplm":
            return [] if self.elements else ["its elements"]
        gaps = []
        for d in self.dimensions:
            for v in d.variables:
                for i in v.indicators:
                    parts = [p for p, known in (("the input it reads", i.source), ("its normalisation",
                                                                                  i.normalisation)) if not known]
                    if parts:
                        gaps.append(f"{d.name} / {v.name} / {i.name}: {' and '.join(parts)}")
        return gaps

    def require_computable(self) -> None:
        gaps = self.missing()
        if not gaps:
            return
        raise MethodologyError(
            f"IPLM {self.year} is registered under {self.method_id} ({self.description}), which cannot be "
            f"computed yet: {len(gaps)} indicator(s) lack what a computation needs, e.g. "
            + "; ".join(gaps[:3]) + f". Add them to {REGISTRY_PATH} when Perpusnas publishes them. To apply the "
            f"seven-UPLM method to {self.year} data anyway, run with --method capped-2023: every row will say "
            f"it is not the official {self.year} method.")


class Registry:
    def __init__(self, methods: dict[int, Method], specs: dict[str, dict], path: Path):
        self.methods = methods
        self._specs = specs
        self._path = path

    @property
    def years(self) -> list[int]:
        return sorted(self.methods)

    @property
    def method_ids(self) -> list[str]:
        return sorted(self._specs)

    def get(self, year: int, method_id: str | None = None) -> Method:
        """The method of `year`; with `method_id`, that method applied to the year's data (not official)."""
        try:
            method = self.methods[int(year)]
        except (KeyError, ValueError):
            span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
            raise MethodologyError(
                f"No IPLM method is registered for year {year} (registered: {span}). "
                "The method changes between years and is never guessed. To compute this year, add "
                f"[years.{year}] to {REGISTRY_PATH} with its method, status and BPS columns."
            ) from None
        if method_id is None or method_id == method.method_id:
            return method
        if method_id not in self._specs:
            raise MethodologyError(f"--method {method_id}: no such method in {self._path} "
                                   f"(methods: {', '.join(self.method_ids)}).")
        other = _method(self._specs, method_id, method.year, {"status": method.status}, self._path)
        return replace(other, status=method.status, official=False, bps_label_year=method.bps_label_year,
                       bps_columns=method.bps_columns, note=method.note, registered_method_id=method.method_id)

    # -- frames for the reference tables -------------------------------------------------
    def years_frame(self) -> pd.DataFrame:
        return pd.DataFrame([
            {"year": m.year, "method_id": m.method_id, "kind": m.kind, "status": m.status,
             "bps_reference_year": m.bps_label_year, "cap": m.cap, "computable": not m.missing(),
             "description": m.description, "note": m.note}
            for m in self.methods.values()])

    def elements_frame(self) -> pd.DataFrame:
        return elements_frame(self.methods.values())

    def bps_columns_frame(self) -> pd.DataFrame:
        return pd.DataFrame([
            {"year": m.year, "indicator": indicator, "bps_period": c.period, "bps_year": int(c.period[:4]),
             "status": c.status, "evidence": c.evidence or None}
            for m in self.methods.values() for indicator, c in m.bps_columns.items()])

    def bands_frame(self) -> pd.DataFrame:
        rows = []
        for m in self.methods.values():
            uppers = [b.lower for b in m.bands[1:]] + [None]
            rows += [{"year": m.year, "lower": b.lower, "upper": up, "category": b.category}
                     for b, up in zip(m.bands, uppers, strict=True)]
        return pd.DataFrame(rows)


def elements_frame(methods) -> pd.DataFrame:
    """One row per (year, element) of each method: `methodology_elements` / `methodology_applied`."""
    return pd.DataFrame([
        {"year": m.year, "method_id": m.method_id, "method_status": m.status_label, "official": m.official,
         "uplm": e.uplm, "name": e.name, "actual_measure": e.actual, "base_measure": e.base,
         "factor_numerator": e.factor.numerator, "factor_denominator": e.factor.denominator, "cap": m.cap}
        for m in methods for e in m.elements],
        columns=["year", "method_id", "method_status", "official", "uplm", "name", "actual_measure",
                 "base_measure", "factor_numerator", "factor_denominator", "cap"])


def score_dimensions(method: Method, inputs: dict[str, float]) -> dict:
    """A method of kind "dimensions" for one area: indicator -> normalised value, variable and
    dimension means, and the index = 100 x sum of weight x dimension. Needs every part known."""
    method.require_computable()
    out = {"indicators": {}, "variables": {}, "dimensions": {}}
    total = Fraction(0)
    for d in method.dimensions:
        variable_values = []
        for v in d.variables:
            values = [_normalise(i.normalisation, inputs) for i in v.indicators]
            out["indicators"].update({i.name: x for i, x in zip(v.indicators, values, strict=True)})
            out["variables"][v.name] = sum(values) / len(values)
            variable_values.append(out["variables"][v.name])
        out["dimensions"][d.name] = sum(variable_values) / len(variable_values)
        total += d.weight * Fraction(out["dimensions"][d.name])
    out["index"] = round(100 * float(total), 2)
    return out


def _normalise(spec: dict, inputs: dict[str, float]) -> float:
    if spec.get("kind") != "ratio":
        raise MethodologyError(f"unknown normalisation kind {spec.get('kind')!r} (known: ratio)")
    standard = float(Fraction(spec["factor"])) * inputs[spec["base"]]
    ratio = 0.0 if standard == 0 else inputs[spec["actual"]] / standard
    return min(float(spec["cap"]), ratio) if spec.get("cap") is not None else ratio


# --------------------------------------------------------------------------- parsing
def _fail(path: Path, what: str) -> MethodologyError:
    return MethodologyError(f"{path}: {what}")


def _method_part(methods: dict, method_id: str, part: str, path: Path, seen=()) -> list:
    spec = methods.get(method_id)
    if spec is None:
        raise _fail(path, f"method '{method_id}' is referenced but not defined under [methods]")
    if part in spec:
        return spec[part]
    parent = spec.get(f"{part}_from")
    if parent is None or parent in seen:
        raise _fail(path, f"method '{method_id}' has no '{part}' (nor a valid '{part}_from')")
    return _method_part(methods, parent, part, path, (*seen, method_id))


def _bps_columns(spec: dict, year: int, path: Path) -> dict[str, BpsColumn]:
    table = spec.get("bps_columns", {})
    default = table.get("default")
    unknown = set(table) - {"default", *BPS_INDICATORS}
    if unknown:
        raise _fail(path, f"[years.{year}.bps_columns]: unknown indicator(s) {sorted(unknown)}")
    columns = {}
    for indicator in BPS_INDICATORS:
        entry = table.get(indicator, default)
        if entry is None:
            raise _fail(path, f"[years.{year}.bps_columns]: no column for {indicator} (and no default)")
        if entry.get("status") not in COLUMN_STATUSES:
            raise _fail(path, f"[years.{year}.bps_columns] {indicator}: status must be one of {COLUMN_STATUSES}")
        evidence = " ".join(entry.get("evidence", "").split())
        columns[indicator] = BpsColumn(str(entry["column"]), entry["status"], evidence)
    return columns


def _method(methods_spec: dict, method_id: str, year: int, spec: dict, path: Path) -> Method:
    mspec = methods_spec.get(method_id)
    if mspec is None:
        raise _fail(path, f"method '{method_id}' is referenced but not defined under [methods]")
    kind = mspec.get("kind", "uplm")
    bands = tuple(sorted((Band(float(b["from"]), b["category"])
                          for b in _method_part(methods_spec, method_id, "bands", path)), key=lambda b: b.lower))
    elements, dimensions = [], []
    if kind == "uplm":
        for e in _method_part(methods_spec, method_id, "elements", path):
            if e["actual"] not in MEASURES or e["base"] not in MEASURES:
                raise _fail(path, f"method '{method_id}' UPLM{e['uplm']}: measures must be among {MEASURES}")
            elements.append(Element(int(e["uplm"]), e["name"], e["actual"], e["base"], Fraction(e["factor"])))
        if sorted(e.uplm for e in elements) != list(range(1, len(elements) + 1)):
            raise _fail(path, f"method '{method_id}': UPLM numbers must run 1..n without gaps")
    elif kind == "dimensions":
        for d in mspec.get("dimensions", []):
            variables = tuple(Variable(v["name"], tuple(
                Indicator(i["name"], None if i.get("source", "unknown") == "unknown" else i["source"],
                          None if i.get("normalisation", "unknown") == "unknown" else dict(i["normalisation"]))
                for i in v["indicators"])) for v in d["variables"])
            dimensions.append(Dimension(d["name"], Fraction(d["weight"]), variables))
        if dimensions and sum(d.weight for d in dimensions) != 1:
            raise _fail(path, f"method '{method_id}': dimension weights must sum to 1")
    else:
        raise _fail(path, f"method '{method_id}': kind must be 'uplm' or 'dimensions'")
    cap = mspec.get("cap")
    return Method(
        year=year, method_id=method_id, kind=kind, status=spec.get("status", ""), official=True,
        bps_label_year=int(spec.get("bps_label_year", 0)), bps_columns=spec.get("_columns", {}),
        cap=float(cap) if cap is not None else None, description=mspec.get("description", ""),
        note=" ".join(spec.get("note", "").split()), elements=tuple(elements), bands=bands,
        dimensions=tuple(dimensions), registered_method_id=method_id)


def parse_registry(data: dict, path: Path = REGISTRY_PATH) -> Registry:
    methods_spec = data.get("methods", {})
    methods: dict[int, Method] = {}
    for year_text, spec in data.get("years", {}).items():
        year = int(year_text)
        if spec.get("status") not in STATUSES:
            raise _fail(path, f"[years.{year}] status must be one of {STATUSES}")
        spec = {**spec, "_columns": _bps_columns(spec, year, path)}
        methods[year] = _method(methods_spec, spec.get("method", ""), year, spec, path)
    return Registry(methods, methods_spec, path)


@cache
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    with path.open("rb") as f:
        return parse_registry(tomllib.load(f), path)


def get_method(year: int, method_id: str | None = None) -> Method:
    return load_registry().get(year, method_id)


def bps_input_year(method: Method, measure: str) -> str:
    """The BPS column an input was taken from (`institutions_bps_year`): one period, or each part's."""
    periods = {i: method.bps_columns[i].period for i in BPS_INPUTS[measure]}
    if len(set(periods.values())) == 1:
        return next(iter(periods.values()))
    return "; ".join(f"{i} {p}" for i, p in periods.items())


__all__ = ["Band", "BpsColumn", "Dimension", "Element", "Indicator", "Method", "Registry", "Variable",
           "bps_input_year", "elements_frame", "get_method", "load_registry", "parse_registry",
           "score_dimensions"]
