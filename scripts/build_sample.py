"""Build the bundled sample in data/raw/: Nusa Tenggara Timur (22 regencies) and DI Yogyakarta
(5), BPS tables 2019-2022, library exports for IPLM 2022-2024, published tables 2023-2024.

REAL published figures (Perpusnas IPLM 2024 report, worked example in METHODOLOGY.md):
- Kab. Sabu Raijua, IPLM 2024: the BPS 2022 totals P 93 330, K 208, CS 26 344, CA 0; the
  library totals L 98 (25 Umum + 73 Sekolah), C 74 669, T 33, V 105, S 8, A 20, M 31 725;
  the published row UPLM 0,4712 0,4000 0,8840 0,0563 0,3646 0,0107 1,0000, IPLM 45,52.
- Nusa Tenggara Timur, IPLM 2024: L 5 410, K 12 786 and the published UPLM1 0,4189.
Everything else is SYNTHETIC (iplm_pipeline.synth, seed `SEED`): the component splits of
the real totals (desa/sekolah, murid/guru), every individual library row, every other
regency, every other year, and the published rows other than the ones above, which come
from the independent reference calculator (`iplm_pipeline.synth.reference`).

Deterministic: re-running rewrites the same bytes, including data/raw/README.md, whose
list of planted cases (file, row) is generated here so it cannot drift from the files.

    .venv/bin/python scripts/build_sample.py [OUT_DIR]    # default: data/raw
"""

from __future__ import annotations

import csv
import itertools
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iplm_pipeline.synth.bps import (
    INDICATORS,
    BpsStyle,
    BpsValues,
    bps_region_name,
    bps_rows,
    dynamic_file_name,
    dynamic_rows,
    flattened_file_name,
    flattened_rows,
    synth_bps_values,
    write_bps_table,
    write_rows,
)
from iplm_pipeline.synth.exports import (
    COLUMNS,
    KEPT,
    ExportStyle,
    add_footer,
    add_identical_duplicates,
    add_junk_rows,
    add_older_duplicates,
    odd_header,
    split_redownload,
    start,
    write_export,
)
from iplm_pipeline.synth.formats import CsvFlavour
from iplm_pipeline.synth.generate import bps_inputs, bps_periods, expectations, rng_for, with_library_inputs
from iplm_pipeline.synth.libraries import allocate, fit_totals, random_type_counts, snapshot, synth_roster
from iplm_pipeline.synth.published import (
    IplmOnlyRow,
    OpenDataRow,
    PublishedRow,
    province_label,
    published_rows,
    write_iplm_only,
    write_open_data,
    write_published,
)
from iplm_pipeline.synth.reference import Score, category, iplm_from_uplm
from iplm_pipeline.synth.region_table import Province, load_provinces

ROOT = Path(__file__).resolve().parents[1]
SEED = 5320
EXPORT_YEARS = (2022, 2023, 2024)
# The BPS column each indicator takes per IPLM year comes from the method registry
# (methodology.toml: IPLM 2024 takes population 2023 and the other indicators' 2022 columns).
PERIODS = {year: bps_periods(year) for year in EXPORT_YEARS}
_USED = sorted({p for periods in PERIODS.values() for p in periods.values()})
BPS_YEARS = list(range(_USED[0] - 1, _USED[-1] + 1))  # 2019-2023: every column used, and 2019
K_YEAR = PERIODS[2024]["desa_kelurahan"]  # the column NTT's real K 12 786 is in (2022)
P_YEAR = PERIODS[2024]["penduduk"]  # the column Sabu Raijua's real P 93 330 is in (2023)
assert PERIODS[2024]["sekolah"] == PERIODS[2024]["perguruan_tinggi"] == K_YEAR
PAGE_ROWS = 16  # published tables: the header repeats mid-file
PUBLISHED_FLAVOUR = CsvFlavour(";", "utf-8", "\n")
NTT, DIY = "53", "34"
SABU_RAIJUA, KAB_KUPANG, ALOR, MANGGARAI, KOTA_KUPANG, MALAKA, SIKKA, ENDE = (
    "53.20", "53.01", "53.05", "53.10", "53.71", "53.21", "53.07", "53.08")
BANTUL = "34.02"

# ---- REAL figures -------------------------------------------------------------------------------
# BPS's national population table, 2022 column (tests/fixtures/real/bps/, PROVENANCE.md there):
# every DIY and NTT regency, both provinces and INDONESIA. Copied into the sample unchanged.
REAL_NATIONAL_TABLE = (ROOT / "tests" / "fixtures" / "real" / "bps"
                       / "Jumlah Penduduk menurut Kabupaten_Kota dan Kelompok Umur, 2022 (excerpt).csv")
REAL_NATIONAL_YEAR = 2022
# BPS's 2023 column, as the IPLM 2024 report prints it (METHODOLOGY.md, shared/real/README.md).
REAL_POPULATION_2023 = {SABU_RAIJUA: 93_330, SIKKA: 335_360}
NTT_POPULATION_2023 = 5_569_068
# Sabu Raijua, BPS 2022 columns: only the totals K = desa + sekolah + PT = 208, CS = murid + guru
# = 26 344 and CA = mahasiswa + dosen = 0 are published; the splits 63/145/0 and 24 102/2 242
# are synthetic.
SABU_BPS_2022 = {"desa_kelurahan": 63, "sekolah": 145, "perguruan_tinggi": 0,
                 "murid": 24_102, "guru": 2_242, "mahasiswa": 0, "dosen": 0}
# The report's "libraries per 100 000" (27 public, 278 school) imply this split of L = 98.
SABU_LIBRARY_TYPES_2024 = {"Umum": 25, "Sekolah": 73}
SABU_LIBRARY_TOTALS_2024 = {"C": 74_669, "T": 33, "V": 105, "S": 8, "A": 20, "M": 31_725}
SABU_PUBLISHED_2024 = PublishedRow(
    "Kab. Sabu Raijua", (0.4712, 0.4000, 0.8840, 0.0563, 0.3646, 0.0107, 1.0000), 45.52)
NTT_LIBRARIES_2024 = 5_410
NTT_INSTITUTIONS_2022 = 12_786
NTT_PUBLISHED_UPLM1_2024 = 0.4189

# ---- planted, SYNTHETIC --------------------------------------------------------------------
PUBLICATION_ERROR = (ENDE, 0.02)  # published IPLM 0,02 above what the row's UPLM imply
DIY_SEKOLAH_AGGREGATE_EXCESS = {2022: 3}  # BPS total 3 above the sum of its regency rows
MISSING_2019 = {  # not-available markers, only in the 2019 column (no registered IPLM year uses it)
    (NTT, "penduduk"): {MALAKA: "…"},
    (NTT, "murid"): {"53.19": "…", "53.16": "..."},
    (NTT, "guru"): {"53.17": "x"},
    (NTT, "mahasiswa"): {"53.18": "NA"},
    (DIY, "guru"): {"34.03": "x"},
    (DIY, "dosen"): {"34.01": "…"},
}

