"""`iplm report`: one province's IPLM year as an Excel workbook an analyst can hand on.

Sheets:
- `Rekap`: the report's Tabel 44 layout (PROVINSI/KAB/ KOTA, UPLM1..UPLM7, SKOR IPLM, KATEGORI), the
  province first and bold, then its kabupaten/kota in BPS-code order; a native bar chart of the
  regency IPLM with the category band boundaries and the province's pooled value as lines.
- one sheet per area (province, then regencies): the detail block of METHODOLOGY.md, i.e. inputs
  with their BPS column year, each standard (factor x base, from methodology_elements), ratio,
  achievement and shortfall (iplm_detail), libraries per 100 000, people per collection and per
  staff member, percentages, and Indonesian sentences generated from those numbers.
- `Kelengkapan` (data_completeness) and `Rekonsiliasi` (reconciliation rows of the province's areas).

Every figure is a number cell with a number format, never text, so the workbook can be recomputed
from; sentences are generated from the same numbers, so they cannot drift from them (the published
template once printed "1 collection for 2167665 people" beside a ratio of 1 : 2).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from iplm_pipeline.outputs import (
    INPUTS,
    UPLM,
    YearOutputs,
    category_colour,
    id_number,
    indicator_table,
    missing,
    neutralise,
    query_province,
)
from iplm_pipeline.regions import Region

RECAP_HEADER = ["PROVINSI/KAB/ KOTA", *[u.upper() for u in UPLM], "SKOR IPLM", "KATEGORI"]
UPLM_FORMAT, IPLM_FORMAT, COUNT_FORMAT, RATIO_FORMAT = "0.0000", "0.00", "#,##0", "#,##0.####"
RESERVED_SHEETS = ("Rekap", "Data grafik", "Kelengkapan", "Rekonsiliasi")

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_SECTION = Font(bold=True, size=12)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")

# What each element's actual input is called in sentences, with the unit of its shortfall.
_ACTUAL_WORDS = {
    "libraries": "perpustakaan", "collections": "eksemplar koleksi", "staff": "tenaga perpustakaan",
    "visits_per_day": "kunjungan per hari", "snp_libraries": "perpustakaan dibina sesuai SNP",
    "participation": "orang terlibat dalam sosialisasi", "members": "anggota perpustakaan",
}

# The share the detail block states for an element's actual input (iplm_detail column, of what).
_SHARES = {
    "visits_per_day": ("visits_percent_of_population", "penduduk"),
    "snp_libraries": ("snp_percent_of_libraries", "perpustakaan"),
    "participation": ("participation_percent_of_population", "penduduk"),
    "members": ("members_percent_of_population", "penduduk"),
}

# Input each "libraries per 100 000" figure of iplm_detail is relative to.
_PER_100K_BASE = {
    "public_libraries_per_100k_population": "population",
    "school_libraries_per_100k_school_civitas": "school_civitas",
    "university_libraries_per_100k_academic_civitas": "academic_civitas",
}


# --------------------------------------------------------------------------- numbers in words
def factor_text(numerator: int, denominator: int) -> str:
    """The standard's factor as the report writes it: 2, 1/2500, 2 %, 22,39 %."""
    if denominator == 1:
        return str(numerator)
    if numerator == 1 and denominator >= 100:
        return f"1/{denominator}"
    percent = 100 * numerator / denominator
    return f"{id_number(percent, 0 if percent.is_integer() else 2)} %"


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31].strip()
    name, n = base, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)].strip() + suffix, n + 1
    taken.add(name)
    return name


# --------------------------------------------------------------------------- sheets
def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[row].height = 30


def _put(ws: Worksheet, row: int, col: int, value, number_format: str | None = None, *, bold: bool = False,
         box: bool = True):
    if missing(value):
        value = None
    elif isinstance(value, str):
        value = neutralise(value)
    cell = ws.cell(row=row, column=col, value=value)
    if number_format and value is not None and not isinstance(value, str):
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    if box:
        cell.border = _BOX
    return cell


def _paragraph(ws: Worksheet, row: int, text: str, last_col: int, chars_per_line: int) -> None:
    """A sentence across columns A..last_col, wrapped, tall enough for its lines."""
    cell = ws.cell(row=row, column=1, value=neutralise(text))
    cell.alignment = _WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    ws.row_dimensions[row].height = 15 * max(1, math.ceil(len(text) / chars_per_line))


