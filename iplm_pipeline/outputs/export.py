"""`iplm export`: one year of scores as a file for other tools, with its data dictionary beside it.

Two layouts:
- `satudata`: exactly the Satu Data Indonesia portal layout (kode_provinsi_kabupaten_kota,
  nama_provinsi_kabupaten_kota, iplm, satuan, kategori, tahun), one row per area; per province its
  kabupaten/kota in BPS-code order then the province coded `<2 digits>00`; the nation `0000`.
- `long`: one row per (year, area, indicator) with the unrounded value, its unit, the method and,
  for BPS inputs, the year of the BPS column it came from.

CSV is UTF-8 without BOM, comma-separated, `\n` line ends, decimal point; numbers are written as
numbers (XLSX) or in plain notation (CSV). Text cells that a spreadsheet would run as a formula are
neutralised in CSV and XLSX (`neutralise`); Parquet keeps values as they are, typed.
"""

from __future__ import annotations

import csv
import numbers
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iplm_pipeline.errors import IplmError
from iplm_pipeline.outputs import INPUTS, UPLM, YearOutputs, indicator_table, missing, neutralise
from iplm_pipeline.outputs.dictionary import dictionary_rows, write_dictionary
from iplm_pipeline.regions import Region

LAYOUTS = ("satudata", "long")
FORMATS = ("csv", "parquet", "xlsx")
LEVELS = ("all", "regency", "province", "national")
SATUDATA_COLUMNS = ["kode_provinsi_kabupaten_kota", "nama_provinsi_kabupaten_kota", "iplm", "satuan", "kategori",
                    "tahun"]
LONG_COLUMNS = ["year", "level", "bps_code", "kemendagri_code", "area_name", "indicator", "indicator_name", "value",
                "unit", "method_id", "method_status", "bps_year"]
LONG_INDICATORS = (*UPLM, "iplm", *INPUTS)
NATIONAL_SATUDATA_CODE = "0000"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    dictionary: Path
    rows: int


def select_areas(data: YearOutputs, level: str, province: Region | None = None) -> pd.DataFrame:
    areas = data.areas
    if level != "all":
        areas = areas[areas["level"] == level]
    if province is not None:
        areas = areas[areas["province_bps_code"] == province.bps_code]
    if areas.empty:
        scope = f" of {province.name}" if province is not None else ""
        raise IplmError(f"No rows at level {level}{scope} for IPLM {data.year} in the marts.")
    return areas.reset_index(drop=True)


def satudata_code(level: str, bps_code: str) -> str:
    if level == "province":
        return f"{bps_code}00"
    if level == "national":
        return NATIONAL_SATUDATA_CODE
    return bps_code


def satudata_frame(areas: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "kode_provinsi_kabupaten_kota": [satudata_code(lv, c) for lv, c in zip(areas["level"], areas["bps_code"],
                                                                               strict=True)],
        "nama_provinsi_kabupaten_kota": areas["area_name"].astype(object),
        "iplm": areas["iplm"].astype(float).round(2),
        "satuan": "Poin",
        "kategori": areas["category"].astype(object),
        "tahun": areas["year"].astype("int64"),
    })


def long_frame(data: YearOutputs, areas: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The long rows and the Indonesian name of each indicator (for the dictionary)."""
    table = indicator_table()
    uplm_names = {f"uplm{int(e.uplm)}": e.name for e in data.elements.itertuples()}
    names = {ind: uplm_names.get(ind, ind.upper()) if ind.startswith("uplm") else table[ind]["indicator_name"]
             for ind in LONG_INDICATORS}
    units = {ind: table["uplm" if ind.startswith("uplm") else ind]["unit"] for ind in LONG_INDICATORS}
    bps_inputs = {ind for ind, row in table.items() if row["bps_input"] == "yes"}
    records = []
    for area in areas.to_dict("records"):
        for ind in LONG_INDICATORS:
            value = area.get(ind)
            bps_year = None
            if ind in bps_inputs:
                # Per-input BPS column years where the marts carry them (population_bps_year, ...),
                # else the year's single reference year from the method registry.
                own = area.get(f"{ind}_bps_year")
                bps_year = int(own) if not missing(own) else int(area["bps_reference_year"])
            records.append({
                "year": int(area["year"]), "level": area["level"], "bps_code": area["bps_code"],
                "kemendagri_code": area["kemendagri_code"], "area_name": area["area_name"], "indicator": ind,
                "indicator_name": names[ind], "value": None if missing(value) else float(value),
                "unit": units[ind], "method_id": area["method_id"], "method_status": area["method_status"],
                "bps_year": bps_year,
            })
    frame = pd.DataFrame.from_records(records, columns=LONG_COLUMNS)
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["bps_year"] = frame["bps_year"].astype("Int64")
    for column in ("level", "bps_code", "kemendagri_code", "area_name", "indicator", "indicator_name", "unit",
                   "method_id", "method_status"):
        frame[column] = frame[column].astype(object)
    return frame, names


# --------------------------------------------------------------------------- writers
def plain_number(value) -> str:
    """A number in plain notation with a decimal point: integers without '.0', floats round-tripping exactly."""
    if missing(value):
        return ""
    if isinstance(value, numbers.Integral) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def _cell_text(value, fixed_decimals: int | None) -> str:
    if missing(value):
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if fixed_decimals is not None:
        return f"{float(value):.{fixed_decimals}f}"
    return plain_number(value)


def write_csv(frame: pd.DataFrame, path: Path, fixed_decimals: dict[str, int]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(frame.columns)
        decimals = [fixed_decimals.get(c) for c in frame.columns]
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([_cell_text(v, d) for v, d in zip(row, decimals, strict=True)])


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def write_xlsx(frame: pd.DataFrame, path: Path, number_formats: dict[str, str], sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        ws.append([None if missing(v) else (neutralise(v) if isinstance(v, str) else
                                            (int(v) if isinstance(v, numbers.Integral) else float(v)))
                   for v in row])
    for i, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(i)
        if column in number_formats:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = number_formats[column]
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200).tolist()])
        ws.column_dimensions[letter].width = min(60, width + 2)
    ws.freeze_panes = "A2"
    book.save(path)


def export(data: YearOutputs, *, layout: str, fmt: str, out: Path, level: str = "all",
           province: Region | None = None) -> ExportResult:
    if layout not in LAYOUTS or fmt not in FORMATS or level not in LEVELS:
        raise IplmError(f"export: layout {layout!r}, format {fmt!r}, level {level!r}; expected one of "
                        f"{LAYOUTS}, {FORMATS}, {LEVELS}.")
    areas = select_areas(data, level, province)
    if layout == "satudata":
        frame, indicators = satudata_frame(areas), None
        fixed, formats = {"iplm": 2}, {"iplm": "0.00"}
    else:
        frame, indicators = long_frame(data, areas)
        fixed, formats = {}, {}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_csv(frame, out, fixed)
    elif fmt == "parquet":
        write_parquet(frame, out)
    else:
        write_xlsx(frame, out, formats, sheet=f"iplm_{data.year}")
    rows = dictionary_rows(layout, list(frame.columns), indicators)
    return ExportResult(out, write_dictionary(out, rows), len(frame))


def infer_format(out: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise IplmError(f"--out {out}: cannot tell the format from '.{suffix}'; pass --format csv|parquet|xlsx.")
    return suffix

