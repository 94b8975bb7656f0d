"""`generate_country`: a complete synthetic `data/raw/` for one IPLM year, and the figures the
pipeline must compute from it.

Everything written here is SYNTHETIC (see the package docstring). Random streams are keyed
by (seed, purpose, province[, year]), so a province's data do not depend on which other
provinces are generated, and a library keeps its NPP from one generated year to the next.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iplm_pipeline.synth.bps import (
    ANCHOR_YEAR,
    INDICATORS,
    BpsValues,
    bps_rows,
    dynamic_file_name,
    dynamic_rows,
    flattened_file_name,
    flattened_rows,
    national_file_name,
    national_rows,
    random_bps_style,
    synth_bps_values,
    write_bps_table,
    write_rows,
)
from iplm_pipeline.synth.exports import KEPT, plant_mess, random_export_style, start, write_export
from iplm_pipeline.synth.formats import pick_flavour
from iplm_pipeline.synth.libraries import library_inputs, random_type_counts, snapshot, synth_roster
from iplm_pipeline.synth.published import published_rows, write_published
from iplm_pipeline.synth.reference import METHODS, Inputs, Score, pool, score
from iplm_pipeline.synth.region_table import Province, load_provinces

SERIES_YEARS = list(range(min(METHODS) - 5, max(METHODS)))  # every column a registered year takes
LAYOUT_CHOICES = ("classic", "real", "mixed")
PEOPLE = ("penduduk", "murid", "guru", "mahasiswa", "dosen")
NEWCOMER_SHARE = 0.04  # libraries first registered in the year after the roster's REF_YEAR


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """An independent random stream per (seed, keys)."""
    return np.random.default_rng([seed, *(zlib.crc32(str(k).encode()) for k in keys)])


@dataclass(frozen=True)
class SynthFile:
    path: Path  # relative to the output directory
    source: str  # "bps", "perpustakaan" or "terbitan"
    rows: int  # data rows: BPS regency rows + aggregate; every export row below the header;
    #            published area rows (repeated headers not counted)


@dataclass(frozen=True)
class AreaExpectation:
    level: str  # "regency", "province" or "national"
    kemendagri_code: str  # "" for the nation
    bps_code: str  # 4 chars for a regency, 2 for a province, "" for the nation
    name: str
    score: Score  # inputs, unrounded UPLM1..7 and IPLM from the reference calculator


@dataclass
class SynthSummary:
    out_dir: Path
    year: int
    files: list[SynthFile]
    # data rows written per source ("bps", "perpustakaan", "terbitan")
    rows_written: dict[str, int]
    # export rows by what the contract does with them: "kept", quarantine reasons, duplicate_*
    library_rows: dict[str, int]
    # kept rows whose Kabupaten/Kota text names another regency than their NPP
    region_text_mismatches: int
    areas: list[AreaExpectation] = field(default_factory=list)

    def _level(self, level: str) -> dict[str, AreaExpectation]:
        return {a.bps_code: a for a in self.areas if a.level == level}

    @property
    def regencies(self) -> dict[str, AreaExpectation]:
        """By BPS code (4 chars)."""
        return self._level("regency")

    @property
    def provinces(self) -> dict[str, AreaExpectation]:
        """By BPS code (2 chars)."""
        return self._level("province")

    @property
    def national(self) -> AreaExpectation:
        return self._level("national")[""]

    def expected_frame(self) -> pd.DataFrame:
        """One row per area: codes, name, inputs P..M, uplm1..uplm7 (unrounded), iplm."""
        records = []
        for a in self.areas:
            record = {"year": self.year, "level": a.level, "kemendagri_code": a.kemendagri_code,
                      "bps_code": a.bps_code, "name": a.name, **vars(a.score.inputs)}
            record.update({f"uplm{k}": u for k, u in enumerate(a.score.uplm, 1)})
            record["iplm"] = a.score.iplm
            records.append(record)
        return pd.DataFrame.from_records(records)


def bps_periods(year: int) -> dict[str, int]:
    """The BPS column (calendar year) each indicator takes for IPLM `year`, from the method
    registry (iplm_pipeline/reference/methodology.toml): data, shared with the pipeline, so the
    reference calculator reads the column the registry names (population 2023 for IPLM 2024)."""
    from iplm_pipeline.methodology import load_registry

    periods = load_registry().get(year).bps_periods
    if any("/" in p for p in periods.values()):
        raise NotImplementedError(f"IPLM {year} takes a school-year column ({periods}): the generator "
                                  "writes calendar years only")
    return {indicator: int(period) for indicator, period in periods.items()}


def bps_inputs(province: Province, values: BpsValues, periods: dict[str, int] | int) -> dict[str, Inputs]:
    """P, K, CS, CA per regency (Kemendagri code) from each indicator's BPS column (`periods`, as
    `bps_periods` gives it; one int = the same year for every indicator)."""
    if isinstance(periods, int):
        periods = dict.fromkeys(INDICATORS, periods)
    inputs = {}
    for r in province.regencies:
        v = {indicator: values[indicator][r.kemendagri_code][periods[indicator]] for indicator in INDICATORS}
        inputs[r.kemendagri_code] = Inputs(
            P=v["penduduk"], K=v["desa_kelurahan"] + v["sekolah"] + v["perguruan_tinggi"],
            CS=v["murid"] + v["guru"], CA=v["mahasiswa"] + v["dosen"])
    return inputs


def with_library_inputs(bps: dict[str, Inputs], kept: pd.DataFrame) -> dict[str, Inputs]:
    library = library_inputs(kept) if len(kept) else {}
    return {code: Inputs(**{**vars(inputs), **library.get(code, {})})
            for code, inputs in bps.items()}


def expectations(provinces: list[Province], inputs: dict[str, Inputs],
                 year: int) -> list[AreaExpectation]:
    """Regency, province (pooled) and national (pooled) scores."""
    areas = []
    for p in provinces:
        for r in p.regencies:
            areas.append(AreaExpectation("regency", r.kemendagri_code, r.bps_code, r.name,
                                         score(inputs[r.kemendagri_code], year)))
        areas.append(AreaExpectation("province", p.kemendagri_code, p.bps_code, p.name, score(
            pool(inputs[r.kemendagri_code] for r in p.regencies), year)))
    areas.append(AreaExpectation("national", "", "", "Indonesia",
                                 score(pool(inputs.values()), year)))
    return areas


def _library_counts(province: Province, values: BpsValues, scale: float,
                    rng: np.random.Generator) -> dict[str, dict[str, int]]:
    """Libraries per regency and type in REF_YEAR: a random coverage (0.12-0.62) of the
    regency's institutions, about 220 000 nationally at scale 1."""
    counts = {}
    for r in province.regencies:
        c = r.kemendagri_code
        institutions = sum(values[ind][c][ANCHOR_YEAR]
                           for ind in ("desa_kelurahan", "sekolah", "perguruan_tinggi"))
        n = round(scale * rng.uniform(0.12, 0.62) * institutions)
        counts[c] = random_type_counts(n, rng)
    return counts


