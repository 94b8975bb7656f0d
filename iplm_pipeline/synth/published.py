"""The "published" report table (SOURCES.md section 3): Tabel 44 Rekapitulasi UPLM Per
Kab/Kota, with rows `PROVINSI ...`, `Kab. ...`/`Kota ...` and `INDONESIA`.

The generator fills it from the reference calculator, so it is SYNTHETIC unless a caller
puts real published values into a row (the sample builder does, for Sabu Raijua and NTT
2024). UPLM are written with 4 decimals and the IPLM with 2, as in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iplm_pipeline.synth.formats import CsvFlavour, id_decimal, write_csv, write_xlsx
from iplm_pipeline.synth.reference import Score
from iplm_pipeline.synth.region_table import Province

HEADER = ("PROVINSI/KAB/ KOTA", "UPLM1", "UPLM2", "UPLM3", "UPLM4", "UPLM5", "UPLM6", "UPLM7",
          "SKOR IPLM")


@dataclass(frozen=True)
class PublishedRow:
    label: str  # `PROVINSI NUSA TENGGARA TIMUR`, `Kab. Alor`, `Kota Kupang`, `INDONESIA`
    uplm: tuple[float, ...]  # written rounded to 4 decimals
    iplm: float  # written rounded to 2 decimals


def province_label(province: Province) -> str:
    return f"PROVINSI {province.short_name.upper()}"


def published_rows(provinces: list[Province], regencies: dict[str, Score],
                   province_scores: dict[str, Score], national: Score) -> list[PublishedRow]:
    """Report order: each province row followed by its regencies, then INDONESIA.
    Scores are keyed by Kemendagri code."""
    rows = []
    for province in provinces:
        s = province_scores[province.kemendagri_code]
        rows.append(PublishedRow(province_label(province), s.uplm, s.iplm))
        for regency in province.regencies:
            s = regencies[regency.kemendagri_code]
            rows.append(PublishedRow(regency.report_name, s.uplm, s.iplm))
    rows.append(PublishedRow("INDONESIA", national.uplm, national.iplm))
    return rows


def write_published(path: Path, year: int, rows: list[PublishedRow], fmt: str,
                    flavour: CsvFlavour, page_rows: int) -> int:
    """Write the table split into pages of `page_rows`, the header repeated on every page
    (as when the table is copied out of the PDF report). Returns the data rows."""
    csv = fmt == "csv"
    table: list[list[object]] = [["Tabel 44"], [f"Rekapitulasi UPLM Per Kab/Kota Tahun {year}"]]
    for start in range(0, len(rows), page_rows):
        table.append(list(HEADER))
        for row in rows[start:start + page_rows]:
            if csv:
                values = [id_decimal(u, 4) for u in row.uplm] + [id_decimal(row.iplm, 2)]
            else:
                values = [round(u, 4) for u in row.uplm] + [round(row.iplm, 2)]
            table.append([row.label, *values])
    if csv:
        write_csv(path, table, flavour)
    else:
        write_xlsx(path, [("Tabel 44", table)])
    return len(rows)
