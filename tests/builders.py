"""Writers for raw files in the SOURCES.md layouts, for tests that need a variation of them.

Tests build their inputs in a temporary folder from these, so each test shows the
exact messy case it exercises. `write_sabu_raijua` writes the real published Kab.
Sabu Raijua 2024 inputs (METHODOLOGY.md worked example): the BPS totals and the
library totals are real; their split into indicator components and into single
library rows is synthetic (only the totals are published).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from iplm_pipeline.methodology import get_method

LIBRARY_HEADER = ["No", "NPP", "Nama Perpustakaan", "Jenis Perpustakaan", "Subjenis", "Provinsi",
                  "Kabupaten/Kota", "Kecamatan", "Jumlah Koleksi Judul", "Jumlah Koleksi Eksemplar",
                  "Jumlah Pustakawan", "Jumlah Tenaga Teknis Perpustakaan", "Rata-rata Kunjungan per Hari",
                  "Dibina Sesuai SNP", "Jumlah Anggota", "Jumlah Keterlibatan Masyarakat", "Tanggal Pembaruan"]
PUBLISHED_HEADER = ["PROVINSI/KAB/ KOTA", "UPLM1", "UPLM2", "UPLM3", "UPLM4", "UPLM5", "UPLM6", "UPLM7",
                    "SKOR IPLM"]


def write_rows(path: Path, rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8",
               newline: str = "\n", sheet: str = "Sheet1", sheets_before: tuple[str, ...] = ()) -> Path:
    """Write a grid as CSV (any delimiter, encoding, line ending) or xlsx (by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name in sheets_before:
            book.create_sheet(name).append(["not the data"])
        ws = book.create_sheet(sheet)
        for row in rows:
            ws.append(row)
        book.save(path)
        return path
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def bps_table(title: str, years: list[int], rows: list[tuple[str, list]], *, unit_row: str | None = None,
              region_header: str = "Kabupaten/Kota", footnotes=("Sumber: Badan Pusat Statistik",)) -> list[list]:
    grid: list[list] = [[title]]
    if unit_row:
        grid.append([unit_row])
    grid.append([])
    grid.append([region_header, *[str(y) for y in years]])
    grid += [[name, *values] for name, values in rows]
    grid += [[note] for note in footnotes]
    return grid


def library_row(no: int, npp: str, kind: str = "Sekolah", regency: str = "Kab. Sabu Raijua", **fields) -> list:
    values = {h: "" for h in LIBRARY_HEADER}
    values.update({"No": str(no), "NPP": npp, "Nama Perpustakaan": f"Perpustakaan {npp.strip()[-4:]}",
                   "Jenis Perpustakaan": kind, "Provinsi": "Nusa Tenggara Timur",
                   "Kabupaten/Kota": regency, "Tanggal Pembaruan": "15/03/2024"})
    for key, value in fields.items():
        values[key] = value
    return [values[h] for h in LIBRARY_HEADER]


def split_total(total: int, parts: int) -> list[int]:
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def sabu_raijua_libraries() -> list[list]:
    """98 libraries (25 Umum, 73 Sekolah) whose sums are the real 2024 totals, sparsely reported."""
    rows = []
    collections = split_total(74_669, 60)
    librarians, technicians = split_total(20, 20), split_total(13, 13)
    visits = split_total(105, 30)
    members = split_total(31_725, 40)
    participation = split_total(20, 4)
    for i in range(98):
        kind = "Umum" if i < 25 else "Sekolah"
        npp = f"5320{i % 6:03d}{'U' if kind == 'Umum' else 'S'}{i + 1:07d}"
        fields = {}
        if i < 60:
            fields["Jumlah Koleksi Eksemplar"] = f"{collections[i]:,}".replace(",", ".")
        if i < 20:
            fields["Jumlah Pustakawan"] = str(librarians[i])
        if 20 <= i < 33:
            fields["Jumlah Tenaga Teknis Perpustakaan"] = str(technicians[i - 20])
        if i < 30:
            fields["Rata-rata Kunjungan per Hari"] = str(visits[i])
        if i < 40:
            fields["Jumlah Anggota"] = f"{members[i]:,}".replace(",", ".")
        if i < 4:
            fields["Jumlah Keterlibatan Masyarakat"] = str(participation[i])
        fields["Dibina Sesuai SNP"] = ["Ya", "Y", "ya"][i % 3] if i < 8 else ("Tidak" if i % 2 else "")
        rows.append(library_row(i + 1, npp, kind, **fields))
    return rows


# BPS figures for Kab. Sabu Raijua, IPLM 2024: P = 93,33 thousand, K = 208, CS = 26 344, CA = 0. Counts are
# written without grouping: a column of only `24.102`-style cells reads two ways and is refused.
SABU_RAIJUA_BPS = {
    "penduduk": "93,33", "desa_kelurahan": "63", "sekolah": "145", "perguruan_tinggi": "-",
    "murid": "24102", "guru": "2242", "mahasiswa": "-", "dosen": "-",
}
# Two neighbours so name resolution (Kupang vs Kota Kupang) is exercised; synthetic figures.
NEIGHBOURS = {
    "Kupang": {"penduduk": "380,15", "desa_kelurahan": "177", "sekolah": "640", "perguruan_tinggi": "3",
               "murid": "78210", "guru": "6104", "mahasiswa": "2500", "dosen": "120"},
    "Kota Kupang": {"penduduk": "466,63", "desa_kelurahan": "51", "sekolah": "420", "perguruan_tinggi": "28",
                    "murid": "101330", "guru": "7010", "mahasiswa": "60002", "dosen": "2950"},
}


def write_sabu_raijua(raw: Path, *, year: int = 2024, with_published: bool = True) -> Path:
    """A small NTT dataset: Sabu Raijua (real totals) plus Kupang and Kota Kupang (synthetic).

    Each table holds the column the registry takes for `year` (IPLM 2024: population 2023, the
    rest 2022) and the year before it, which is not available (`x`) except for Sabu Raijua's
    population, whose real 2022 value (91 877) is there to be ignored."""
    periods = get_method(year).bps_periods
    for indicator, sabu in SABU_RAIJUA_BPS.items():
        ribu = indicator == "penduduk"
        before = "91,88" if ribu else "x"
        rows = [("Kab. Sabu Raijua" if indicator == "sekolah" else "Sabu Raijua", [before, sabu])]
        rows += [(name, ["x", figures[indicator]]) for name, figures in NEIGHBOURS.items()]
        rows.append(("Nusa Tenggara Timur", ["x", "…"]))  # aggregate not checked in this fixture
        title = (f"Jumlah {indicator} Menurut Kabupaten/Kota"
                 f"{' (Ribu Jiwa)' if ribu else ''} di Provinsi Nusa Tenggara Timur")
        taken = int(periods[indicator])
        write_rows(raw / "bps" / indicator / "ntt.csv",
                   bps_table(title, [taken - 1, taken], rows, unit_row="Satuan: Ribu Jiwa" if ribu else None),
                   delimiter=";" if indicator in ("penduduk", "murid") else ",")
    libraries = sabu_raijua_libraries()
    neighbours = [library_row(200 + i, f"5301{i:03d}U{i + 1:07d}", "Umum", "Kupang",
                              **{"Jumlah Koleksi Eksemplar": "1.000", "Jumlah Anggota": "50"})
                  for i in range(5)]
    neighbours += [library_row(300 + i, f"5371{i:03d}S{i + 1:07d}", "Sekolah", "Kota Kupang",
                               **{"Jumlah Koleksi Eksemplar": "2.000", "Dibina Sesuai SNP": "Ya"})
                   for i in range(4)]
    write_rows(raw / "perpustakaan" / str(year) / "ntt.csv",
               [["Data Perpustakaan Provinsi Nusa Tenggara Timur"], [], LIBRARY_HEADER, *libraries, *neighbours])
    if with_published:
        write_rows(raw / "terbitan" / str(year) / "tabel44.csv", [
            ["Tabel 44 Rekapitulasi UPLM Per Kab/Kota"], PUBLISHED_HEADER,
            ["Kab. Sabu Raijua", "0,4712", "0,4000", "0,8840", "0,0563", "0,3646", "0,0107", "1,0000", "45,52"],
        ])
    return raw


def write_years(raw: Path, years: list[int], *, extra_libraries: int = 0) -> Path:
    """The `write_sabu_raijua` dataset for several IPLM years, in one raw folder.

    BPS tables get one column per period the years take (methodology_bps_columns: e.g. population
    2020/2022/2023 for IPLM 2022/2023/2024), with the same figures in each; each IPLM year gets its own
    library export (`perpustakaan/<year>/ntt.csv`, updated in March of that year) and no
    published table. Sabu Raijua's members (31 725 against a standard of 2% x 93 330) make its
    UPLM7 ~17: kept as is by the uncapped 2022 method, capped at 1 by the later ones.
    `extra_libraries` adds that many small Kupang libraries per year (a bigger, slower export).
    """
    for indicator, sabu in SABU_RAIJUA_BPS.items():
        bps_years = sorted({int(get_method(year).bps_periods[indicator]) for year in years})
        ribu = indicator == "penduduk"
        rows = [("Kab. Sabu Raijua" if indicator == "sekolah" else "Sabu Raijua", [sabu] * len(bps_years))]
        rows += [(name, [figures[indicator]] * len(bps_years)) for name, figures in NEIGHBOURS.items()]
        rows.append(("Nusa Tenggara Timur", ["…"] * len(bps_years)))
        title = (f"Jumlah {indicator} Menurut Kabupaten/Kota"
                 f"{' (Ribu Jiwa)' if ribu else ''} di Provinsi Nusa Tenggara Timur")
        write_rows(raw / "bps" / indicator / "ntt.csv",
                   bps_table(title, bps_years, rows, unit_row="Satuan: Ribu Jiwa" if ribu else None))
    for year in years:
        write_library_year(raw, year, extra_libraries=extra_libraries)
    return raw


def write_library_year(raw: Path, year: int, *, extra_libraries: int = 0, kupang_members: str = "50",
                       file_name: str = "ntt.csv") -> Path:
    """One IPLM year's library export: Sabu Raijua's 98 libraries, 5 + `extra_libraries` in Kupang,
    4 in Kota Kupang; every row updated on 15 March of `year`."""
    updated = {"Tanggal Pembaruan": f"15/03/{year}"}
    rows = [[*row[:-1], updated["Tanggal Pembaruan"]] for row in sabu_raijua_libraries()]
    rows += [library_row(200 + i, f"5301{i % 1000:03d}U{i + 1:07d}", "Umum", "Kupang",
                         **{"Jumlah Koleksi Eksemplar": "1.000", "Jumlah Anggota": kupang_members}, **updated)
             for i in range(5 + extra_libraries)]
    rows += [library_row(100_000 + i, f"5371{i:03d}S{i + 1:07d}", "Sekolah", "Kota Kupang",
                         **{"Jumlah Koleksi Eksemplar": "2.000", "Dibina Sesuai SNP": "Ya"}, **updated)
             for i in range(4)]
    return write_rows(raw / "perpustakaan" / str(year) / file_name,
                      [["Data Perpustakaan Provinsi Nusa Tenggara Timur"], [], LIBRARY_HEADER, *rows])


DIY_REGENCIES = ["Kulon Progo", "Bantul", "Gunungkidul", "Sleman", "Kota Yogyakarta"]
DIY_PREFIXES = ["3401", "3402", "3403", "3404", "3471"]
# Per regency, chosen so every UPLM can be checked by hand: K = 40 + 59 + 1 = 100, P = 100 000.
UNIFORM_BPS = {"penduduk": "100000", "desa_kelurahan": "40", "sekolah": "59", "perguruan_tinggi": "1",
               "murid": "9000", "guru": "1000", "mahasiswa": "500", "dosen": "50"}
# Per regency 50 libraries: C 100 000, T 20, V 1 000, S 5, A 1 000, M 1 000, so
# UPLM1..7 = 0,5 0,5 0,5 0,5 5/(22,39% x 50) = 0,446628 0,5 0,5 and IPLM = 49,24 (Rendah).
UNIFORM_UPLM = ["0,5000", "0,5000", "0,5000", "0,5000", "0,4466", "0,5000", "0,5000"]
UNIFORM_IPLM = "49,24"


def uniform_libraries(prefix: str) -> list[list]:
    rows = []
    for i in range(50):
        fields = {"Jumlah Koleksi Eksemplar": "2.000"}
        if i < 20:
            fields |= {"Jumlah Pustakawan": "1", "Rata-rata Kunjungan per Hari": "50"}
        if i < 5:
            fields["Dibina Sesuai SNP"] = "Ya"
        if i < 10:
            fields |= {"Jumlah Keterlibatan Masyarakat": "100", "Jumlah Anggota": "100"}
        rows.append(library_row(i + 1, f"{prefix}001{'U' if i < 10 else 'S'}{i + 1:07d}",
                                "Umum" if i < 10 else "Sekolah", "", **fields))
    return rows


def write_uniform_diy(raw: Path, year: int = 2024, *, aggregate_offsets: dict[str, int] | None = None) -> Path:
    """DI Yogyakarta with five identical regencies whose UPLM are known by hand (synthetic)."""
    offsets = aggregate_offsets or {}
    for indicator, value in UNIFORM_BPS.items():
        number = int(value.replace(".", ""))
        aggregate = str(5 * number + offsets.get(indicator, 0))
        period = int(get_method(year).bps_periods[indicator])
        grid = bps_table(f"Jumlah {indicator} di Provinsi DI Yogyakarta", [period],
                         [*[(name, [value]) for name in DIY_REGENCIES], ("Provinsi D.I. Yogyakarta", [aggregate])])
        write_rows(raw / "bps" / indicator / "diy.xlsx", grid)
    rows = [row for prefix in DIY_PREFIXES for row in uniform_libraries(prefix)]
    write_rows(raw / "perpustakaan" / str(year) / "diy.csv", [LIBRARY_HEADER, *rows], delimiter=";")
    return raw