def _mark_missing(values: BpsValues, province: Province, year: int,
                  rng: np.random.Generator) -> None:
    """A not-available marker in an old year column, never the reference year."""
    indicator = str(rng.choice(INDICATORS))
    regency = province.regencies[int(rng.integers(len(province.regencies)))]
    values[indicator][regency.kemendagri_code][year] = str(rng.choice(["…", "...", "NA", "x"]))


def _bps_years(year: int) -> list[int]:
    """The years each BPS table holds: from IPLM year - 5 to the latest column the registry takes."""
    return list(range(year - 5, max(bps_periods(year).values()) + 1))


def _write_bps(out: Path, province: Province, values: BpsValues, year: int, fmt: str,
               messy: bool, seed: int, layouts: str = "classic") -> list[SynthFile]:
    """The province's BPS tables over `_bps_years(year)`. `layouts` "classic": one classic table
    per indicator; "real": the layouts of bps.go.id downloads only (dynamic-table exports,
    population as flattened exports one year a file, and the registry's population column in the
    national table `_write_national` writes); "mixed": classic and real ones. Rounds `values` in
    place where a table is written in thousands, so that they say what the file says."""
    bps_years = _bps_years(year)
    rng = rng_for(seed, "bps-style", province.kemendagri_code, year)
    if messy and rng.random() < 0.3:
        _mark_missing(values, province, bps_years[0], rng)
    national_year = bps_periods(year)["penduduk"]
    csv = fmt == "csv"
    n = len(province.regencies) + 1
    files = []
    for indicator in INDICATORS:
        style = random_bps_style(province, indicator, fmt, rng)
        years = bps_years
        if layouts != "classic" and indicator == "penduduk":
            years = [y for y in bps_years if y != national_year]  # that column: the national table
        choices = ["dynamic", *(["flattened"] if indicator == "penduduk" else [])]
        if layouts == "mixed":
            choices.append("classic")
        layout = "classic" if layouts == "classic" else str(rng.choice(choices))
        if layout == "classic":
            if style.in_thousands:
                _round(values[indicator], years, -1)
            path = Path("bps", indicator, f"{indicator}_{province.bps_code}_{province.slug}.{fmt}")
            write_bps_table(out / path, bps_rows(province, indicator, years, values, style), style)
            files.append(SynthFile(path, "bps", n))
        elif layout == "dynamic":
            split = rng.choice([None, "sex" if indicator in PEOPLE else "ownership"])
            path = Path("bps", indicator, dynamic_file_name(province, indicator, years, fmt))
            rows = dynamic_rows(province, indicator, years, values, rng, csv=csv, split=split,
                                province_first=bool(rng.random() < 0.5),
                                region_label=str(rng.choice(["Kabupaten/Kota", "Wilayah"])))
            write_rows(out / path, rows, fmt)
            files.append(SynthFile(path, "bps", n))
        else:  # flattened: population, one file per year, the year in the file name only
            _round(values[indicator], years, -2)
            for y in years:
                path = Path("bps", indicator, flattened_file_name(province, y, fmt))
                write_rows(out / path, flattened_rows(province, y, values, rng, csv=csv), fmt)
                files.append(SynthFile(path, "bps", n))
    return files