UTF8_LF = CsvFlavour(",", "utf-8", "\n")
BPS_STYLES = {
    (NTT, "penduduk"): BpsStyle(flavour=UTF8_LF, in_thousands=True, unit_row=True,
                                aggregate_label="Nusa Tenggara Timur"),
    (NTT, "desa_kelurahan"): None,  # dynamic-table export (DYNAMIC)
    (NTT, "sekolah"): BpsStyle(flavour=CsvFlavour(";", "utf-8-sig", "\r\n"), upper_names=True,
                               blank_row=True, aggregate_label="Total"),
    (NTT, "murid"): BpsStyle(flavour=CsvFlavour(";", "cp1252", "\r\n"), unit_row=True,
                             aggregate_label="Nusa Tenggara Timur"),
    (NTT, "guru"): BpsStyle(fmt="xlsx", unit_in_title=False, unit_row=True,
                            aggregate_label="Provinsi Nusa Tenggara Timur"),
    (NTT, "perguruan_tinggi"): BpsStyle(flavour=CsvFlavour(",", "utf-8-sig", "\n"),
                                        kab_prefix=True, nil="–", aggregate_label="Jumlah"),
    (NTT, "mahasiswa"): BpsStyle(flavour=CsvFlavour(",", "utf-8", "\r\n"), region_header="Wilayah",
                                 aggregate_label="Nusa Tenggara Timur"),
    (NTT, "dosen"): BpsStyle(fmt="xlsx", aggregate_label="Total"),
    (DIY, "penduduk"): BpsStyle(fmt="xlsx", aggregate_label="Provinsi D.I. Yogyakarta"),
    (DIY, "desa_kelurahan"): BpsStyle(flavour=UTF8_LF, aggregate_label="DI Yogyakarta"),
    (DIY, "sekolah"): BpsStyle(flavour=CsvFlavour(";", "utf-8-sig", "\r\n"),
                               aggregate_label="Jumlah"),
    (DIY, "murid"): BpsStyle(flavour=CsvFlavour(",", "cp1252", "\n"), kab_prefix=True,
                             aggregate_label="Total"),
    (DIY, "guru"): BpsStyle(flavour=CsvFlavour(";", "utf-8", "\n"), region_header="Wilayah",
                            aggregate_label="DI Yogyakarta"),
    (DIY, "perguruan_tinggi"): BpsStyle(fmt="xlsx", aggregate_label="Jumlah"),
    (DIY, "mahasiswa"): None,  # dynamic-table export (DYNAMIC)
    (DIY, "dosen"): BpsStyle(flavour=CsvFlavour(";", "cp1252", "\r\n"), aggregate_label="Total"),
}


@dataclass
class Sample:
    """What was built: per IPLM year, the kept export rows and the expected scores."""
    out_dir: Path
    kept: dict[int, pd.DataFrame] = field(default_factory=dict)
    scores: dict[int, dict[str, Score]] = field(default_factory=dict)  # by Kemendagri code, "" = national
    notes: list[str] = field(default_factory=list)  # README lines: planted cases and where
    files: dict[str, str] = field(default_factory=dict)  # path -> format, for the README
    layouts: dict[str, str] = field(default_factory=dict)  # BPS path -> layout and years, for the README


# Tables written in another layout than the classic one (SOURCES.md §1), with their years. Every
# other (province, indicator) is a classic table over BPS_YEARS in the style BPS_STYLES gives.
# Population is split over four files, one table per province and column:
#   2022       the REAL national table (both provinces), copied unchanged;
#   2023       NTT: a dynamic-table export (by sex, persons); DIY: a flattened export (Ribu, 1 decimal);
#   2019-2021  classic tables (NTT in Ribu Jiwa with a decimal comma, DIY in persons, xlsx).
POPULATION_CLASSIC_YEARS = [y for y in BPS_YEARS if y not in (REAL_NATIONAL_YEAR, P_YEAR)]
assert P_YEAR == REAL_NATIONAL_YEAR + 1 and len(POPULATION_CLASSIC_YEARS) == len(BPS_YEARS) - 2
DYNAMIC = {  # (province, indicator): (years, format, sub-header split, province row first)
    (NTT, "penduduk"): ([P_YEAR], "csv", "sex", True),
    (NTT, "desa_kelurahan"): (BPS_YEARS, "xlsx", None, False),
    (DIY, "mahasiswa"): (BPS_YEARS, "csv", "ownership", False),
}
FLATTENED = {(DIY, "penduduk"): [P_YEAR]}


def _rebase(values: BpsValues, code: str, indicator: str, value: int, year: int = K_YEAR) -> None:
    """Set a regency's value in `year` and move its other years in proportion."""
    series = values[indicator][code]
    old = series[year]
    for y in series:
        series[y] = round(series[y] * value / old) if old else value


def real_population_2022(provinces: list[Province]) -> tuple[dict[str, int], int]:
    """The REAL 2022 column (TOTAL) of BPS's national table, by Kemendagri code (provinces
    included), and the INDONESIA figure. Rows follow BPS code order within each province block."""
    with REAL_NATIONAL_TABLE.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f) if r and r[0]]
    by_code: dict[str, int] = {}
    body = iter(rows[1:])
    national = None
    for first, total, *_ in body:
        if first == "INDONESIA":
            national = int(total)
            continue
        province = next((p for p in provinces if first.replace(" ", "") in
                         (p.short_name.upper().replace(" ", ""), "DIYOGYAKARTA")
                         and p.kemendagri_code not in by_code), None)
        if province is not None:
            by_code[province.kemendagri_code] = int(total)
            regencies = iter(sorted(province.regencies, key=lambda r: r.bps_code))
            continue
        regency = next(regencies)
        if regency.short_name.replace(" ", "").casefold() != first.replace(" ", "").casefold():
            raise AssertionError(f"real table row {first!r} is not {regency.short_name} ({regency.bps_code})")
        by_code[regency.kemendagri_code] = int(total)
    return by_code, national


