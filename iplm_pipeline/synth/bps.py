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


def _cell(value: int | str, style: BpsStyle, thousands: bool, grouped: bool = True) -> object:
    """A classic table's cell in Indonesian notation. Counts are grouped (`1.469.843`) only in a
    column where some value has two groups: a column whose every value is like `24.102` reads two
    ways and is refused by design (SOURCES.md §1), so such a column is written without grouping."""
    if isinstance(value, str):
        return value
    if value == 0:
        return style.nil
    if thousands:
        return id_decimal(value / 1000, 2) if style.fmt == "csv" else value / 1000
    if style.fmt != "csv":
        return value
    return id_int(value) if grouped else str(value)


def _grouped(numbers: list[int | str]) -> bool:
    return any(not isinstance(v, str) and v >= 1_000_000 for v in numbers)


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
    totals = {y: _aggregate(province, indicator, y, values, aggregate_adjust) for y in years}
    grouped = {y: _grouped([*(values[indicator][r.kemendagri_code][y] for r in province.regencies), totals[y]])
               for y in years}
    for regency in province.regencies:
        series = values[indicator][regency.kemendagri_code]
        rows.append([bps_region_name(regency, province, style),
                     *[_cell(series[y], style, thousands, grouped[y]) for y in years]])
    aggregate: list[object] = [style.aggregate_label.upper() if style.upper_names
                               else style.aggregate_label]
    aggregate += [_cell(totals[y], style, thousands, grouped[y]) for y in years]
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


def _aggregate(province: Province, indicator: str, year: int, values: BpsValues,
               adjust: dict[int, int] | None = None) -> int | str:
    """The province total of one column: the sum of its regencies, or the first marker among them."""
    parts = [values[indicator][r.kemendagri_code][year] for r in province.regencies]
    markers = [p for p in parts if isinstance(p, str)]
    return markers[0] if markers else sum(parts) + (adjust or {}).get(year, 0)


# ---- the layouts of real bps.go.id downloads (SOURCES.md §1, shared/real/) -------------------
# classic: `bps_rows` above. dynamic: `dynamic_rows`. flattened: `flattened_rows` (penduduk,
# one year per file, the year only in the file name). national: `national_rows`.
LAYOUTS = ("classic", "dynamic", "flattened", "national")
SPLITS = {"sex": ("Laki-Laki", "Perempuan", "Jumlah"), "ownership": ("Negeri", "Swasta", "Jumlah")}
AGE_GROUPS = ("0-14", "15-64", "65+")
FLATTENED_HEADER = ("Kabupaten/Kota", "Jumlah Penduduk (Ribu)", "Laju Pertumbuhan Penduduk per Tahun",
                    "Persentase Penduduk", "Kepadatan Penduduk per km persegi (Km2)",
                    "Rasio Jenis Kelamin Penduduk")
NATIONAL_LABEL = "Provinsi/Kabupaten/Kota/Indonesia"


def flattened_file_name(province: Province, year: int, fmt: str = "csv") -> str:
    """The name bps.go.id gives the download: the year is in it and nowhere in the file."""
    return ("Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk Kepadatan Penduduk, "
            f"Rasio Jenis Kelamin Penduduk Menurut Kabupaten_Kota di Provinsi {province.short_name}, "
            f"{year}.{fmt}")


def dynamic_file_name(province: Province, indicator: str, years: list[int], fmt: str = "csv") -> str:
    title = _TITLES[indicator][0].replace("/", "_")
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return f"{title} di Provinsi {province.short_name}, {span}.{fmt}"


def national_file_name(indicator: str, year: int, fmt: str = "csv") -> str:
    return f"{_TITLES[indicator][0].replace('/', '_')} dan Kelompok Umur, {year}.{fmt}"


def _plain(value: int | float | str, csv: bool, nil: str = "-", places: int = 0) -> object:
    """A bps.go.id export cell: decimal point, no grouping (`1272.7`, `93330`); native in xlsx."""
    if isinstance(value, str):
        return value
    if value == 0 and places == 0:
        return nil
    if not csv:
        return value
    return f"{value:.{places}f}" if places else str(int(value))