def _round(series_by_code: dict[str, dict[int, int | str]], years: list[int], digits: int) -> None:
    for series in series_by_code.values():
        series.update({y: round(v, digits) for y, v in series.items()
                       if y in years and not isinstance(v, str)})


def _write_national(out: Path, provinces: list[Province], values: dict[str, BpsValues], year: int,
                    fmt: str, seed: int) -> SynthFile:
    """The registry's population column for IPLM `year` as one national table (every province's
    block and an `INDONESIA` row, the sum of the provinces written)."""
    period = bps_periods(year)["penduduk"]
    path = Path("bps", "penduduk", national_file_name("penduduk", period, fmt))
    rows = national_rows(provinces, "penduduk", period, values, rng_for(seed, "national", year),
                         csv=fmt == "csv")
    write_rows(out / path, rows, fmt)
    return SynthFile(path, "bps", sum(len(p.regencies) + 1 for p in provinces) + 1)


def _write_exports(out: Path, province: Province, clean: pd.DataFrame, year: int, fmt: str,
                   messy: bool, seed: int) -> tuple[list[SynthFile], pd.DataFrame]:
    """The province's export files: its regencies split into 2-4 files (in Kemendagri
    order), plus the messy rows and a re-download when `messy`. Returns the files and every
    written row with its `expect` code."""
    code = province.kemendagri_code
    rng = rng_for(seed, "mess", code, year)
    n_parts = 1 if len(province.regencies) <= 4 else int(rng.integers(2, 5))
    groups = np.array_split(np.array([r.kemendagri_code for r in province.regencies]), n_parts)
    parts = [start(clean[clean["regency"].isin(g)].reset_index(drop=True)) for g in groups]
    parts = [p for p in parts if len(p)]
    if not parts:
        return [], start(clean)
    redownload = None
    if messy:
        parts, redownload = plant_mess(parts, province, rng)
    stem = f"perpustakaan_{code}_{province.slug}"
    outputs = [(f"{stem}_{k}", frame) for k, frame in enumerate(parts, 1)]
    if redownload is not None and len(redownload):
        outputs.append((f"{stem}_unduhan_ulang", redownload))
    files = []
    for k, (name, frame) in enumerate(outputs):
        style = random_export_style(fmt, province, year, messy,
                                    rng_for(seed, "export-style", code, year, k))
        path = Path("perpustakaan", str(year), f"{name}.{fmt}")
        files.append(SynthFile(path, "perpustakaan", write_export(out / path, frame, style)))
    return files, pd.concat([frame for _, frame in outputs], ignore_index=True)


