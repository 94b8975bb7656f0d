"""The one region lookup: every name and code from every source resolves here.

Built from the vendored `reference/regions.csv` (Kemendagri 2025 codes and names,
BPS codes, aliases; sources and licenses in `reference/REGIONS.md`), the Papua
renumbering table and per-source spellings in `reference/region_aliases.csv`.

Matching is exact on a normalised key (case, spaces, dots and hyphens ignored),
so `Kab. Sabu Raijua`, `KABUPATEN SABU RAIJUA` and `Sabu Raijua` meet, while
`Kupang` (the kabupaten, as BPS writes it) and `Kota Kupang` never do. A name
that matches nothing, or more than one region in scope, raises `RegionError`
naming the text and where it was read: the lookup never guesses.

Kemendagri and BPS codes differ for 199 of 514 regencies (Kemendagri 53.01
Kupang is BPS 5303), so one is never derived from the other by string surgery.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from iplm_pipeline.errors import Location, RegionError

REFERENCE_DIR = Path(__file__).parent / "reference"

_PREFIXES = {
    "Kabupaten": ("Kabupaten Administrasi ", "Kabupaten ", "Kab. ", "Kab "),
    "Kota": ("Kota Administrasi ", "Kota Adm. ", "Kota "),
    "Provinsi": ("Provinsi ", "Prov. "),
}


def name_key(text: str) -> str:
    """Normalised matching key: accents, case and everything but letters and digits dropped."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[^0-9a-z]", "", decomposed)


@dataclass(frozen=True)
class Region:
    level: str  # "province" or "regency"
    kemendagri_code: str  # "53" or "53.20"
    bps_code: str  # "53" or "5320" (BPS 2023+ numbering)
    province_kemendagri_code: str
    province_bps_code: str
    name: str  # official, with prefix: "Kabupaten Sabu Raijua"
    short_name: str  # "Sabu Raijua", "Kota Kupang"
    type: str  # Provinsi, Kabupaten, Kota


class RegionLookup:
    """Exact lookups by code and by name, scoped to a province where the source gives one."""

    def __init__(self, regions: list[Region], aliases: dict[str, list[str]],
                 former_provinces: dict[str, str], source_aliases: list[dict[str, str]]):
        self.regions = regions
        self.by_kemendagri = {r.kemendagri_code: r for r in regions}
        self.by_bps = {r.bps_code: r for r in regions}
        self.provinces = [r for r in regions if r.level == "province"]
        self.regencies = [r for r in regions if r.level == "regency"]
        # Regency -> province it belonged to before the 2022 Papua split, so that
        # a pre-2023 BPS table titled "Provinsi Papua" still finds Merauke.
        self._former_province = former_provinces
        self._index: dict[str, set[str]] = defaultdict(set)
        for region in regions:
            for variant in _variants(region, aliases.get(region.kemendagri_code, [])):
                self._index[name_key(variant)].add(region.kemendagri_code)
        self._source_index: dict[tuple[str, str], str] = {}
        for row in source_aliases:
            code = row["kemendagri_code"]
            if code not in self.by_kemendagri:
                raise RegionError(Location(REFERENCE_DIR / "region_aliases.csv"),
                                  f"alias '{row['text']}' points to unknown Kemendagri code '{code}'",
                                  "a kemendagri_code from regions.csv")
            self._source_index[(row["source"], name_key(row["text"]))] = code

    # -- codes ---------------------------------------------------------------
    def regency_from_npp(self, npp: str) -> Region | None:
        """The regency named by an NPP's first four digits (Kemendagri code without its dot)."""
        if len(npp) < 4 or not npp[:4].isdigit():
            return None
        region = self.by_kemendagri.get(f"{npp[:2]}.{npp[2:4]}")
        return region if region is not None and region.level == "regency" else None

    # -- names ---------------------------------------------------------------
    def candidates(self, text: str, *, level: str | None = None,
                   province: Region | None = None, source: str | None = None) -> list[Region]:
        """Every region whose name, short name or alias equals `text` (normalised), within scope."""
        key = name_key(text)
        if source is not None and (source, key) in self._source_index:
            # A source's own spelling decides the region, but it is still held to the level and scope asked.
            found = [self.by_kemendagri[self._source_index[(source, key)]]]
        else:
            found = [self.by_kemendagri[c] for c in sorted(self._index.get(key, ()))]
        if level is not None:
            found = [r for r in found if r.level == level]
        if province is not None:
            found = [r for r in found if self._in_scope(r, province)]
        return found

    def resolve(self, text: str, *, where: Location | str, level: str | None = None,
                province: Region | None = None, source: str | None = None) -> Region:
        """Exactly one region for `text`, or a RegionError naming `where` and the text."""
        found = self.candidates(text, level=level, province=province, source=source)
        if len(found) == 1:
            return found[0]
        location = where if isinstance(where, Location) else Location(str(where))
        scope = f" in {province.name}" if province is not None else ""
        kind = level or "region"
        if not found:
            raise RegionError(
                location, f"unknown {kind} name '{text}'{scope}",
                "an official name, short name or alias from iplm_pipeline/reference/regions.csv",
                "If it is a real spelling of a known region, map it in "
                "iplm_pipeline/reference/region_aliases.csv.")
        names = ", ".join(f"{r.name} ({r.kemendagri_code})" for r in found)
        raise RegionError(
            location, f"ambiguous {kind} name '{text}'{scope}: it matches {names}",
            "a name that matches one region",
            "Write it with its prefix ('Provinsi ...', 'Kab. ...', 'Kota ...') or map it in "
            "iplm_pipeline/reference/region_aliases.csv.")

    def in_scope(self, region: Region, province: Region) -> bool:
        """Whether `region` belongs to `province` (itself, one of its regencies, or one it had before 2023)."""
        return self._in_scope(region, province)

    def _in_scope(self, region: Region, province: Region) -> bool:
        if region.kemendagri_code == province.kemendagri_code:
            return True
        if region.province_kemendagri_code == province.kemendagri_code:
            return True
        return self._former_province.get(region.kemendagri_code) == province.kemendagri_code


