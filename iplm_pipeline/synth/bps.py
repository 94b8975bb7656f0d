"""Synthetic BPS indicator tables (SOURCES.md section 1): one file per indicator and province
in the layout of a BPS dynamic-table download.

All values are SYNTHETIC, with plausible magnitudes only (population 20 000 to 5 000 000 per
regency, 50 to 500 villages, 100 to 3 000 schools, pupils about 20 % of the population,
teachers about pupils / 15, 0 to 100 higher-education institutions). A value is an int
(people or units; population in people even when the table is in thousands) or a str
written as it stands (a not-available marker such as `…`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from iplm_pipeline.synth.formats import CsvFlavour, id_decimal, id_int, pick_flavour, write_csv, write_xlsx
from iplm_pipeline.synth.region_table import Province, Regency

INDICATORS = ("penduduk", "desa_kelurahan", "sekolah", "murid", "guru", "perguruan_tinggi",
              "mahasiswa", "dosen")

# (title without unit, unit in people/units)
_TITLES = {
    "penduduk": ("Jumlah Penduduk Menurut Kabupaten/Kota", "Jiwa"),
    "desa_kelurahan": ("Jumlah Desa/Kelurahan Menurut Kabupaten/Kota", "Desa/Kelurahan"),
    "sekolah": ("Jumlah Sekolah (SD, SMP, SMA, SMK, SLB, MI, MTs, MA) Menurut Kabupaten/Kota", "Unit"),
    "murid": ("Jumlah Murid (SD, SMP, SMA, SMK, SLB, MI, MTs, MA) Menurut Kabupaten/Kota", "Orang"),
    "guru": ("Jumlah Guru (SD, SMP, SMA, SMK, SLB, MI, MTs, MA) Menurut Kabupaten/Kota", "Orang"),
    "perguruan_tinggi": ("Jumlah Perguruan Tinggi Negeri dan Swasta Menurut Kabupaten/Kota", "Unit"),
    "mahasiswa": ("Jumlah Mahasiswa Perguruan Tinggi Menurut Kabupaten/Kota", "Orang"),
    "dosen": ("Jumlah Dosen Perguruan Tinggi Menurut Kabupaten/Kota", "Orang"),
}

BpsValues = dict[str, dict[str, dict[int, int | str]]]  # indicator -> kemendagri code -> year -> value

ANCHOR_YEAR = 2022  # the synthetic series is drawn around this year and extrapolated


def synth_bps_values(province: Province, years: list[int], rng: np.random.Generator) -> BpsValues:
    """Plausible, internally consistent indicator values for every regency and year."""
    regs = province.regencies
    n = len(regs)
    is_kota = np.array([r.type == "Kota" for r in regs])
    population = np.where(is_kota, rng.lognormal(np.log(350_000), 0.6, n),
                          rng.lognormal(np.log(250_000), 0.75, n)).clip(20_000, 5_000_000)
    pop_growth = rng.uniform(0.004, 0.02, n)
    villages = np.where(is_kota, rng.integers(20, 121, n),
                        (population / 1500 * rng.uniform(0.5, 1.5, n)).clip(50, 500)).round()
    schools = (population / 330 * rng.uniform(0.7, 1.3, n)).clip(100, 3000)
    pupil_share = rng.uniform(0.17, 0.23, n)
    pupils_per_teacher = rng.uniform(13, 17, n)
    universities = np.where(is_kota, 5 + rng.poisson(population / 40_000),
                            rng.poisson(population / 150_000) * (rng.random(n) > 0.25)).clip(0, 100)
    students_per_university = rng.uniform(300, 2500, n)
    students_per_lecturer = rng.uniform(25, 40, n)

    values: BpsValues = {ind: {r.kemendagri_code: {} for r in regs} for ind in INDICATORS}
    for year in years:
        t = year - ANCHOR_YEAR
        pop = np.round(population * (1 + pop_growth) ** t)
        pupils = np.round(pop * pupil_share)
        students = np.round(universities * students_per_university * 1.03 ** t)
        row = {
            "penduduk": pop,
            "desa_kelurahan": villages,
            "sekolah": np.round(schools * 1.005 ** t),
            "murid": pupils,
            "guru": np.round(pupils / pupils_per_teacher),
            "perguruan_tinggi": universities,
            "mahasiswa": students,
            "dosen": np.round(students / students_per_lecturer),
        }
        for indicator, column in row.items():
            for r, v in zip(regs, column, strict=True):
                values[indicator][r.kemendagri_code][year] = int(v)
    return values


@dataclass(frozen=True)
class BpsStyle:
    """How one BPS table is laid out; every variant is one SOURCES.md allows."""
    fmt: str = "csv"  # "csv" or "xlsx"
    flavour: CsvFlavour = CsvFlavour()
    in_thousands: bool = False  # penduduk only: values in Ribu Jiwa with 2 decimals
    unit_in_title: bool = True
    unit_row: bool = False  # `Satuan: ...` under the title
    blank_row: bool = False
    region_header: str = "Kabupaten/Kota"  # or "Wilayah"
    kab_prefix: bool = False  # `Kab. Alor` instead of BPS's bare `Alor`
    upper_names: bool = False
    aggregate_label: str = "Jumlah"  # the province's name, `Provinsi ...`, `Jumlah` or `Total`
    nil: str = "-"  # zero (nihil): `-` or `–`


def random_bps_style(province: Province, indicator: str, fmt: str,
                     rng: np.random.Generator) -> BpsStyle:
    in_thousands = indicator == "penduduk" and bool(rng.random() < 0.5)
    unit_in_title = bool(rng.random() < 0.7)
    labels = ["Jumlah", "Total", f"Provinsi {province.short_name}"]
    if not province.bare_name_is_ambiguous:
        labels.append(province.short_name)
    return BpsStyle(
        fmt=fmt,
        flavour=pick_flavour(rng),
        in_thousands=in_thousands,
        unit_in_title=unit_in_title,
        # a table in thousands must say so in the title or a unit row
        unit_row=bool(rng.random() < 0.4) or (in_thousands and not unit_in_title),
        blank_row=bool(rng.random() < 0.3),
        region_header=str(rng.choice(["Kabupaten/Kota", "Wilayah"])),
        kab_prefix=bool(rng.random() < 0.3),
        upper_names=bool(rng.random() < 0.1),
        aggregate_label=str(rng.choice(labels)),
        nil=str(rng.choice(["-", "–"], p=[0.8, 0.2])),
    )


def bps_region_name(regency: Regency, province: Province, style: BpsStyle) -> str:
    name = regency.short_name
    # A kabupaten named like its province (Gorontalo) always gets its prefix: see
    # Province.bare_name_is_ambiguous.
    if regency.type == "Kabupaten" and (
            style.kab_prefix or name.casefold() == province.short_name.casefold()):
        name = f"Kab. {name}"
    return name.upper() if style.upper_names else name


def _cell(value: int | str, style: BpsStyle, thousands: bool) -> object:
    if isinstance(value, str):
        return value
    if value == 0:
        return style.nil
    if thousands:
        return id_decimal(value / 1000, 2) if style.fmt == "csv" else value / 1000
    return id_int(value) if style.fmt == "csv" else value


def bps_rows(province: Province, indicator: str, years: list[int], values: BpsValues,
             style: BpsStyle, aggregate_adjust: dict[int, int] | None = None) -> list[list[object]]:
    """The table's rows, title to footnotes. `aggregate_adjust` adds to the aggregate row
    (a planted disagreement between a BPS total and its parts)."""
    title, unit = _TITLES[indicator]
    thousands = indicator == "penduduk" and style.in_thousands
    if thousands:
        unit = "Ribu Jiwa"
    heading = f"{title} ({unit})" if style.unit_in_title else title
    rows: list[list[object]] = [[f"{heading} di Provinsi {province.short_name}"]]
    if style.blank_row:
        rows.append([])
    if style.unit_row:
        rows.append([f"Satuan: {unit}"])
    rows.append([style.region_header, *[str(y) if style.fmt == "csv" else y for y in years]])
    for regency in province.regencies:
        series = values[indicator][regency.kemendagri_code]
        rows.append([bps_region_name(regency, province, style),
                     *[_cell(series[y], style, thousands) for y in years]])
    aggregate: list[object] = [style.aggregate_label.upper() if style.upper_names
                               else style.aggregate_label]
    for y in years:
        parts = [values[indicator][r.kemendagri_code][y] for r in province.regencies]
        markers = [p for p in parts if isinstance(p, str)]
        if markers:
            aggregate.append(markers[0])
        else:
            total = sum(parts) + (aggregate_adjust or {}).get(y, 0)
            aggregate.append(_cell(total, style, thousands))
    rows.append(aggregate)
    rows.append(["Sumber: Badan Pusat Statistik"])
    rows.append([f"Catatan: Data {years[-1]} merupakan angka hasil pemutakhiran"])
    return rows


def write_bps_table(path: Path, rows: list[list[object]], style: BpsStyle) -> None:
    """Write the rows of one table (from `bps_rows`) as `style` says."""
    if style.fmt == "csv":
        write_csv(path, rows, style.flavour)
    else:
        write_xlsx(path, [("Sheet1", rows)])
