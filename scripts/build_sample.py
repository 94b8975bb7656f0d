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
    synth_bps_values,
    write_bps_table,
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
from iplm_pipeline.synth.generate import bps_inputs, expectations, rng_for, with_library_inputs
from iplm_pipeline.synth.libraries import allocate, fit_totals, random_type_counts, snapshot, synth_roster
from iplm_pipeline.synth.published import PublishedRow, province_label, published_rows, write_published
from iplm_pipeline.synth.reference import Score, iplm_from_uplm
from iplm_pipeline.synth.region_table import Province, load_provinces

ROOT = Path(__file__).resolve().parents[1]
SEED = 5320
BPS_YEARS = [2019, 2020, 2021, 2022]  # IPLM 2022, 2023, 2024 use BPS 2020, 2021, 2022
PAGE_ROWS = 16  # published tables: 30 area rows, so the header repeats mid-file
PUBLISHED_FLAVOUR = CsvFlavour(";", "utf-8", "\n")
EXPORT_YEARS = (2022, 2023, 2024)
NTT, DIY = "53", "34"
SABU_RAIJUA, KAB_KUPANG, ALOR, MANGGARAI, KOTA_KUPANG, MALAKA = (
    "53.20", "53.01", "53.05", "53.10", "53.71", "53.21")
BANTUL = "34.02"

