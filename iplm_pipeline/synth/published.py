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


# ---- open-data layouts (SOURCES.md §3; shared/real/terbitan/) ---------------------------------
OPEN_DATA_HEADER = ("No.", "Prov", "Kodprov", "Kabkot (Kabkot)", "Kodkabkot", "Lat", "Long", "UPLM1", "UPLM2",
                    "UPLM3", "UPLM4", "UPLM5", "UPLM6", "UPLM7", "SKOR IPLM", "KATEGORI IPLM")
SATU_DATA_HEADER = ("kode_provinsi_kabupaten_kota", "nama_provinsi_kabupaten_kota", "iplm", "satuan", "kategori",
                    "tahun")


@dataclass(frozen=True)
class OpenDataRow:
    """One row of data.go.id's IPLM table: a regency (with its Kemendagri code), a province
    (empty Kabkot) or the nation (`Nasional`, empty codes)."""
    province: str  # `Prov` text as the portal writes it
    province_code: str  # Kemendagri, `53`; "" for the nation
    regency: str  # `Kab. Alor`; "" for a province or the nation
    regency_code: str  # Kemendagri `53.20`; ""
    lat: float | None
    long: float | None
    uplm: tuple[float, ...]  # unrounded
    category: str


def kemendagri_as_number(code: str) -> str:
    """`53.20` as the portal writes it: a number, `53.2` (and `53.01`, `53.71`)."""
    return repr(float(code))


def write_open_data(path: Path, rows: list[OpenDataRow], flavour: CsvFlavour) -> int:
    """data.go.id's layout: unrounded values with 6 decimals and a decimal point, SKOR IPLM the
    unrounded 100 x mean of the seven."""
    table: list[list[object]] = [list(OPEN_DATA_HEADER)]
    for number, row in enumerate(rows, 1):
        iplm = 100 * sum(row.uplm) / len(row.uplm)
        table.append([str(number), row.province, row.province_code, row.regency,
                      kemendagri_as_number(row.regency_code) if row.regency_code else "",
                      "" if row.lat is None else f"{row.lat:.5f}", "" if row.long is None else f"{row.long:.5f}",
                      *(f"{u:.6f}" for u in row.uplm), f"{iplm:.6f}", row.category])
    write_csv(path, table, flavour)
    return len(rows)


@dataclass(frozen=True)
class IplmOnlyRow:
    bps_code: str  # `3400` for the province, `3401` for a regency
    name: str  # in full: `Provinsi Daerah Istimewa Yogyakarta`, `Kabupaten Kulon Progo`, `Kota Yogyakarta`
    iplm: float  # written with 2 decimals, trailing zeros dropped (`71.3`)
    category: str


def write_iplm_only(path: Path, year: int, rows: list[IplmOnlyRow], flavour: CsvFlavour) -> int:
    """A Satu Data IPLM-only table: the IPLM (`satuan` Poin) and its category per area."""
    table: list[list[object]] = [list(SATU_DATA_HEADER)]
    for row in rows:
        text = f"{row.iplm:.2f}".rstrip("0").rstrip(".")
        table.append([row.bps_code, row.name, text, "Poin", row.category, str(year)])
    write_csv(path, table, flavour)
    return len(rows)
