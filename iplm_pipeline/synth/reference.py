"""An independent, deliberately plain IPLM calculator (METHODOLOGY.md), used to write the
expected and the "published" figures of the synthetic data.

It shares no code with the pipeline on purpose: the pipeline is checked against it. Inputs
per area are P, K, CS, CA (BPS, the column the method registry names per indicator) and L, C, T, V, S, A, M (the
library export). Provinces and the nation are computed from pooled inputs (`pool`), never
from averaged regency scores. The IPLM is 100 x the mean of the seven unrounded UPLM,
rounded to 2 decimals; a standard of 0 gives UPLM 0.

Methods per IPLM year (as data): 2023, 2024 and 2025 (provisional) cap every UPLM at 1;
2022 does not cap (approximate: the 2021 guideline's denominators are not fully documented,
so 2022 is the 2023 elements without the cap).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

SNP_STANDARD_SHARE = 0.2239  # 22,39 % of the libraries should be guided to the SNP

# capped: whether each UPLM is min(1, actual / standard)
METHODS: dict[int, bool] = {2022: False, 2023: True, 2024: True, 2025: True}


@dataclass(frozen=True)
class Inputs:
    P: float = 0  # population
    K: float = 0  # institutions = desa_kelurahan + sekolah + perguruan_tinggi
    CS: float = 0  # school civitas = murid + guru
    CA: float = 0  # academic civitas = mahasiswa + dosen
    L: float = 0  # libraries
    C: float = 0  # collections (copies)
    T: float = 0  # staff = librarians + technicians
    V: float = 0  # visits per day
    S: float = 0  # libraries guided to the SNP
    A: float = 0  # participation in outreach
    M: float = 0  # members

    def __add__(self, other: Inputs) -> Inputs:
        return Inputs(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                         for f in fields(self)})


def pool(areas: Iterable[Inputs]) -> Inputs:
    """Sum the inputs of several areas: the only way provinces and the nation are formed."""
    total = Inputs()
    for area in areas:
        total = total + area
    return total


def _ratio(actual: float, standard: float, capped: bool) -> float:
    if standard == 0:
        return 0.0
    value = actual / standard
    return min(1.0, value) if capped else value


def uplm(inputs: Inputs, year: int) -> tuple[float, ...]:
    """UPLM1..UPLM7, unrounded."""
    if year not in METHODS:
        raise ValueError(f"no IPLM method registered for year {year}; known: {sorted(METHODS)}")
    capped = METHODS[year]
    i = inputs
    return tuple(_ratio(actual, standard, capped) for actual, standard in (
        (i.L, i.K),
        (i.C, 2 * i.P),
        (i.T, i.P / 2500),
        (i.V, 0.02 * i.P),
        (i.S, SNP_STANDARD_SHARE * i.L),
        (i.A, 0.02 * i.P),
        (i.M, 0.02 * i.P),
    ))


def iplm_from_uplm(values: Iterable[float]) -> float:
    """100 x the mean of the UPLM, rounded to 2 decimals only here, at the end."""
    values = list(values)
    return round(100 * sum(values) / len(values), 2)


@dataclass(frozen=True)
class Score:
    inputs: Inputs
    uplm: tuple[float, ...]
    iplm: float


BANDS = ((90, "Sangat Tinggi"), (80, "Tinggi"), (50, "Sedang"), (30, "Rendah"), (0, "Sangat Rendah"))


def category(iplm: float) -> str:
    """METHODOLOGY.md: Sangat Rendah < 30 <= Rendah < 50 <= Sedang < 80 <= Tinggi < 90 <= Sangat Tinggi."""
    return next(name for low, name in BANDS if iplm >= low)


def score(inputs: Inputs, year: int) -> Score:
    values = uplm(inputs, year)
    return Score(inputs=inputs, uplm=values, iplm=iplm_from_uplm(values))