def _strip_prefix(name: str, type_: str) -> str:
    for prefix in _PREFIXES[type_]:
        if name.casefold().startswith(prefix.casefold()):
            return name[len(prefix):]
    return name


def _variants(region: Region, aliases: list[str]) -> set[str]:
    """The spellings a region is known by, with the prefixes each type may carry.

    A kota is never given a bare variant here: bare `Kupang` is the kabupaten (BPS
    practice); bare kota names only match where regions.csv lists them as aliases.
    """
    names = {region.name, region.short_name, *aliases}
    out = set(names)
    for name in names:
        if region.type == "Kabupaten":
            bare = _strip_prefix(name, "Kabupaten")
            out |= {bare, f"Kabupaten {bare}", f"Kab. {bare}"}
        elif region.type == "Kota":
            if name.casefold().startswith("kota"):
                bare = _strip_prefix(name, "Kota")
                out |= {f"Kota {bare}", f"Kota Administrasi {bare}", f"Kota Adm. {bare}"}
        else:
            bare = _strip_prefix(name, "Provinsi")
            out |= {bare, f"Provinsi {bare}", f"Prov. {bare}"}
    return out


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def load_regions(reference_dir: Path = REFERENCE_DIR) -> RegionLookup:
    rows = _read_csv(reference_dir / "regions.csv")
    province_bps = {r["kemendagri_code"]: r["bps_code"] for r in rows if r["level"] == "province"}
    regions, aliases = [], {}
    for r in rows:
        regions.append(Region(
            level=r["level"], kemendagri_code=r["kemendagri_code"], bps_code=r["bps_code"],
            province_kemendagri_code=r["province_kemendagri_code"],
            province_bps_code=province_bps[r["province_kemendagri_code"]],
            name=r["name"], short_name=r["short_name"], type=r["type"]))
        aliases[r["kemendagri_code"]] = [a for a in r["aliases"].split("|") if a]
    former = {r["kemendagri_code"]: r["kemendagri_code_until_2022"].split(".")[0]
              for r in _read_csv(reference_dir / "papua_renumbering.csv")}
    source_aliases = _read_csv(reference_dir / "region_aliases.csv")
    return RegionLookup(regions, aliases, former, source_aliases)