def population(ntt: Province, diy: Province, real_2022: dict[str, int]) -> dict[str, dict[str, dict[int, int]]]:
    """Population per regency and year: 2022 REAL for every regency; 2023 REAL for Sabu Raijua
    and Sikka, the other NTT regencies SYNTHETIC (each real 2022 figure grown by a random rate of
    1,0-2,0 % a year, then scaled by largest remainder so the 22 sum to the REAL NTT 2023 total
    5 569 068), DIY SYNTHETIC (2022 grown at 0,6-1,4 %, in whole hundreds: the flattened export
    prints thousands with one decimal); 2019-2021 SYNTHETIC, the 2022 figure discounted by the
    regency's rate (NTT in whole tens: its classic table prints thousands with two decimals)."""
    out: dict[str, dict[str, dict[int, int]]] = {}
    for province, (low, high) in ((ntt, (0.010, 0.020)), (diy, (0.006, 0.014))):
        rng = rng_for(SEED, "population", province.kemendagri_code)
        codes = [r.kemendagri_code for r in province.regencies]
        rates = {c: float(rng.uniform(low, high)) for c in codes}
        for c, p in REAL_POPULATION_2023.items():
            if c in rates:
                rates[c] = p / real_2022[c] - 1
        series = {c: {REAL_NATIONAL_YEAR: real_2022[c]} for c in codes}
        for c in codes:
            for y in POPULATION_CLASSIC_YEARS:
                p = real_2022[c] / (1 + rates[c]) ** (REAL_NATIONAL_YEAR - y)
                series[c][y] = int(round(p, -1 if province is ntt else 0))
        if province is ntt:
            free = [c for c in codes if c not in REAL_POPULATION_2023]
            grown = allocate(NTT_POPULATION_2023 - sum(REAL_POPULATION_2023.values()),
                             np.array([real_2022[c] * (1 + rates[c]) for c in free]))
            for c, p in zip(free, grown, strict=True):
                series[c][P_YEAR] = int(p)
            for c, p in REAL_POPULATION_2023.items():
                series[c][P_YEAR] = p
        else:
            for c in codes:
                series[c][P_YEAR] = int(round(real_2022[c] * (1 + rates[c]), -2))
        out[province.kemendagri_code] = series
    return out


def bps_values(ntt: Province, diy: Province, real_2022: dict[str, int]) -> dict[str, BpsValues]:
    values = {p.kemendagri_code: synth_bps_values(p, BPS_YEARS, rng_for(SEED, "bps", p.kemendagri_code))
              for p in (ntt, diy)}
    people = population(ntt, diy, real_2022)
    for code, v in values.items():
        for regency, series in people[code].items():
            # pupils and teachers follow the (real) population, not the synthetic draw
            factor = series[REAL_NATIONAL_YEAR] / v["penduduk"][regency][REAL_NATIONAL_YEAR]
            for indicator in ("murid", "guru"):
                v[indicator][regency] = {y: round(x * factor) for y, x in v[indicator][regency].items()}
            v["penduduk"][regency] = dict(sorted(series.items()))
    v = values[NTT]
    for indicator, value in SABU_BPS_2022.items():
        _rebase(v, SABU_RAIJUA, indicator, value)
    # NTT's K 2022 is real (12 786); the other 21 regencies' schools absorb what Sabu
    # Raijua's real 208 and their synthetic villages and universities leave.
    others = [r.kemendagri_code for r in ntt.regencies if r.kemendagri_code != SABU_RAIJUA]
    fixed = sum(v["desa_kelurahan"][c][K_YEAR] + v["perguruan_tinggi"][c][K_YEAR]
                for c in [*others, SABU_RAIJUA]) + v["sekolah"][SABU_RAIJUA][K_YEAR]
    schools = allocate(NTT_INSTITUTIONS_2022 - fixed, np.array([v["sekolah"][c][K_YEAR] for c in others]))
    for code, count in zip(others, schools, strict=True):
        _rebase(v, code, "sekolah", int(count))
    for (province, indicator), markers in MISSING_2019.items():
        for code, marker in markers.items():
            values[province][indicator][code][2019] = marker
    return values


def _row_of(rows: list[list[object]], first_cell: str) -> int:
    return next(i for i, row in enumerate(rows, 1) if row and row[0] == first_cell)


def write_bps(out: Path, provinces: list[Province], values: dict[str, BpsValues],
              sample: Sample) -> None:
    folder = out / "bps" / "penduduk"
    folder.mkdir(parents=True, exist_ok=True)
    national = Path("bps", "penduduk", REAL_NATIONAL_TABLE.name.replace(" (excerpt)", ""))
    shutil.copyfile(REAL_NATIONAL_TABLE, out / national)
    sample.files[str(national)] = ("national table, REAL (BPS, copied unchanged from "
                                   "tests/fixtures/real/bps/); CSV, comma, UTF-8, LF")
    sample.layouts[str(national)] = f"national: {REAL_NATIONAL_YEAR}, both provinces"
    for province in provinces:
        code = province.kemendagri_code
        for indicator in INDICATORS:
            key = (code, indicator)
            if key in DYNAMIC:
                years, fmt, split, first = DYNAMIC[key]
                path = Path("bps", indicator, dynamic_file_name(province, indicator, years, fmt))
                rows = dynamic_rows(province, indicator, years, values[code], rng_for(SEED, "split", *key),
                                    csv=fmt == "csv", split=split, province_first=first)
                write_rows(out / path, rows, fmt)
                sample.files[str(path)] = _describe(fmt, CsvFlavour(",", "utf-8-sig", "\n"))
                sample.layouts[str(path)] = (f"dynamic: {_span(years)}"
                                             + (f", sub-header {'/'.join(SPLITS_SHOWN[split])}" if split else "")
                                             + f", province row {'first' if first else 'last'}")
                if indicator != "penduduk":
                    continue
            if key in FLATTENED:
                for year in FLATTENED[key]:
                    path = Path("bps", indicator, flattened_file_name(province, year))
                    write_rows(out / path, flattened_rows(province, year, values[code],
                                                          rng_for(SEED, "flattened", code, year)), "csv")
                    sample.files[str(path)] = _describe("csv", CsvFlavour(",", "utf-8-sig", "\n"))
                    sample.layouts[str(path)] = f"flattened: {year} (year in the file name only)"
            if key in DYNAMIC and indicator != "penduduk":
                continue
            years = POPULATION_CLASSIC_YEARS if indicator == "penduduk" else BPS_YEARS
            style = BPS_STYLES[key]
            excess = DIY_SEKOLAH_AGGREGATE_EXCESS if key == (DIY, "sekolah") else None
            path = Path("bps", indicator, f"{indicator}_{province.bps_code}_{province.slug}.{style.fmt}")
            rows = bps_rows(province, indicator, years, values[code], style, excess)
            write_bps_table(out / path, rows, style)
            sample.files[str(path)] = _describe(style.fmt, style.flavour)
            sample.layouts[str(path)] = f"classic: {_span(years)}" + (
                ", Ribu Jiwa (decimal comma)" if style.in_thousands else "")
            where = f"`{path}`"
            if excess:
                sample.notes.append(
                    f"- {where} row {_row_of(rows, style.aggregate_label)} (`{style.aggregate_label}`): "
                    f"the {K_YEAR} aggregate is 3 more than the sum of the regency rows "
                    f"(reconciliation `bps_aggregate:sekolah` for IPLM 2024 must be a mismatch).")
            for regency_code, marker in MISSING_2019.get(key, {}).items():
                regency = next(r for r in province.regencies if r.kemendagri_code == regency_code)
                name = bps_region_name(regency, province, style)
                sample.notes.append(f"- {where} row {_row_of(rows, name)} (`{name}`), column 2019: "
                                    f"not-available marker `{marker}`.")
            if indicator in ("perguruan_tinggi", "mahasiswa", "dosen") and code == NTT:
                regency = next(r for r in province.regencies if r.kemendagri_code == SABU_RAIJUA)
                name = bps_region_name(regency, province, style)
                sample.notes.append(f"- {where} row {_row_of(rows, name)} (`{name}`): `{style.nil}` "
                                    f"(nihil = 0) in every year: Sabu Raijua has no higher education.")


