"""File-level writing shared by every synthetic source: CSV flavours, reproducible xlsx,
Indonesian number text.

Real downloads arrive comma- or semicolon-separated, UTF-8 with or without BOM or
Windows-1252, with LF or CRLF endings; the generator mixes them so the pipeline's readers
meet all of them. Files must be byte-identical for one seed, which openpyxl alone does not
give: it stamps the save time into docProps/core.xml and into every zip member.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.writer.excel import ExcelWriter

FIXED_TIMESTAMP = dt.datetime(2024, 1, 1)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CsvFlavour:
    sep: str = ","
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" (with BOM) or "cp1252"
    newline: str = "\n"


FLAVOURS = (
    CsvFlavour(",", "utf-8", "\n"),
    CsvFlavour(",", "utf-8-sig", "\r\n"),
    CsvFlavour(";", "utf-8", "\r\n"),
    CsvFlavour(";", "utf-8-sig", "\n"),
    CsvFlavour(";", "cp1252", "\r\n"),
    CsvFlavour(",", "cp1252", "\n"),
)


def pick_flavour(rng: np.random.Generator) -> CsvFlavour:
    return FLAVOURS[int(rng.integers(len(FLAVOURS)))]


def write_csv(path: Path, rows: Iterable[Sequence[object]], flavour: CsvFlavour) -> None:
    """Rows of cells (str or None) to one CSV file; the encoding is strict, never lossy."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=flavour.sep, lineterminator=flavour.newline)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(flavour.encoding))


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose members all carry one fixed timestamp, so equal content gives equal bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o644 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl's write-only sheets arrive as temp files, whose mtime would leak in.
        self.writestr(arcname or str(filename), Path(filename).read_bytes())


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Iterable[Sequence[object]]]]) -> None:
    """One workbook, sheets in the order given, written with openpyxl's streaming writer.

    Cells may be str, int, float, datetime.date or None (no cell). Workbook properties and
    zip timestamps are pinned for byte-identical output.
    """
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "iplm_pipeline.synth"
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.properties.modified = FIXED_TIMESTAMP
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    with _ReproducibleZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def id_int(value: int) -> str:
    """1469843 -> '1.469.843' (Indonesian thousands grouping)."""
    return f"{value:,}".replace(",", ".")


def id_decimal(value: float, places: int) -> str:
    """93.33 -> '93,33'; 1234.5 -> '1.234,50'."""
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