def _printable(ws: Worksheet, *, landscape: bool = True) -> None:
    """One page wide when printed or converted to PDF, as many pages tall as needed."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def _fill_category(cell, category) -> None:
    cell.fill = PatternFill("solid", fgColor=category_colour(None if missing(category) else category))


def _method_note(area: dict) -> str:
    note = f"Metode {area['method_id']} (status: {area['method_status']}); data BPS tahun {area['bps_reference_year']}."
    if area["method_status"] == "approximate":
        note += " Nilai tahun ini adalah pendekatan (unsur metode 2021 tidak terdokumentasi lengkap)."
    elif area["method_status"] == "provisional":
        note += " Metode sementara: belum dikonfirmasi oleh laporan resmi."
    if missing(area.get("method_cap")):
        note += " Metode tanpa batas atas: skor tidak pada skala 0-100, sehingga tidak diberi kategori."
    return note


def write_recap(book: Workbook, data: YearOutputs, rows: pd.DataFrame, province: Region) -> None:
    ws = book.active
    ws.title = "Rekap"
    ws.cell(row=1, column=1, value=f"Rekapitulasi UPLM dan Skor IPLM {data.year}: {province.name}").font = _TITLE
    _paragraph(ws, 2, _method_note(rows.iloc[0].to_dict()), 10, 110)
    _header(ws, 4, RECAP_HEADER)
    for i, area in enumerate(rows.to_dict("records"), start=5):
        bold = area["level"] == "province"
        _put(ws, i, 1, area["area_name"], bold=bold)
        for j, u in enumerate(UPLM, start=2):
            _put(ws, i, j, area[u], UPLM_FORMAT, bold=bold)
        _put(ws, i, 9, area["iplm"], IPLM_FORMAT, bold=bold)
        _fill_category(_put(ws, i, 10, area["category"], bold=bold), area["category"])
    last = 4 + len(rows)
    note_row = last + 2
    ws.cell(row=note_row, column=1, value="Kategori (batas bawah termasuk):").font = _BOLD
    for k, band in enumerate(data.bands.itertuples(), start=note_row + 1):
        upper = "" if missing(band.upper) else f" dan < {id_number(band.upper, 0)}"
        _fill_category(_put(ws, k, 1, band.category), band.category)
        _put(ws, k, 2, f"IPLM ≥ {id_number(band.lower, 0)}{upper}", box=False)
    foot = note_row + len(data.bands) + 2
    _paragraph(ws, foot, "UPLM ditampilkan 4 desimal; skor IPLM = 100 × rata-rata ketujuh UPLM tanpa pembulatan, "
                         "dibulatkan 2 desimal di akhir. Provinsi dihitung dari jumlah data kabupaten/kota, bukan "
                         "rata-rata skornya.", 10, 110)
    ws.column_dimensions["A"].width = 36
    for col in range(2, 10):
        ws.column_dimensions[get_column_letter(col)].width = 10
    ws.column_dimensions["J"].width = 15
    ws.freeze_panes = "B5"
    _printable(ws, landscape=False)
    _recap_chart(book, ws, data, rows, anchor=f"A{foot + 2}")


def _recap_chart(book: Workbook, recap: Worksheet, data: YearOutputs, rows: pd.DataFrame, anchor: str) -> None:
    """Bars: regency IPLM coloured by category; lines: band boundaries and the province's pooled value."""
    regencies = rows[(rows["level"] == "regency") & rows["iplm"].notna()]
    if regencies.empty:
        return
    ws = book.create_sheet("Data grafik")
    province = rows[rows["level"] == "province"].iloc[0]
    banded = not missing(province["method_cap"])
    bounds = [b for b in data.bands.itertuples() if b.lower > 0] if banded else []
    ws.append(["Kabupaten/Kota", "IPLM", f"{province['short_name']} (gabungan)",
               *[f"batas {b.category} ({id_number(b.lower, 0)})" for b in bounds]])
    pooled = None if missing(province["iplm"]) else float(province["iplm"])
    for area in regencies.itertuples():
        ws.append([area.short_name, float(area.iplm), pooled, *[float(b.lower) for b in bounds]])
    n = len(regencies)
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, Alignment(wrap_text=True, vertical="center")
    for _name, *numbers in ws.iter_rows(min_row=2):
        for cell in numbers:
            cell.number_format = IPLM_FORMAT
    ws.row_dimensions[1].height = 30
    ws.column_dimensions["A"].width = 24
    for col in range(2, 4 + len(bounds)):
        ws.column_dimensions[get_column_letter(col)].width = 16
    bar = BarChart()
    bar.type, bar.grouping = "col", "clustered"
    bar.title = f"IPLM {data.year} per kabupaten/kota"
    bar.y_axis.title, bar.x_axis.title = "Skor IPLM", None
    bar.y_axis.scaling.min, bar.y_axis.scaling.max = 0, max(100.0, float(regencies["iplm"].max()))
    bar.y_axis.majorGridlines = None
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
    categories = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    bar.set_categories(categories)
    series = bar.series[0]
    series.graphicalProperties.solidFill = "BFBFBF"  # legend swatch; each bar has its category's colour
    series.graphicalProperties.line.solidFill = "666666"
    for idx, category in enumerate(regencies["category"]):
        point = DataPoint(idx=idx)
        point.graphicalProperties.solidFill = category_colour(None if missing(category) else category)
        point.graphicalProperties.line.solidFill = "666666"
        series.dPt.append(point)
    lines = LineChart()
    lines.add_data(Reference(ws, min_col=3, max_col=3 + len(bounds), min_row=1, max_row=n + 1), titles_from_data=True)
    lines.set_categories(categories)
    for k, line in enumerate(lines.series):
        line.smooth = False
        line.marker.symbol = "none"
        line.graphicalProperties.line.width = 28575 if k == 0 else 12700  # EMU: 2.25 pt / 1 pt
        line.graphicalProperties.line.solidFill = "1F3864" if k == 0 else "7F7F7F"
        if k:
            line.graphicalProperties.line.dashStyle = "dash"
    bar += lines
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    bar.legend.position = "b"
    bar.height, bar.width = 11, 24
    recap.add_chart(bar, anchor)
    _printable(ws)