SPLITS_SHOWN = {"sex": ("Laki-Laki", "Perempuan", "Jumlah"), "ownership": ("Negeri", "Swasta", "Jumlah")}


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def library_counts(province: Province, values: BpsValues,
                   rng: np.random.Generator) -> dict[str, dict[str, int]]:
    institutions = {r.kemendagri_code: sum(values[i][r.kemendagri_code][K_YEAR] for i in
                                           ("desa_kelurahan", "sekolah", "perguruan_tinggi"))
                    for r in province.regencies}
    if province.kemendagri_code == DIY:
        return {c: random_type_counts(round(rng.uniform(0.15, 0.3) * k), rng)
                for c, k in institutions.items()}
    others = [c for c in institutions if c != SABU_RAIJUA]
    weights = rng.uniform(0.25, 0.6, len(others)) * np.array([institutions[c] for c in others])
    sizes = allocate(NTT_LIBRARIES_2024 - sum(SABU_LIBRARY_TYPES_2024.values()), weights)
    counts = {c: random_type_counts(int(n), rng) for c, n in zip(others, sizes, strict=True)}
    counts[SABU_RAIJUA] = dict(SABU_LIBRARY_TYPES_2024)
    return counts


@dataclass
class ExportFile:
    name: str
    frame: pd.DataFrame
    style: ExportStyle


def _plant(frame: pd.DataFrame, note: str, step, *args, **kwargs) -> pd.DataFrame:
    """Apply a planting step that appends rows (exports.add_*), and label what it appended."""
    before = len(frame)
    frame = step(frame, *args, **kwargs)
    frame.loc[frame.index >= before, "note"] = note
    return frame


def _pick(frame: pd.DataFrame, code: str, rng: np.random.Generator, **match) -> int:
    """A random clean, not yet noted row of regency `code` (with column values `match`)."""
    mask = (frame["regency"] == code) & (frame["expect"] == KEPT) & (frame["note"] == "")
    for column, value in match.items():
        mask &= frame[column] == value
    return int(rng.choice(frame.index[mask]))


def exports_2024(ntt: Province, clean: dict[str, pd.DataFrame]) -> list[ExportFile]:
    """NTT 2024 split over three files and a re-download, with every messy case planted."""
    rng = rng_for(SEED, "mess", 2024)
    serials = itertools.count(9_000_001)
    ntt_clean = clean[NTT].assign(note="")
    codes = [r.kemendagri_code for r in ntt.regencies]
    part1, part2, part3 = (start(ntt_clean[ntt_clean["regency"].isin(g)].reset_index(drop=True))
                           for g in (codes[:8], codes[8:15], codes[15:]))

    part1 = _plant(part1, "`npp_missing`: empty NPP",
                   add_junk_rows, ["npp_missing"], ntt, serials, rng)
    part1 = _plant(part1, "`negative_count`: negative Jumlah Koleksi Eksemplar",
                   add_junk_rows, ["negative_count"], ntt, serials, rng)
    i = _pick(part1, KAB_KUPANG, rng)
    part1.at[i, "regency_text"] = "Kab. Flores Tengah"
    part1.at[i, "note"] = ("kept under Kab. Kupang (NPP 5301...): Kabupaten/Kota text "
                           "`Kab. Flores Tengah` names no known regency")
    i = _pick(part1, ALOR, rng)
    npp = part1.at[i, "npp"]
    part1.at[i, "raw"] = {"npp": f" {npp[:7]}{npp[7].lower()}{npp[8:]} "}
    part1.at[i, "note"] = (f"kept: NPP written ` {npp[:7]}{npp[7].lower()}{npp[8:]} ` "
                           f"(valid once trimmed and upper-cased: {npp})")

    part2 = _plant(part2, "`not_a_number`: text in Jumlah Anggota",
                   add_junk_rows, ["not_a_number"], ntt, serials, rng)
    part2 = _plant(part2, "`unknown_type`: Jenis Perpustakaan not one of the four types",
                   add_junk_rows, ["unknown_type"], ntt, serials, rng)
    i = _pick(part2, MANGGARAI, rng)
    part2.at[i, "note"] = "kept: latest version of a re-submitted library"
    part2 = _plant(part2, "`duplicate_older`: same NPP as a kept row, older Tanggal Pembaruan",
                   add_older_duplicates, [i], rng)

    # Sabu Raijua: the real 2024 totals must come out of this file unchanged by the mess
    dinas = _pick(part3, SABU_RAIJUA, rng, subtype="Kabupaten/Kota")
    part3.at[dinas, "note"] = "kept: Sabu Raijua's regency library, latest version"
    part3 = _plant(part3, "`duplicate_older`: Sabu Raijua's regency library, older date, other values",
                   add_older_duplicates, [dinas], rng)
    twin = _pick(part3, SABU_RAIJUA, rng, type="Sekolah")
    part3.at[twin, "note"] = "kept: a Sabu Raijua school library that appears twice"
    part3 = _plant(part3, "`duplicate_identical`: the same Sabu Raijua row again, only `No` differs",
                   add_identical_duplicates, [twin], rng)
    part3 = _plant(part3, "`npp_malformed`: a Sabu Raijua library with a malformed NPP",
                   add_junk_rows, ["npp_malformed"], ntt, serials, rng,
                   templates=[_pick(part3, SABU_RAIJUA, rng)])
    part3 = _plant(part3, "`unknown_region`: NPP whose first four digits are no regency",
                   add_junk_rows, ["unknown_region"], ntt, serials, rng)
    i = _pick(part3, SABU_RAIJUA, rng)
    part3.at[i, "regency_text"] = "Kab. Rote Ndao"
    part3.at[i, "note"] = "kept under Sabu Raijua (NPP 5320...): text says `Kab. Rote Ndao`"
    i = _pick(part3, KOTA_KUPANG, rng)
    part3.at[i, "regency_text"] = "Kupang"
    part3.at[i, "note"] = "kept under Kota Kupang (NPP 5371...): text says `Kupang` (the kabupaten)"
    i = _pick(part3, SABU_RAIJUA, rng, type="Umum", subtype="Desa/Kelurahan")
    part3.at[i, "name"] = "Perpustakaan Café Baca Nusa"
    part3.at[i, "note"] = "kept: name with a non-ASCII character in a Windows-1252 file"
    i = _pick(part3, KOTA_KUPANG, rng)
    part3.at[i, "name"] = 'Taman Bacaan Masyarakat "Nusa"'
    part3.at[i, "note"] = "kept: name with double quotes (CSV quoting)"

    overlap_pool = part3.index[part3["regency"].isin([KOTA_KUPANG, MALAKA])
                               & (part3["note"] == "") & (part3["expect"] == KEPT)]
    overlap = np.sort(rng.choice(overlap_pool, 40, replace=False))
    conflicts = overlap[rng.choice(len(overlap), 3, replace=False)]
    part3, again = split_redownload(part3, overlap, conflicts, rng)
    part3.loc[conflicts, "note"] = ("`duplicate_conflict`: same NPP and date as a row of the "
                                    "re-download, other values; the re-download is read last")
    again.loc[again["expect"] == KEPT, "note"] = "kept: wins a same-date conflict (file read last)"
    again.loc[again["expect"] != KEPT, "note"] = (
        "`duplicate_identical`: identical to a row of `perpustakaan_53_nusa_tenggara_timur_3.csv`")
    part3 = _plant(part3, "`footer_row`: `Jumlah` total row", add_footer, "Jumlah")

    shuffled = tuple(str(c) for c in rng_for(SEED, "shuffle").permutation(COLUMNS))
    diy_frame = start(clean[DIY].assign(note=""))
    i = _pick(diy_frame, BANTUL, rng)
    diy_frame.at[i, "note"] = "kept: latest version of a re-submitted library"
    diy_frame = _plant(diy_frame, "`duplicate_older`: older re-submission",
                       add_older_duplicates, [i], rng)
    diy_frame = _plant(diy_frame, "`footer_row`: `Total` row", add_footer, "Total")
    titles = ("Daftar Perpustakaan Terdaftar", "Provinsi Nusa Tenggara Timur",
              "Keadaan per 31 Desember 2024")
    stem = "perpustakaan_53_nusa_tenggara_timur"
    return [
        ExportFile(f"{stem}_1.csv", part1, ExportStyle(
            flavour=CsvFlavour(",", "utf-8-sig", "\r\n"), title_rows=titles, date_style="dmy")),
        ExportFile(f"{stem}_2.xlsx", part2, ExportStyle(fmt="xlsx", cover_sheet=True)),
        ExportFile(f"{stem}_3.csv", part3, ExportStyle(
            flavour=CsvFlavour(";", "cp1252", "\n"), columns=shuffled,
            header=tuple(odd_header(c, 0) if c == "NPP" else c for c in shuffled),
            date_style="iso")),
        ExportFile(f"{stem}_unduhan_ulang.csv", again, ExportStyle(flavour=UTF8_LF)),
        ExportFile("perpustakaan_34_daerah_istimewa_yogyakarta.csv", diy_frame, ExportStyle(
            flavour=CsvFlavour(";", "utf-8", "\r\n"), date_style="iso",
            title_rows=("Daftar Perpustakaan Terdaftar", "Provinsi DI Yogyakarta"))),
    ]