# ---- REAL published figures ------------------------------------------------------------
# Sabu Raijua BPS 2022: only the totals P, K = desa + sekolah + PT, CS = murid + guru and
# CA = mahasiswa + dosen are published; the splits 63/145/0 and 24 102/2 242 are synthetic.
SABU_BPS_2022 = {"penduduk": 93_330, "desa_kelurahan": 63, "sekolah": 145, "perguruan_tinggi": 0,
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
PUBLICATION_ERROR = (BANTUL, 0.02)  # published IPLM 0,02 above what the row's UPLM imply
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
    (NTT, "desa_kelurahan"): BpsStyle(fmt="xlsx", region_header="Wilayah", kab_prefix=True,
                                      aggregate_label="Jumlah"),
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
    (DIY, "mahasiswa"): BpsStyle(flavour=CsvFlavour(",", "utf-8-sig", "\r\n"),
                                 aggregate_label="Provinsi D.I. Yogyakarta"),
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


def _rebase(values: BpsValues, code: str, indicator: str, value_2022: int) -> None:
    """Set a regency's 2022 value and move its other years in proportion."""
    series = values[indicator][code]
    old = series[2022]
    for year in series:
        series[year] = round(series[year] * value_2022 / old) if old else value_2022


def bps_values(ntt: Province, diy: Province) -> dict[str, BpsValues]:
    values = {p.kemendagri_code: synth_bps_values(p, BPS_YEARS, rng_for(SEED, "bps", p.kemendagri_code))
              for p in (ntt, diy)}
    v = values[NTT]
    for indicator, value in SABU_BPS_2022.items():
        _rebase(v, SABU_RAIJUA, indicator, value)
    # NTT's K 2022 is real (12 786); the other 21 regencies' schools absorb what Sabu
    # Raijua's real 208 and their synthetic villages and universities leave.
    others = [r.kemendagri_code for r in ntt.regencies if r.kemendagri_code != SABU_RAIJUA]
    fixed = sum(v["desa_kelurahan"][c][2022] + v["perguruan_tinggi"][c][2022]
                for c in [*others, SABU_RAIJUA]) + v["sekolah"][SABU_RAIJUA][2022]
    schools = allocate(NTT_INSTITUTIONS_2022 - fixed, np.array([v["sekolah"][c][2022] for c in others]))
    for code, count in zip(others, schools, strict=True):
        _rebase(v, code, "sekolah", int(count))
    # NTT population is published in thousands with 2 decimals: whole tens of people
    for series in v["penduduk"].values():
        series.update({y: round(p, -1) for y, p in series.items()})
    for (province, indicator), markers in MISSING_2019.items():
        for code, marker in markers.items():
            values[province][indicator][code][2019] = marker
    return values


def _row_of(rows: list[list[object]], first_cell: str) -> int:
    return next(i for i, row in enumerate(rows, 1) if row and row[0] == first_cell)


def write_bps(out: Path, provinces: list[Province], values: dict[str, BpsValues],
              sample: Sample) -> None:
    for province in provinces:
        for indicator in INDICATORS:
            style = BPS_STYLES[(province.kemendagri_code, indicator)]
            excess = DIY_SEKOLAH_AGGREGATE_EXCESS if (province.kemendagri_code, indicator) == (
                DIY, "sekolah") else None
            path = Path("bps", indicator, f"{indicator}_{province.bps_code}_{province.slug}.{style.fmt}")
            rows = bps_rows(province, indicator, BPS_YEARS, values[province.kemendagri_code],
                            style, excess)
            write_bps_table(out / path, rows, style)
            sample.files[str(path)] = _describe(style.fmt, style.flavour)
            where = f"`{path}`"
            if excess:
                sample.notes.append(
                    f"- {where} row {_row_of(rows, style.aggregate_label)} (`{style.aggregate_label}`): "
                    f"the 2022 aggregate is 3 more than the sum of the regency rows "
                    f"(reconciliation `bps_aggregate:sekolah` for IPLM 2024 must be a mismatch).")
            for code, marker in MISSING_2019.get((province.kemendagri_code, indicator), {}).items():
                regency = next(r for r in province.regencies if r.kemendagri_code == code)
                name = bps_region_name(regency, province, style)
                sample.notes.append(f"- {where} row {_row_of(rows, name)} (`{name}`), column 2019: "
                                    f"not-available marker `{marker}`.")
            if indicator in ("perguruan_tinggi", "mahasiswa", "dosen") and province.kemendagri_code == NTT:
                regency = next(r for r in province.regencies if r.kemendagri_code == SABU_RAIJUA)
                name = bps_region_name(regency, province, style)
                sample.notes.append(f"- {where} row {_row_of(rows, name)} (`{name}`): `{style.nil}` "
                                    f"(nihil = 0) in every year: Sabu Raijua has no higher education.")


def library_counts(province: Province, values: BpsValues,
                   rng: np.random.Generator) -> dict[str, dict[str, int]]:
    institutions = {r.kemendagri_code: sum(values[i][r.kemendagri_code][2022] for i in
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


def published_2024(rows: list[PublishedRow], ntt: Province, diy: Province,
                   computed: dict[str, Score], sample: Sample) -> list[PublishedRow]:
    """Put the real published figures and the planted publication error into the table."""
    sabu = computed[SABU_RAIJUA]
    as_computed = ([_id(u, 4) for u in sabu.uplm], _id(sabu.iplm, 2))
    as_published = ([_id(u, 4) for u in SABU_PUBLISHED_2024.uplm], _id(SABU_PUBLISHED_2024.iplm, 2))
    if as_computed != as_published:
        raise AssertionError(f"Sabu Raijua 2024 computes {as_computed}, published {as_published}")
    ntt_uplm = (NTT_PUBLISHED_UPLM1_2024, *computed[NTT].uplm[1:])
    code, excess = PUBLICATION_ERROR
    wrong = next(r for r in diy.regencies if r.kemendagri_code == code)
    where = "`terbitan/2024/tabel44_rekapitulasi_uplm_2024.csv` row"
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


def build(out_dir: Path) -> Sample:
    """Write the whole sample under `out_dir` (its bps/, perpustakaan/, terbitan/ and
    README.md are replaced) and return what the pipeline should compute from it."""
    out_dir = Path(out_dir)
    for sub in ("bps", "perpustakaan", "terbitan", "tpbis"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    sample = Sample(out_dir)
    provinces = load_provinces([DIY, NTT])  # report order: by Kemendagri code
    diy, ntt = provinces
    values = bps_values(ntt, diy)
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
            inputs.update(with_library_inputs(bps_inputs(p, values[p.kemendagri_code], year - 2), kept))
        areas = expectations(provinces, inputs, year)
        sample.kept[year] = kept
        sample.scores[year] = {a.kemendagri_code: a.score for a in areas}

    _check_real_totals(sample)
    for year, fmt in ((2023, "xlsx"), (2024, "csv")):
        scores = sample.scores[year]
        rows = published_rows(provinces, scores, scores, scores[""])
        if year == 2024:
            rows = published_2024(rows, ntt, diy, scores, sample)
        path = out_dir / "terbitan" / str(year) / f"tabel44_rekapitulasi_uplm_{year}.{fmt}"
        write_published(path, year, rows, fmt, PUBLISHED_FLAVOUR, PAGE_ROWS)
        sample.files[str(path.relative_to(out_dir))] = _describe(fmt, PUBLISHED_FLAVOUR)
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

- `bps/<indicator>/`: one BPS dynamic-table download per indicator (`penduduk`,
  `desa_kelurahan`, `sekolah`, `murid`, `guru`, `perguruan_tinggi`, `mahasiswa`, `dosen`) and
  province, years 2019-2022 (IPLM 2022, 2023, 2024 use BPS 2020, 2021, 2022). NTT `penduduk`
  is in thousands (`Ribu Jiwa`, 2 decimals, stated in the title and a `Satuan` row); DIY
  `penduduk` in people.
- `perpustakaan/<year>/`: library registration exports for IPLM 2022, 2023, 2024, one row
  per library, several files per year.
- `terbitan/<year>/`: "Tabel 44 Rekapitulasi UPLM Per Kab/Kota" for 2023 (xlsx) and 2024
  (csv), split into pages of {PAGE_ROWS} rows with the header repeated.
- `tpbis/tpbis_partners.csv` (an optional source): a SYNTHETIC list of TPBIS partners
  (Transformasi Perpustakaan Berbasis Inklusi Sosial), made up for the `tpbis_comparison`
  mart: a few NTT and DIY regencies (by BPS code, Kemendagri code or name), one Sleman desa
  code and five NPPs of libraries in the exports above, with invented joining years. It is
  not the real partner list.

Provinces: Nusa Tenggara Timur (Kemendagri 53, 22 regencies) and DI Yogyakarta (34, 5).

## What is REAL and what is SYNTHETIC

REAL published figures (Perpusnas IPLM 2024 report; worked example in METHODOLOGY.md):

- Kab. Sabu Raijua, IPLM 2024. BPS 2022: P 93 330 (`93,33` Ribu), K 208, CS 26 344, CA 0.
  Library export 2024: L 98 kept libraries, 25 `Umum` + 73 `Sekolah` (implied by the report's
  27 public and 278 school libraries per 100 000), C 74 669, T 33, V 105, S 8, A 20,
  M 31 725. Published row: UPLM 0,4712 0,4000 0,8840 0,0563 0,3646 0,0107 1,0000, SKOR IPLM
  45,52 (the reference calculator reproduces it exactly).
- Nusa Tenggara Timur, IPLM 2024: L 5 410 kept libraries, K 12 786 institutions (BPS 2022
  desa_kelurahan + sekolah + perguruan_tinggi over the 22 regencies) and the published
  province UPLM1 0,4189, which does not follow from 5 410 / 12 786 = 0,4231 (a real
  inconsistency of the report that the reconciliation must flag).

SYNTHETIC: everything else. That includes the component splits of the real totals (Sabu
Raijua desa 63 / sekolah 145 / perguruan tinggi 0, murid 24 102 / guru 2 242, mahasiswa 0 /
dosen 0), every individual library row (the 98 Sabu Raijua rows are synthetic rows fitted
so that their sums are the real totals), the other 21 NTT regencies and all of DIY, the
years 2019-2021 and the 2022/2023 exports, and every other published row.

How the synthetic figures were made: `iplm_pipeline.synth` (BPS values with plausible
magnitudes, a roster of libraries that persists across years with small yearly changes,
sparse reporting, heavy-tailed counts), then the real figures above imposed (Sabu Raijua's
BPS values and library rows; the other NTT regencies' school counts set so that K = 12 786,
their library counts so that L = 5 410). Published rows come from the independent
reference calculator `iplm_pipeline.synth.reference` applied to the CLEAN inputs (the rows
the contract keeps), except the rows named under "Planted cases".

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
Windows-1252, LF and CRLF.

{_files_table(sample.files)}
"""


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "raw"
    build(target)
    print(f"sample written to {target}")