def write_area(book: Workbook, data: YearOutputs, area: dict, title: str, completeness: dict) -> Worksheet:
    ws = book.create_sheet(title)
    table = indicator_table()
    detail = data.detail_of(area["level"], area["bps_code"])
    for column, base in _PER_100K_BASE.items():
        if missing(area.get(base)):  # iplm_detail says 0 without a denominator; "unknown" is the truth
            detail[column] = None
    ws.cell(row=1, column=1, value=f"{area['area_name']}: IPLM {data.year}").font = _TITLE
    _put(ws, 2, 1, "Skor IPLM", bold=True)
    _put(ws, 2, 2, area["iplm"], IPLM_FORMAT, bold=True)
    _fill_category(_put(ws, 2, 3, area["category"], bold=True), area["category"])
    _paragraph(ws, 3, _method_note(area), 8, 150)
    row = 5

    ws.cell(row=row, column=1, value="A. Data masukan").font = _SECTION
    row += 1
    _header(ws, row, ["Simbol", "Data", "Nilai", "Satuan", "Tahun kolom BPS", "Sumber"])
    for ind in INPUTS:
        row += 1
        spec = table[ind]
        bps = spec["bps_input"] == "yes"
        own = area.get(f"{ind}_bps_year")
        year = (int(own) if not missing(own) else int(area["bps_reference_year"])) if bps else None
        source = "BPS" if bps else f"Registrasi perpustakaan {data.year}"
        for col, (value, fmt) in enumerate([(spec["symbol"], None), (spec["indicator_name"], None),
                                            (area[ind], RATIO_FORMAT), (spec["unit"], None), (year, "0"),
                                            (source, None)], start=1):
            _put(ws, row, col, value, fmt)
    if completeness:
        row += 1
        _put(ws, row, 2, "Perpustakaan yang mengisi semua kolom data", box=False)
        _put(ws, row, 3, completeness.get("share_complete"), "0%", box=False)
    row += 2

    ws.cell(row=row, column=1, value="B. Unsur pembangunan literasi masyarakat (UPLM)").font = _SECTION
    row += 1
    _header(ws, row, ["UPLM", "Nama unsur", "Aktual", "Standar", "Rumus standar", "Rasio (UPLM)",
                      "Capaian (% standar)", "Kekurangan dari standar"])
    shortfall_columns = {1: "shortfall_libraries", 2: "shortfall_collections", 3: "shortfall_staff",
                         4: "shortfall_visits_per_day", 5: "shortfall_snp_libraries", 6: "shortfall_participation",
                         7: "shortfall_members"}
    elements = []
    for e in data.elements.itertuples():
        row += 1
        u = int(e.uplm)
        base = area.get(e.base_measure)
        standard = None if missing(base) else e.factor_numerator / e.factor_denominator * float(base)
        formula = f"{factor_text(int(e.factor_numerator), int(e.factor_denominator))} × " \
                  f"{table[e.base_measure]['symbol'] or e.base_measure}"
        shortfall = detail.get(shortfall_columns.get(u, ""))
        achievement = detail.get(f"achievement{u}")
        values = [(f"UPLM{u}", None), (e.name, None), (area.get(e.actual_measure), RATIO_FORMAT),
                  (standard, RATIO_FORMAT), (formula, None), (area.get(f"uplm{u}"), UPLM_FORMAT),
                  (achievement, "0"), (shortfall, COUNT_FORMAT)]
        for col, (value, fmt) in enumerate(values, start=1):
            _put(ws, row, col, value, fmt)
        elements.append((e, standard, shortfall, achievement))
    row += 2

    ws.cell(row=row, column=1, value="C. Indikator turunan").font = _SECTION
    row += 1
    _header(ws, row, ["", "Indikator", "Nilai", "Satuan"])
    derived = [
        ("Perpustakaan umum per 100.000 penduduk", "public_libraries_per_100k_population", COUNT_FORMAT,
         "perpustakaan"),
        ("Perpustakaan sekolah per 100.000 civitas sekolah", "school_libraries_per_100k_school_civitas",
         COUNT_FORMAT, "perpustakaan"),
        ("Perpustakaan perguruan tinggi per 100.000 civitas akademika",
         "university_libraries_per_100k_academic_civitas", COUNT_FORMAT, "perpustakaan"),
        ("Penduduk per satu eksemplar koleksi", "people_per_collection", COUNT_FORMAT, "penduduk"),
        ("Penduduk per satu tenaga perpustakaan", "people_per_staff", COUNT_FORMAT, "penduduk"),
        ("Kunjungan per hari terhadap jumlah penduduk", "visits_percent_of_population", "0.00", "%"),
        ("Perpustakaan dibina sesuai SNP terhadap jumlah perpustakaan", "snp_percent_of_libraries", "0.00", "%"),
        ("Keterlibatan masyarakat terhadap jumlah penduduk", "participation_percent_of_population", "0.00", "%"),
        ("Anggota perpustakaan terhadap jumlah penduduk", "members_percent_of_population", "0.00", "%"),
    ]
    for label, column, fmt, unit in derived:
        row += 1
        _put(ws, row, 1, None)
        _put(ws, row, 2, label)
        _put(ws, row, 3, detail.get(column), fmt)
        _put(ws, row, 4, unit)
    row += 2

    ws.cell(row=row, column=1, value="D. Interpretasi").font = _SECTION
    for sentence in interpretation(area, detail, elements, data):
        row += 1
        _paragraph(ws, row, sentence, 8, 150)
    for col, width in zip("ABCDEFGH", (10, 58, 14, 18, 16, 28, 13, 14), strict=True):
        ws.column_dimensions[col].width = width
    _printable(ws, landscape=False)
    return ws