def exports_earlier(year: int, ntt: Province, clean: dict[str, pd.DataFrame]) -> list[ExportFile]:
    """2023 and 2022: fewer files and a lighter dose of the same messy cases."""
    rng = rng_for(SEED, "mess", year)
    serials = itertools.count(9_000_001)
    ntt_frame = start(clean[NTT].assign(note=""))
    diy_frame = start(clean[DIY].assign(note=""))
    stem = "perpustakaan_53_nusa_tenggara_timur"
    if year == 2022:
        i = _pick(ntt_frame, KOTA_KUPANG, rng)
        ntt_frame.at[i, "note"] = "kept: a library listed twice"
        ntt_frame = _plant(ntt_frame, "`duplicate_identical`: only `No` differs",
                           add_identical_duplicates, [i], rng)
        ntt_frame = _plant(ntt_frame, "`footer_row`: `Total` row", add_footer, "Total")
        return [
            ExportFile(f"{stem}.csv", ntt_frame,
                       ExportStyle(flavour=CsvFlavour(";", "utf-8", "\r\n"), date_style="dmy")),
            ExportFile("perpustakaan_34_daerah_istimewa_yogyakarta.xlsx", diy_frame,
                       ExportStyle(fmt="xlsx", data_sheet="Sheet1")),
        ]
    codes = [r.kemendagri_code for r in ntt.regencies]
    first = start(ntt_frame[ntt_frame["regency"].isin(codes[:13])].reset_index(drop=True))
    second = start(ntt_frame[~ntt_frame["regency"].isin(codes[:13])].reset_index(drop=True))
    i = _pick(first, ALOR, rng)
    first.at[i, "note"] = "kept: latest version of a re-submitted library"
    first = _plant(first, "`duplicate_older`: older re-submission", add_older_duplicates, [i], rng)
    second = _plant(second, "`npp_missing`: empty NPP",
                    add_junk_rows, ["npp_missing"], ntt, serials, rng)
    second = _plant(second, "`footer_row`: `Jumlah` row", add_footer, "Jumlah")
    i = _pick(diy_frame, BANTUL, rng)
    diy_frame.at[i, "note"] = "kept: a library listed twice"
    diy_frame = _plant(diy_frame, "`duplicate_identical`: only `No` differs",
                       add_identical_duplicates, [i], rng)
    return [
        ExportFile(f"{stem}_1.xlsx", first, ExportStyle(fmt="xlsx")),
        ExportFile(f"{stem}_2.csv", second, ExportStyle(flavour=UTF8_LF, date_style="dmy")),
        ExportFile("perpustakaan_34_daerah_istimewa_yogyakarta.csv", diy_frame,
                   ExportStyle(flavour=CsvFlavour(",", "utf-8-sig", "\r\n"), date_style="iso")),
    ]


def _note_lines(year: int, file: ExportFile) -> list[str]:
    """README lines for the noted rows of one export file, with spreadsheet row numbers."""
    ordered = file.frame.sort_values("pos", kind="stable").reset_index(drop=True)
    first_data_row = len(file.style.title_rows) + 2
    sheet = f", sheet `{file.style.data_sheet}`" if file.style.fmt == "xlsx" else ""
    rows_by_note: dict[str, list[int]] = defaultdict(list)
    for k, note in enumerate(ordered["note"].fillna("")):
        if note:
            rows_by_note[note].append(first_data_row + k)
    lines = []
    for note, rows in rows_by_note.items():
        if len(rows) == 1:
            shown = f"row {rows[0]}"
        elif len(rows) <= 6:
            shown = f"rows {', '.join(map(str, rows))}"
        else:
            shown = f"{len(rows)} rows between {rows[0]} and {rows[-1]}"
        lines.append(f"- `perpustakaan/{year}/{file.name}`{sheet} {shown}: {note}.")
    return lines


def _published_row_number(index: int, page_rows: int) -> int:
    """Spreadsheet row of the `index`-th area row: 2 title rows, a header on every page."""
    return index + index // page_rows + 4


TABEL44_2024 = "terbitan/2024/tabel44_rekapitulasi_uplm_2024.csv"
SATU_DATA_DIY_2024 = "terbitan/2024/satu_data_iplm_kabupaten_kota_diy_2024.csv"
# data.go.id's 2023 layout: unrounded values (6 decimals, as the portal prints them), compared with
# the unrounded computation at their own precision. It replaces Tabel 44 for 2023 (an area is
# published once a year); the report-copy layout stays in 2024.
OPEN_DATA_2023 = "terbitan/2023/iplm_2023_kabkota_data_go_id.csv"