def _split(value: int | str, shares: tuple[float, ...]) -> list[int | str]:
    """A total split into parts (the last part takes the remainder); a marker stays a marker."""
    if isinstance(value, str):
        return [value] * len(shares)
    parts = [round(value * s) for s in shares[:-1]]
    return [*parts, value - sum(parts)]


def dynamic_rows(province: Province, indicator: str, years: list[int], values: BpsValues,
                 rng: np.random.Generator, *, csv: bool = True, split: str | None = None,
                 province_first: bool = True, region_label: str = "Kabupaten/Kota",
                 aggregate_adjust: dict[int, int] | None = None) -> list[list[object]]:
    """A bps.go.id dynamic-table export: the region label alone in row 1, the title in row 2
    with an empty first cell, optionally a sub-header (`Laki-Laki`/`Perempuan`/`Jumlah`), the
    year row (each year repeated over its columns); decimal point, no grouping; the province
    row (`Provinsi ...`) first or last. Values are people or units (never thousands)."""
    subs = SPLITS[split] if split else ("",)
    width = len(years) * len(subs)
    unit = _TITLES[indicator][1]
    title = _TITLES[indicator][0]
    if split == "sex":
        title = title.replace(" Menurut ", " Menurut Jenis Kelamin dan ")
    rows: list[list[object]] = [[region_label, *[""] * width],
                                ["", f"{title} di Provinsi {province.short_name} ({unit})", *[""] * (width - 1)]]
    if split:
        rows.append(["", *(s for _ in years for s in subs)])
    rows.append(["", *(str(y) if csv else y for y in years for _ in subs)])
    shares = {}
    for r in province.regencies:
        first = float(rng.uniform(0.47, 0.52))
        shares[r.kemendagri_code] = (first, 1 - first)

    def cells(series: dict[int, int | str], share: tuple[float, float]) -> list[object]:
        out: list[object] = []
        for y in years:
            parts = [*_split(series[y], share), series[y]] if split else [series[y]]
            out += [_plain(v, csv) for v in parts]
        return out

    body = [[r.short_name if not (r.type == "Kabupaten" and r.short_name.casefold()
                                  == province.short_name.casefold()) else f"Kab. {r.short_name}",
             *cells(values[indicator][r.kemendagri_code], shares[r.kemendagri_code])]
            for r in province.regencies]
    aggregate: list[object] = [f"Provinsi {province.short_name}"]
    for y in years:
        total = _aggregate(province, indicator, y, values, aggregate_adjust)
        if split and not isinstance(total, str):
            parts = [_split(values[indicator][r.kemendagri_code][y], shares[r.kemendagri_code])
                     for r in province.regencies]
            first = sum(p[0] for p in parts)
            aggregate += [_plain(v, csv) for v in (first, total - first, total)]
        else:
            aggregate += [_plain(v, csv) for v in ([total] * len(subs) if split else [total])]
    return [*rows, *([aggregate] if province_first else []), *body, *([] if province_first else [aggregate])]


