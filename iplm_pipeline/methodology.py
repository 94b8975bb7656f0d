"""The per-year IPLM method registry, read from `reference/methodology.toml`.

The method changes between years (2022 uncapped, 2023-2024 capped, 2025
provisional, later years unknown), so it is data, not branches in code: the SQL
that computes UPLM joins the `methodology_elements` table built from here.
A year that is not registered fails with `MethodologyError`, never a fallback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import MethodologyError

REGISTRY_PATH = Path(__file__).parent / "reference" / "methodology.toml"
MEASURES = ("population", "institutions", "school_civitas", "academic_civitas", "libraries",
            "collections", "staff", "visits_per_day", "snp_libraries", "participation", "members")
STATUSES = ("final", "provisional", "approximate")


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
class Method:
    year: int
    method_id: str
    status: str
    bps_reference_year: int
    cap: float | None
    description: str
    note: str
    elements: tuple[Element, ...]
    bands: tuple[Band, ...]


class Registry:
    def __init__(self, methods: dict[int, Method]):
        self.methods = methods

    @property
    def years(self) -> list[int]:
        return sorted(self.methods)

    def get(self, year: int) -> Method:
        try:
            return self.methods[int(year)]
        except (KeyError, ValueError):
            span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
            raise MethodologyError(
                f"No IPLM method is registered for year {year} (registered: {span}). "
                "The method changes between years and is never guessed; later years follow "
                "Perka Perpusnas 7/2025, whose weights are not known. To compute this year, add "
                f"[years.{year}] to {REGISTRY_PATH} with its method, status and BPS reference year."
            ) from None

    def elements_frame(self) -> pd.DataFrame:
        return pd.DataFrame([
            {"year": m.year, "uplm": e.uplm, "name": e.name, "actual_measure": e.actual,
             "base_measure": e.base, "factor_numerator": e.factor.numerator,
             "factor_denominator": e.factor.denominator, "cap": m.cap}
            for m in self.methods.values() for e in m.elements])

    def years_frame(self) -> pd.DataFrame:
        return pd.DataFrame([
            {"year": m.year, "method_id": m.method_id, "status": m.status,
             "bps_reference_year": m.bps_reference_year, "cap": m.cap,
             "description": m.description, "note": m.note}
            for m in self.methods.values()])

    def bands_frame(self) -> pd.DataFrame:
        rows = []
        for m in self.methods.values():
            uppers = [b.lower for b in m.bands[1:]] + [None]
            rows += [{"year": m.year, "lower": b.lower, "upper": up, "category": b.category}
                     for b, up in zip(m.bands, uppers, strict=True)]
        return pd.DataFrame(rows)


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


def parse_registry(data: dict, path: Path = REGISTRY_PATH) -> Registry:
    methods_spec = data.get("methods", {})
    methods: dict[int, Method] = {}
    for year_text, spec in data.get("years", {}).items():
        year = int(year_text)
        method_id = spec.get("method", "")
        if spec.get("status") not in STATUSES:
            raise _fail(path, f"[years.{year}] status must be one of {STATUSES}")
        elements = []
        for e in _method_part(methods_spec, method_id, "elements", path):
            if e["actual"] not in MEASURES or e["base"] not in MEASURES:
                raise _fail(path, f"method '{method_id}' UPLM{e['uplm']}: measures must be among {MEASURES}")
            elements.append(Element(int(e["uplm"]), e["name"], e["actual"], e["base"], Fraction(e["factor"])))
        if sorted(e.uplm for e in elements) != list(range(1, len(elements) + 1)):
            raise _fail(path, f"method '{method_id}': UPLM numbers must run 1..n without gaps")
        bands = tuple(sorted((Band(float(b["from"]), b["category"])
                              for b in _method_part(methods_spec, method_id, "bands", path)),
                             key=lambda b: b.lower))
        cap = methods_spec[method_id].get("cap")
        methods[year] = Method(
            year=year, method_id=method_id, status=spec["status"],
            bps_reference_year=int(spec["bps_reference_year"]),
            cap=float(cap) if cap is not None else None,
            description=methods_spec[method_id].get("description", ""),
            note=" ".join(spec.get("note", "").split()), elements=tuple(elements), bands=bands)
    return Registry(methods)


@cache
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    with path.open("rb") as f:
        return parse_registry(tomllib.load(f), path)


def get_method(year: int) -> Method:
    return load_registry().get(year)