def published_2024(rows: list[PublishedRow], ntt: Province, computed: dict[str, Score],
                   sample: Sample) -> list[PublishedRow]:
    """Put the real published figures and the planted publication error into Tabel 44."""
    sabu = computed[SABU_RAIJUA]
    as_computed = ([_id(u, 4) for u in sabu.uplm], _id(sabu.iplm, 2))
    as_published = ([_id(u, 4) for u in SABU_PUBLISHED_2024.uplm], _id(SABU_PUBLISHED_2024.iplm, 2))
    if as_computed != as_published:
        raise AssertionError(f"Sabu Raijua 2024 computes {as_computed}, published {as_published}")
    ntt_uplm = (NTT_PUBLISHED_UPLM1_2024, *computed[NTT].uplm[1:])
    code, excess = PUBLICATION_ERROR
    wrong = next(r for r in ntt.regencies if r.kemendagri_code == code)
    where = f"`{TABEL44_2024}` row"
    out = []
    for k, row in enumerate(rows):
        number = _published_row_number(k, PAGE_ROWS)
        if row.label == SABU_PUBLISHED_2024.label:
            row = SABU_PUBLISHED_2024
            sample.notes.append(f"- {where} {number} (`{row.label}`): the REAL published row.")
        elif row.label == province_label(ntt):
            row = PublishedRow(row.label, ntt_uplm, iplm_from_uplm(ntt_uplm))
            sample.notes.append(
                f"- {where} {number} (`{row.label}`): REAL published UPLM1 0,4189; the other six "
                f"UPLM come from the pooled synthetic inputs, and SKOR IPLM {_id(row.iplm, 2)} is "
                f"100 x the mean of these seven. Pooling gives UPLM1 "
                f"{_id(computed[NTT].uplm[0], 4)} (5 410 / 12 786) and IPLM "
                f"{_id(computed[NTT].iplm, 2)}: both must be reported as mismatches.")
        elif row.label == wrong.report_name:
            row = PublishedRow(row.label, row.uplm, round(row.iplm + excess, 2))
            sample.notes.append(
                f"- {where} {number} (`{row.label}`): SKOR IPLM {_id(row.iplm, 2)} is 0,02 above "
                f"what the row's own UPLM give ({_id(computed[code].iplm, 2)}): a planted "
                f"publication error.")
        out.append(row)
    return out


def _lat_long(province: Province) -> dict[str, tuple[float, float]]:
    """SYNTHETIC coordinates inside the province's bounding box (the portal's Lat/Long columns)."""
    rng = rng_for(SEED, "lat-long", province.kemendagri_code)
    (lat0, lat1), (long0, long1) = {NTT: ((-10.9, -8.1), (119.0, 125.1)),
                                    DIY: ((-8.15, -7.55), (110.0, 110.8))}[province.kemendagri_code]
    return {r.kemendagri_code: (round(float(rng.uniform(lat0, lat1)), 5), round(float(rng.uniform(long0, long1)), 5))
            for r in province.regencies}


def open_data_rows(provinces: list[Province], scores: dict[str, Score]) -> list[OpenDataRow]:
    """data.go.id's 2023 table: regencies, then the provinces (empty Kabkot), then `Nasional`.
    NTT's province row is written `Nusa Tenggara\nTimur`, with the line break the portal has."""
    rows = []
    for p in provinces:
        where = _lat_long(p)
        for r in p.regencies:
            s = scores[r.kemendagri_code]
            rows.append(OpenDataRow(p.short_name, p.kemendagri_code, r.report_name, r.kemendagri_code,
                                    *where[r.kemendagri_code], s.uplm, category(s.iplm)))
    for p in provinces:
        s = scores[p.kemendagri_code]
        name = "Nusa Tenggara\nTimur" if p.kemendagri_code == NTT else p.short_name
        rows.append(OpenDataRow(name, p.kemendagri_code, "", "", None, None, s.uplm, category(s.iplm)))
    rows.append(OpenDataRow("Nasional", "", "", "", None, None, scores[""].uplm, category(scores[""].iplm)))
    return rows


def iplm_only_rows(province: Province, scores: dict[str, Score]) -> list[IplmOnlyRow]:
    """Satu Data's IPLM-only table for one province: BPS codes (the province as `3400`), names in full."""
    s = scores[province.kemendagri_code]
    rows = [IplmOnlyRow(f"{province.bps_code}00", f"Provinsi {province.short_name}", s.iplm, category(s.iplm))]
    for r in province.regencies:
        s = scores[r.kemendagri_code]
        name = f"Kabupaten {r.short_name}" if r.type == "Kabupaten" else r.short_name
        rows.append(IplmOnlyRow(r.bps_code, name, s.iplm, category(s.iplm)))
    return rows


def write_published_tables(out: Path, provinces: list[Province], sample: Sample) -> None:
    """2023: data.go.id open data for both provinces and the nation; 2024: Tabel 44 for NTT and
    INDONESIA, Satu Data (IPLM only) for DIY: each area is published once a year (two tables giving
    one area different figures are refused)."""
    diy, ntt = provinces
    scores = sample.scores[2024]
    rows = published_rows([ntt], scores, scores, scores[""])
    rows = published_2024(rows, ntt, scores, sample)
    write_published(out / TABEL44_2024, 2024, rows, "csv", PUBLISHED_FLAVOUR, PAGE_ROWS)
    sample.files[TABEL44_2024] = _describe("csv", PUBLISHED_FLAVOUR)
    sample.layouts[TABEL44_2024] = ("report copy (Tabel 44): the NTT block and INDONESIA, decimal comma, "
                                    "UPLM with 4 and SKOR IPLM with 2 decimals")
    flavour = CsvFlavour(",", "utf-8", "\n")
    for name, layout, write in (
            (SATU_DATA_DIY_2024, "Satu Data IPLM-only: DIY (province `3400` and its 5 regencies, names in "
             "full), IPLM with a decimal point", lambda path: write_iplm_only(path, 2024, iplm_only_rows(diy, scores),
                                                                            flavour)),
            (OPEN_DATA_2023, "data.go.id open data: both provinces' regencies, the provinces and `Nasional`, "
             "Kemendagri codes as numbers (`53.2`), unrounded values with 6 decimals",
             lambda path: write_open_data(path, open_data_rows(provinces, sample.scores[2023]), flavour))):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write(out / name)
        sample.files[name] = _describe("csv", flavour)
        sample.layouts[name] = layout


