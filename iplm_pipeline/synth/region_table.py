"""The provinces and regencies the generator writes, read straight from the vendored regions.csv.

Deliberately independent of `iplm_pipeline.regions`: synthetic data that was produced by
the pipeline's own lookup could not catch a bug in that lookup. Only facts from the table are
used (codes, official and short names); every spelling the generator writes is one that
regions.csv lists (name, short name, alias or a `Kab. `/`Kota ` prefixed form of them).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent.parent / "reference" / "regions.csv"


@dataclass(frozen=True)
class Regency:
    kemendagri_code: str  # "53.20"
    bps_code: str  # "5320" (BPS 2023+ numbering)
    name: str  # "Kabupaten Sabu Raijua", "Kota Kupang"
    short_name: str  # "Sabu Raijua", "Kota Kupang": bare for a kabupaten, as BPS writes it
    type: str  # "Kabupaten" or "Kota"

    @property
    def npp_prefix(self) -> str:
        """The first four NPP digits: the Kemendagri code without its dot (never the BPS code)."""
        return self.kemendagri_code.replace(".", "")

    @property
    def bare_name(self) -> str:
        return self.short_name.removeprefix("Kota ")

    @property
    def report_name(self) -> str:
        """The Perpusnas report's spelling: `Kab. Alor`, `Kota Kupang`."""
        return f"Kab. {self.short_name}" if self.type == "Kabupaten" else self.short_name


@dataclass(frozen=True)
class Province:
    kemendagri_code: str  # "53"
    bps_code: str  # "53"
    name: str  # "Provinsi Nusa Tenggara Timur"
    short_name: str  # "Nusa Tenggara Timur"
    aliases: tuple[str, ...]
    regencies: tuple[Regency, ...]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.short_name.lower()).strip("_")

    @property
    def bare_name_is_ambiguous(self) -> bool:
        """True where a kabupaten shares the province's short name (Gorontalo).

        A BPS aggregate row written bare would then read as that kabupaten, so the
        generator labels such aggregates `Provinsi ...`/`Jumlah` and writes the
        kabupaten with its `Kab. ` prefix.
        """
        return any(r.type == "Kabupaten" and r.short_name.casefold() == self.short_name.casefold()
                   for r in self.regencies)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_provinces(selection: list[str] | None = None, path: Path = REGIONS_CSV) -> list[Province]:
    """All 38 provinces in Kemendagri order, or those named in `selection`.

    A selection item may be a Kemendagri code (`53`), the official or short name or an
    alias (`Nusa Tenggara Timur`, `NTT`), in any case; an unknown item raises ValueError.
    """
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    regencies: dict[str, list[Regency]] = {}
    for r in rows:
        if r["level"] == "regency":
            regencies.setdefault(r["province_kemendagri_code"], []).append(Regency(
                kemendagri_code=r["kemendagri_code"], bps_code=r["bps_code"], name=r["name"],
                short_name=r["short_name"], type=r["type"]))
    provinces = [
        Province(kemendagri_code=r["kemendagri_code"], bps_code=r["bps_code"], name=r["name"],
                 short_name=r["short_name"],
                 aliases=tuple(a for a in r["aliases"].split("|") if a),
                 regencies=tuple(regencies[r["kemendagri_code"]]))
        for r in rows if r["level"] == "province"
    ]
    if selection is None:
        return provinces
    index: dict[str, Province] = {}
    for p in provinces:
        for label in (p.kemendagri_code, p.name, p.short_name, *p.aliases):
            index[_key(label)] = p
    chosen = []
    for item in selection:
        province = index.get(_key(item))
        if province is None:
            raise ValueError(f"unknown province {item!r}: give a Kemendagri code (e.g. '53') or a "
                             f"name/alias from {path}")
        if province not in chosen:
            chosen.append(province)
    return sorted(chosen, key=lambda p: int(p.kemendagri_code))