def interpretation(area: dict, detail: dict, elements: list, data: YearOutputs) -> list[str]:
    """Indonesian sentences from the numbers of the sheet (never from a template's stray figure)."""
    out = []
    if not missing(area["iplm"]):
        category = "" if missing(area["category"]) else f", kategori {area['category']}"
        out.append(f"Skor IPLM {area['area_name']} tahun {data.year} adalah {id_number(area['iplm'], 2)}{category}.")
    else:
        out.append(f"Skor IPLM {area['area_name']} tahun {data.year} tidak dapat dihitung: "
                   f"{area.get('missing_inputs') or 'data masukan tidak lengkap'}.")
    p, c, t = area["population"], area["collections"], area["staff"]
    for e, standard, shortfall, achievement in elements:
        actual = area.get(e.actual_measure)
        if missing(actual) or missing(standard):
            out.append(f"UPLM{int(e.uplm)} {e.name}: tidak dapat dihitung (data masukan tidak tersedia).")
            continue
        words = _ACTUAL_WORDS.get(e.actual_measure, e.actual_measure)
        lead = f"UPLM{int(e.uplm)} {e.name}: "
        if e.actual_measure == "collections":
            if c and not missing(p) and c >= p:
                lead += f"{id_number(c / p, 1)} eksemplar koleksi untuk setiap penduduk; "
            elif c and not missing(p):
                lead += f"satu eksemplar koleksi untuk setiap {id_number(math.ceil(p / c - 1e-9))} penduduk; "
            else:
                lead += "belum ada koleksi yang tercatat; "
        elif e.actual_measure == "staff":
            if t and not missing(p):
                lead += f"satu tenaga perpustakaan untuk setiap {id_number(math.ceil(p / t - 1e-9))} penduduk; "
            else:
                lead += "belum ada tenaga perpustakaan yang tercatat; "
        else:
            share = _SHARES.get(e.actual_measure)
            pct = "" if share is None or missing(detail.get(share[0])) else \
                f" ({id_number(detail[share[0]], 2)} % dari jumlah {share[1]})"
            lead += f"{id_number(actual, 0 if float(actual).is_integer() else 2)} {words}{pct}, standar " \
                    f"{id_number(standard, 0 if float(standard).is_integer() else 2)}; "
        if missing(shortfall) or shortfall <= 0:
            gap = "standar sudah terpenuhi"
        else:
            gap = f"kurang {id_number(shortfall)} {words} untuk memenuhi standar"
        ach = "" if missing(achievement) else f" (capaian {id_number(achievement)} persen dari standar)"
        out.append(f"{lead}{gap}{ach}.")
    per = [(detail.get("public_libraries_per_100k_population"), "perpustakaan umum per 100.000 penduduk"),
           (detail.get("school_libraries_per_100k_school_civitas"), "perpustakaan sekolah per 100.000 civitas sekolah"),
           (detail.get("university_libraries_per_100k_academic_civitas"),
            "perpustakaan perguruan tinggi per 100.000 civitas akademika")]
    parts = [f"{id_number(v)} {label}" for v, label in per if not missing(v)]
    if parts:
        out.append("Tersedia " + ", ".join(parts) + ".")
    return out