def build(out_dir: Path) -> Sample:
    """Write the whole sample under `out_dir` (its bps/, perpustakaan/, terbitan/ and
    README.md are replaced) and return what the pipeline should compute from it."""
    out_dir = Path(out_dir)
    for sub in ("bps", "perpustakaan", "terbitan", "terbitan_pending", "tpbis"):  # terbitan_pending: older builds
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    sample = Sample(out_dir)
    provinces = load_provinces([DIY, NTT])  # report order: by Kemendagri code
    diy, ntt = provinces
    real_2022, _ = real_population_2022(provinces)
    values = bps_values(ntt, diy, real_2022)
    write_bps(out_dir, provinces, values, sample)

    rosters = {}
    for p in provinces:
        code = p.kemendagri_code
        counts = library_counts(p, values[code], rng_for(SEED, "counts", code))
        rosters[code] = synth_roster(p, counts, rng_for(SEED, "roster", code))
    fit_totals(rosters[NTT], SABU_RAIJUA, SABU_LIBRARY_TOTALS_2024)

    for year in EXPORT_YEARS:
        clean = {code: snapshot(roster, year, rng_for(SEED, "snapshot", code, year))
                 for code, roster in rosters.items()}
        files = exports_2024(ntt, clean) if year == 2024 else exports_earlier(year, ntt, clean)
        for file in files:
            write_export(out_dir / "perpustakaan" / str(year) / file.name, file.frame, file.style)
            sample.files[f"perpustakaan/{year}/{file.name}"] = _describe_export(file.style)
            sample.notes.extend(_note_lines(year, file))
        everything = pd.concat([f.frame for f in files], ignore_index=True)
        kept = everything[everything["expect"] == KEPT]
        if sorted(kept["npp"]) != sorted(pd.concat(clean.values())["npp"]):
            raise AssertionError(f"{year}: planted rows changed the kept libraries")
        inputs = {}
        for p in provinces:
            inputs.update(with_library_inputs(bps_inputs(p, values[p.kemendagri_code], PERIODS[year]), kept))
        areas = expectations(provinces, inputs, year)
        sample.kept[year] = kept
        sample.scores[year] = {a.kemendagri_code: a.score for a in areas}

    _check_real_totals(sample)
    write_published_tables(out_dir, provinces, sample)
    write_tpbis(out_dir, sample)
    (out_dir / "README.md").write_text(readme(sample), encoding="utf-8")
    return sample


# A SYNTHETIC TPBIS partner list (not the real programme's): regencies by BPS code, Kemendagri
# code and name, a Sleman desa code, and NPPs of libraries kept in every year's exports above.
TPBIS_PARTNERS = [
    ("level", "code", "name", "joined_year"),
    ("regency", "5320", "Kabupaten Sabu Raijua", "2023"),
    ("regency", "34.71", "Kota Yogyakarta", "2019"),
    ("regency", "", "Kab. Kupang", "2024"),
    ("desa", "34.04.01.2001", "Desa contoh Sleman (synthetic)", "2022"),
    ("npp", "5320001U0000082", "Taman Bacaan Masyarakat Cerdas", "2023"),
    ("npp", "5307001U0000097", "Perpustakaan Desa Wodo", "2023"),
    ("npp", "5310001U0000060", "Perpustakaan Desa Debe Selatan", "2024"),
    ("npp", "3402001U0000510", "Perpustakaan Desa Tidoma", "2022"),
    ("npp", "3402001U0000546", "TBM Pelita", "2022"),
]


def write_tpbis(out_dir: Path, sample: Sample) -> None:
    kept = set(pd.concat(sample.kept.values())["npp"])
    missing = [row[1] for row in TPBIS_PARTNERS if row[0] == "npp" and row[1] not in kept]
    if missing:
        raise AssertionError(f"TPBIS sample NPPs not among the kept libraries: {missing}")
    path = out_dir / "tpbis" / "tpbis_partners.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(row) + "\n" for row in TPBIS_PARTNERS), encoding="utf-8")
    sample.files[str(path.relative_to(out_dir))] = "CSV, comma, UTF-8, LF (synthetic TPBIS partner list)"


def _check_real_totals(sample: Sample) -> None:
    """Guards: the real figures must come out of the files exactly."""
    sabu = sample.scores[2024][SABU_RAIJUA].inputs
    expected = {"P": 93_330, "K": 208, "CS": 26_344, "CA": 0, "L": 98,
                **SABU_LIBRARY_TOTALS_2024}
    actual = {k: getattr(sabu, k) for k in expected}
    if actual != expected:
        raise AssertionError(f"Sabu Raijua 2024 inputs {actual} != real {expected}")
    kept = sample.kept[2024]
    types = kept[kept["regency"] == SABU_RAIJUA]["type"].value_counts().to_dict()
    if types != SABU_LIBRARY_TYPES_2024:
        raise AssertionError(f"Sabu Raijua 2024 library types {types}")
    ntt = sample.scores[2024][NTT].inputs
    if (ntt.L, ntt.K) != (NTT_LIBRARIES_2024, NTT_INSTITUTIONS_2022):
        raise AssertionError(f"NTT 2024 L, K = {ntt.L}, {ntt.K}")


def _describe(fmt: str, flavour: CsvFlavour, extra: str = "") -> str:
    if fmt == "xlsx":
        text = "XLSX"
    else:
        encoding = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "Windows-1252"}
        separator = "comma" if flavour.sep == "," else "semicolon"
        ending = "CRLF" if flavour.newline == "\r\n" else "LF"
        text = f"CSV, {separator}, {encoding[flavour.encoding]}, {ending}"
    return f"{text}{extra}"


def _describe_export(style: ExportStyle) -> str:
    extra = []
    if style.title_rows:
        extra.append(f"{len(style.title_rows)} title rows")
    if style.columns != COLUMNS:
        extra.append("columns shuffled")
    if style.header != style.columns:
        extra.append("header ` npp `")
    if style.fmt == "xlsx":
        extra.append("sheets `Keterangan`, `Data Perpustakaan`" if style.cover_sheet
                     else f"sheet `{style.data_sheet}`")
        extra.append("date cells, some text dates")
    else:
        extra.append("dates mostly " + {"dmy": "dd/mm/yyyy", "iso": "yyyy-mm-dd"}[style.date_style])
    return _describe(style.fmt, style.flavour, "; " + ", ".join(extra))


def _files_table(files: dict[str, str]) -> str:
    lines = ["| file | format |", "|---|---|"]
    lines += [f"| `{path}` | {files[path]} |" for path in sorted(files)]
    return "\n".join(lines)