def generate_country(out_dir, year: int, *, scale: float = 1.0, fmt: str = "csv", seed: int = 0,
                     provinces: list[str] | None = None, messy: bool = True,
                     layouts: str = "mixed") -> SynthSummary:
    """Write a synthetic raw dataset for IPLM year `year` under `out_dir` (SOURCES.md layout).

    - `bps/<indicator>/`: per indicator and province, years `year`-5 .. the latest column the
      method registry takes (population `year`-1 for 2024); `layouts` "classic" writes one
      classic table each, "real" only the layouts of bps.go.id downloads (dynamic-table exports,
      flattened population exports one year a file, the registry's population column as one
      national table), "mixed" (default) both;
    - `perpustakaan/<year>/`: the library export, several files per province, plus a
      re-download overlapping one of them when `messy`;
    - `terbitan/<year>/`: Tabel 44 computed by the reference calculator from the clean inputs.

    `fmt` "csv" mixes CSV flavours (separator, encoding, BOM, line ending); "xlsx" writes
    every file as xlsx. `scale` multiplies the number of libraries. `provinces` restricts
    generation (Kemendagri codes or names). `messy` plants the messy cases the contract
    handles (title rows, shuffled and oddly spelled headers, duplicates, junk rows,
    region texts that disagree with the NPP, a not-available marker in an old BPS column).
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"fmt must be 'csv' or 'xlsx', not {fmt!r}")
    if layouts not in LAYOUT_CHOICES:
        raise ValueError(f"layouts must be one of {', '.join(LAYOUT_CHOICES)}, not {layouts!r}")
    if year not in METHODS:
        raise ValueError(f"no IPLM method registered for {year}; choose one of {sorted(METHODS)}")
    out = Path(out_dir)
    chosen = load_provinces(provinces)
    files: list[SynthFile] = []
    inputs: dict[str, Inputs] = {}
    outcomes: Counter[str] = Counter()
    mismatches = 0
    periods = bps_periods(year)
    all_values: dict[str, BpsValues] = {}

    for province in chosen:
        code = province.kemendagri_code
        values = all_values[code] = synth_bps_values(province, SERIES_YEARS, rng_for(seed, "bps", code))
        counts = _library_counts(province, values, scale, rng_for(seed, "counts", code))
        files += _write_bps(out, province, values, year, fmt, messy, seed, layouts)

        roster = synth_roster(province, counts, rng_for(seed, "roster", code), NEWCOMER_SHARE)
        clean = snapshot(roster, year, rng_for(seed, "snapshot", code, year))
        written_files, written = _write_exports(out, province, clean, year, fmt, messy, seed)
        files += written_files
        outcomes.update(written["expect"])
        kept = written[written["expect"] == KEPT]
        if sorted(kept["npp"]) != sorted(clean["npp"]):
            raise AssertionError(f"{province.name}: planted rows changed the kept libraries")
        registered = clean.set_index("npp")["regency_text"]
        mismatches += int((kept["regency_text"] != kept["npp"].map(registered)).sum())
        inputs.update(with_library_inputs(bps_inputs(province, values, periods), kept))
    if layouts != "classic":
        files.append(_write_national(out, chosen, all_values, year, fmt, seed))

    areas = expectations(chosen, inputs, year)
    regency_scores = {a.kemendagri_code: a.score for a in areas if a.level == "regency"}
    province_scores = {a.kemendagri_code: a.score for a in areas if a.level == "province"}
    table = published_rows(chosen, regency_scores, province_scores, areas[-1].score)
    path = Path("terbitan", str(year), f"tabel44_rekapitulasi_uplm_{year}.{fmt}")
    # at most 40 rows a page, and at least two pages so that the header repeats mid-file
    page_rows = min(40, (len(table) + 1) // 2)
    rows = write_published(out / path, year, table, fmt,
                           pick_flavour(rng_for(seed, "published", year)), page_rows)
    files.append(SynthFile(path, "terbitan", rows))

    rows_written: Counter[str] = Counter()
    for f in files:
        rows_written[f.source] += f.rows
    return SynthSummary(out_dir=out, year=year, files=files, rows_written=dict(rows_written),
                        library_rows=dict(outcomes), region_text_mismatches=mismatches,
                        areas=areas)