def write_table_sheet(book: Workbook, title: str, frame: pd.DataFrame, note: str,
                      formats: dict[str, str]) -> Worksheet:
    ws = book.create_sheet(title)
    ws.cell(row=1, column=1, value=note)
    _header(ws, 3, list(frame.columns))
    for i, record in enumerate(frame.itertuples(index=False, name=None), start=4):
        for j, (column, value) in enumerate(zip(frame.columns, record, strict=True), start=1):
            if hasattr(value, "item"):
                value = value.item()  # numpy scalar -> Python for openpyxl
            _put(ws, i, j, value, formats.get(column, RATIO_FORMAT if isinstance(value, float) else None))
    for j, column in enumerate(frame.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(100).tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(50, max(9, width + 2))
    ws.freeze_panes = "C4"
    _printable(ws)
    return ws


def build_report(data: YearOutputs, province: Region, out: Path, marts_dir: Path | None = None) -> Path:
    rows = data.province(province)
    completeness = query_province(data.year, province, "completeness", marts_dir)
    reconciliation = query_province(data.year, province, "reconciliation", marts_dir)
    by_regency = {r["bps_code"]: r for r in completeness.to_dict("records")}
    book = Workbook()
    write_recap(book, data, rows, province)
    taken = set(RESERVED_SHEETS)
    for area in rows.to_dict("records"):
        label = f"Provinsi {area['short_name']}" if area["level"] == "province" else area["short_name"]
        write_area(book, data, area, sheet_title(label, taken), by_regency.get(area["bps_code"], {}))
    shares = {c: "0%" for c in completeness.columns if c.startswith("share_")}
    write_table_sheet(book, "Kelengkapan", completeness,
                      "Kelengkapan data per kabupaten/kota (data_completeness): jumlah perpustakaan per jenis dan "
                      "bagian perpustakaan yang mengisi tiap kolom; kolom kosong dihitung 0 dalam indeks.", shares)
    write_table_sheet(book, "Rekonsiliasi", reconciliation,
                      "Rekonsiliasi (reconciliation): nilai hitungan terhadap nilai terbitan; status mismatch "
                      "berarti selisih melebihi toleransi, detail menjelaskan apa yang tersirat.",
                      {"computed": "0.0000####", "published": "0.0000####", "difference": "0.0000####"})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