def _id(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def _score_line(label: str, s: Score) -> str:
    return f"| {label} | {' '.join(_id(u, 4) for u in s.uplm)} | {_id(s.iplm, 2)} |"


def _periods_text() -> str:
    parts = []
    for year, periods in PERIODS.items():
        population = periods["penduduk"]
        others = sorted({p for i, p in periods.items() if i != "penduduk"})
        parts.append(f"IPLM {year}: population {population}, the others {', '.join(map(str, others))}")
    return "; ".join(parts)


def _layout_lines(sample: Sample, prefix: str) -> str:
    return "\n".join(f"  - `{path.removeprefix(prefix)}`: {sample.layouts[path]}"
                     for path in sorted(sample.layouts) if path.startswith(prefix))


def readme(sample: Sample) -> str:
    scores = sample.scores
    expected_rows = ["| area, year | UPLM1..UPLM7 (4 decimals) | IPLM |", "|---|---|---|"]
    for year in (2022, 2023, 2024):
        for code, label in ((SABU_RAIJUA, "Kab. Sabu Raijua"), (NTT, "Nusa Tenggara Timur (pooled)"),
                            (DIY, "DI Yogyakarta (pooled)"), ("", "national (pooled, 2 provinces)")):
            expected_rows.append(_score_line(f"{label}, {year}", scores[year][code]))
    planted = "\n".join(sample.notes)
    return f"""# Bundled sample raw data

Built by `scripts/build_sample.py` (seed {SEED}); regenerate with

    .venv/bin/python scripts/build_sample.py

which rewrites this folder byte for byte (this README included). Do not edit the files by
hand: change the script. `tests/unit/test_synth.py` checks the real totals below against the
files.

## Layout (SOURCES.md)

- `bps/<indicator>/`: BPS tables, years {BPS_YEARS[0]}-{BPS_YEARS[-1]}: every column the method
  registry (`iplm_pipeline/reference/methodology.toml`) names for IPLM 2022-2024 is present
  ({_periods_text()}). All four layouts of real bps.go.id downloads occur (SOURCES.md §1; the
  real examples are in `tests/fixtures/real/bps/`); one table per indicator, province and year:
{_layout_lines(sample, "bps/")}
- `perpustakaan/<year>/`: library registration exports for IPLM 2022, 2023, 2024, one row
  per library, several files per year.
- `terbitan/<year>/`: published tables, each area once a year:
{_layout_lines(sample, "terbitan/")}
  An IPLM printed with more than 2 decimals (data.go.id) is compared with the unrounded
  computation at its own precision.
- `tpbis/tpbis_partners.csv` (an optional source): a SYNTHETIC list of TPBIS partners
  (Transformasi Perpustakaan Berbasis Inklusi Sosial), made up for the `tpbis_comparison`
  mart: a few NTT and DIY regencies (by BPS code, Kemendagri code or name), one Sleman desa
  code and five NPPs of libraries in the exports above, with invented joining years. It is
  not the real partner list.

Provinces: Nusa Tenggara Timur (Kemendagri 53, 22 regencies) and DI Yogyakarta (34, 5).

## What is REAL and what is SYNTHETIC

REAL figures:

- Population {REAL_NATIONAL_YEAR}, every DIY and NTT regency, both provinces and INDONESIA
  (275 719 905): BPS's national table "Jumlah Penduduk menurut Kabupaten/Kota dan Kelompok Umur,
  2022", TOTAL column and the age groups, copied unchanged into `bps/penduduk/` (source:
  `tests/fixtures/real/bps/`, see PROVENANCE.md there). E.g. Kab. Sabu Raijua 91 877, Kab. Sikka
  330 429, NTT 5 481 790, DIY 3 712 568. IPLM 2023 takes this column (registry: population
  IPLM year - 1, assumed).
- Population {P_YEAR}: Kab. Sabu Raijua 93 330, Kab. Sikka 335 360 and the NTT total 5 569 068
  (BPS's 2023 column, as the IPLM 2024 report prints it: METHODOLOGY.md). IPLM 2024 takes this
  column (registry: verified).
- Kab. Sabu Raijua, IPLM 2024 (Perpusnas IPLM 2024 report; worked example in METHODOLOGY.md):
  P 93 330 (BPS {P_YEAR}), K 208, CS 26 344, CA 0 (BPS {K_YEAR} columns). Library export 2024:
  L 98 kept libraries, 25 `Umum` + 73 `Sekolah` (implied by the report's 27 public and 278
  school libraries per 100 000), C 74 669, T 33, V 105, S 8, A 20, M 31 725. Published row:
  UPLM 0,4712 0,4000 0,8840 0,0563 0,3646 0,0107 1,0000, SKOR IPLM 45,52 (the reference
  calculator reproduces it exactly).
- Nusa Tenggara Timur, IPLM 2024: L 5 410 kept libraries, K 12 786 institutions (BPS {K_YEAR}
  desa_kelurahan + sekolah + perguruan_tinggi over the 22 regencies) and the published
  province UPLM1 0,4189, which does not follow from 5 410 / 12 786 = 0,4231 (a real
  inconsistency of the report that the reconciliation must flag).

SYNTHETIC: everything else. That includes the component splits of the real totals (Sabu
Raijua desa 63 / sekolah 145 / perguruan tinggi 0, murid 24 102 / guru 2 242, mahasiswa 0 /
dosen 0), the sex and ownership splits of the dynamic-table exports, the flattened export's
other four variables, every population figure other than those above, every individual
library row (the 98 Sabu Raijua rows are synthetic rows fitted so that their sums are the
real totals), every other BPS value (villages, schools, pupils, teachers, ...), the library
exports 2022/2023, every other published row, and the data.go.id Lat/Long.

How the synthetic figures were made: `iplm_pipeline.synth` (BPS values with plausible
magnitudes, a roster of libraries that persists across years with small yearly changes,
sparse reporting, heavy-tailed counts), then the real figures above imposed:
- population {P_YEAR}: each other NTT regency's real 2022 figure grown by a random rate of
  1,0-2,0 % and then scaled (largest remainder) so that the 22 regencies sum to the real
  5 569 068; DIY's real 2022 figures grown by 0,6-1,4 %, in whole hundreds (the flattened
  export prints thousands with one decimal);
- population 2019-2021: the real 2022 figure discounted by the regency's rate (Sabu Raijua's
  and Sikka's: their real 2022-2023 growth), NTT in whole tens (Ribu Jiwa, 2 decimals);
- pupils and teachers scaled to the real population; Sabu Raijua's other BPS values set to
  the real totals; the other NTT regencies' school counts set so that K = 12 786, their
  library counts so that L = 5 410.
Published rows come from the independent reference calculator `iplm_pipeline.synth.reference`
applied to the CLEAN inputs (the rows the contract keeps) with the BPS columns the registry
names (population {P_YEAR} and the other indicators' {K_YEAR} for 2024), except the rows named
under "Planted cases".

## Expected results (reference calculator, clean inputs; 2022 uncapped and approximate)

{chr(10).join(expected_rows)}

## Planted cases and where they are

Row numbers are as a spreadsheet shows them (1-based, title and header rows counted). In
NTT's 2024 file `_3.csv` the columns are shuffled and the NPP header is written ` npp `;
`_1.csv` has three title rows above the header; `_2.xlsx` has a first sheet `Keterangan`
and the data on the second sheet `Data Perpustakaan`. Text dates are `dd/mm/yyyy` or
`yyyy-mm-dd`, xlsx dates are date cells; about 8 % of libraries write counts as text with
grouping (`1.250`); visits have decimals (`12,5`); SNP answers are `Ya`, `Y`, `ya`, `YA`,
`Tidak`, `T`, `tidak`, `TIDAK` or empty.

{planted}

## Files

CSV flavours are mixed on purpose: comma and semicolon, UTF-8 with and without BOM,
Windows-1252, LF and CRLF. bps.go.id exports (dynamic, flattened) are comma, UTF-8 with BOM, LF.

{_files_table(sample.files)}
"""


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "raw"
    build(target)
    print(f"sample written to {target}")