def flattened_rows(province: Province, year: int, values: BpsValues, rng: np.random.Generator, *,
                   csv: bool = True) -> list[list[object]]:
    """A bps.go.id flattened export of population (the Banten downloads in shared/real/): one
    header row of five variables, `Jumlah Penduduk (Ribu)` with one decimal and a decimal point,
    the aggregate (the province's name) last, a blank row, `Catatan` and a footnote with HTML
    tags. The year is in the file name only (`flattened_file_name`). Populations must be whole
    hundreds (what one decimal of thousands can say). The other four variables are SYNTHETIC
    filler, consistent with the population where they derive from it."""
    series = {r.kemendagri_code: values["penduduk"][r.kemendagri_code] for r in province.regencies}
    for code, s in series.items():
        if not isinstance(s[year], str) and s[year] % 100:
            raise ValueError(f"{code} {year}: {s[year]} people cannot be written in thousands with one decimal")
    total = _aggregate(province, "penduduk", year, values)
    rows: list[list[object]] = [list(FLATTENED_HEADER)]

    def growth(s: dict[int, int | str]) -> float | str:
        before = s.get(year - 1)
        if isinstance(before, str) or isinstance(s[year], str) or not before:
            return "…"
        return round(100 * (s[year] / before - 1), 2)

    def number(v: float | str, places: int) -> object:
        if isinstance(v, str):
            return v
        return f"{v:.{places}f}".rstrip("0").rstrip(".") if csv and places else (
            str(int(v)) if csv else v)

    for r in province.regencies:
        s = series[r.kemendagri_code]
        p = s[year]
        share = "…" if isinstance(p, str) or isinstance(total, str) else round(100 * p / total, 2)
        density = "…" if isinstance(p, str) else round(p / float(rng.uniform(50, 2500)))
        rows.append([r.short_name, number(p / 1000 if not isinstance(p, str) else p, 1), number(growth(s), 2),
                     number(share, 2), number(density, 0), number(round(float(rng.uniform(96, 106)), 1), 1)])
    parts = {y: _aggregate(province, "penduduk", y, values) for y in (year - 1, year)
             if all(y in series[c] for c in series)}
    rows.append([province.short_name, number(total / 1000 if not isinstance(total, str) else total, 1),
                 number(growth(parts), 2), "100", number(round(float(rng.uniform(150, 900))), 0),
                 number(round(float(rng.uniform(98, 104)), 1), 1)])
    rows.append([""] * len(FLATTENED_HEADER))
    rows.append(["Catatan", *[""] * (len(FLATTENED_HEADER) - 1)])
    rows.append(["Hasil Proyeksi Penduduk Indonesia 2020–2050 Hasil Sensus Penduduk 2020 (Pertengahan "
                 "tahun/Juni)<i>/The result of 2020–2050 Indonesia population projection (mid year/June)</i>",
                 *[""] * (len(FLATTENED_HEADER) - 1)])
    return rows


def national_rows(provinces: list[Province], indicator: str, year: int, values: dict[str, BpsValues],
                  rng: np.random.Generator, *, csv: bool = True,
                  national: int | None = None) -> list[list[object]]:
    """A bps.go.id national table (the 2022 population table in shared/real/): a header block of
    four rows (region label; title; `TOTAL` and age groups; the year over every column), each
    province's UPPER-CASE row above its kabupaten/kota (in BPS code order), and an `INDONESIA`
    row: `national` when the real figure is known, else the sum of the provinces written. The
    age-group split is SYNTHETIC. `values` is keyed by the province's Kemendagri code."""
    subs = ("TOTAL", *AGE_GROUPS)
    rows: list[list[object]] = [
        [NATIONAL_LABEL, *[""] * len(subs)],
        ["", f"{_TITLES[indicator][0]} dan Kelompok Umur", *[""] * (len(subs) - 1)],
        ["", *subs],
        ["", *[str(year) if csv else year] * len(subs)],
    ]
    grand = 0
    for province in provinces:
        v = values[province.kemendagri_code][indicator]
        regencies = sorted(province.regencies, key=lambda r: r.bps_code)
        block = []
        total_parts = [0] * len(AGE_GROUPS)
        for r in regencies:
            value = v[r.kemendagri_code][year]
            young = float(rng.uniform(0.22, 0.32))
            old = float(rng.uniform(0.05, 0.11))
            parts = _split(value, (young, 1 - young - old, old))
            if not isinstance(value, str):
                total_parts = [a + b for a, b in zip(total_parts, parts, strict=True)]
            block.append([bps_region_name(r, province, BpsStyle()), *[_plain(x, csv) for x in (value, *parts)]])
        total = _aggregate(province, indicator, year, values[province.kemendagri_code])
        grand += 0 if isinstance(total, str) else total
        rows.append([province.short_name.upper(), *[_plain(x, csv) for x in (total, *total_parts)]])
        rows += block
    rows.append(["INDONESIA", _plain(national if national is not None else grand, csv),
                 *[""] * len(AGE_GROUPS)])
    return rows


def write_rows(path: Path, rows: list[list[object]], fmt: str, flavour: CsvFlavour | None = None) -> None:
    """Write rows of one of the layouts above: CSV (default: comma, UTF-8 with BOM, LF, as
    bps.go.id exports) or xlsx."""
    if fmt == "csv":
        write_csv(path, rows, flavour or CsvFlavour(",", "utf-8-sig", "\n"))
    else:
        write_xlsx(path, [("Sheet1", rows)])
