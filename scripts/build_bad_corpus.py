"""Generate the corpus of bad raw files ("no silent wrong numbers"): one case per file or small folder.

    .venv/bin/python scripts/build_bad_corpus.py [OUT]          # default tests/fixtures/bad/ (gitignored)
    .venv/bin/python scripts/build_bad_corpus.py OUT --big      # also the 50 MB cell and the 4 MB zip bomb

Every case is an *overlay* on the small good dataset of `tests.builders.write_sabu_raijua`
(Sabu Raijua, Kupang and Kota Kupang, IPLM 2024): `OUT/<case>/raw/` holds the files to add
(same layout as data/raw/), `remove` in the manifest the paths to delete from the good dataset
first. `OUT/manifest.json` states each case's expected outcome:

- `error`: exit 2; stderr names the file (`file`) and contains every `phrases` entry.
- `check`: exit 1; a blocking check failed (`phrases`, e.g. 'required_inputs'), nothing published.
- `quarantine`: exit 0; each `quarantine` entry (file, row, reason) is a row of the `quarantine` mart.
- `value`: exit 0; each `values` entry's SQL, run read-only on the marts, returns `rows`.

A case may add quarantine and value expectations to any successful run. Nothing binary is kept
in git: every file is written here, deterministically. tests/integration/test_bad_files.py runs
each case through `iplm run` as a subprocess (README "Errors and the quarantine").
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: tests.builders lives beside iplm_pipeline
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from tests.builders import (  # noqa: E402
    LIBRARY_HEADER,
    PUBLISHED_HEADER,
    bps_table,
    library_row,
    sabu_raijua_libraries,
    write_rows,
)

DEFAULT_OUT = ROOT / "tests" / "fixtures" / "bad"
YEAR = 2024
LIB = f"perpustakaan/{YEAR}"
TITLE = ["Data Perpustakaan Provinsi Nusa Tenggara Timur"]
COL = {h: i for i, h in enumerate(LIBRARY_HEADER)}
XLSX_COLUMN = {h: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i, h in enumerate(LIBRARY_HEADER)}

# The first library of the good dataset (Kab. Sabu Raijua, row 4 of perpustakaan/2024/ntt.csv).
SABU_FIRST = sabu_raijua_libraries()[0]
SABU_FIRST_NPP = SABU_FIRST[COL["NPP"]]
SABU_FIRST_COLLECTIONS = int(SABU_FIRST[COL["Jumlah Koleksi Eksemplar"]].replace(".", ""))
PUBLISHED_SABU = ["Kab. Sabu Raijua", "0,4712", "0,4000", "0,8840", "0,0563", "0,3646", "0,0107", "1,0000", "45,52"]


@dataclass
class Case:
    name: str
    what: str
    expect: str  # error | check | quarantine | value
    file: str | None = None  # the bad file (or folder), relative to the raw folder
    phrases: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)  # {file, row, reason}
    values: list[dict] = field(default_factory=list)  # {sql, rows}
    big: bool = False  # written only with --big (the test writes these in a tmp folder)
    limits: dict = field(default_factory=dict)  # extra_cpu_seconds / extra_rss_mb over `baseline`
    baseline: str | None = None  # a case failing at the same stage, to measure against
    build: Callable[[Path], None] | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        return {"error": 2, "check": 1}.get(self.expect, 0)

    def manifest(self) -> dict:
        entry = {k: v for k, v in asdict(self).items() if k != "build"}
        entry["exit_code"] = self.exit_code
        return entry


# --------------------------------------------------------------------------- small writers
def new_npp(i: int, kind: str = "U") -> str:
    """NPPs of Kab. Kupang (5301) that the good dataset does not use."""
    return f"5301{900 + i % 100:03d}{kind}{7_000_000 + i:07d}"


def lib(no: int, npp: str, **fields) -> list:
    return library_row(no, npp, "Umum", "Kupang", **fields)


def text_file(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def csv_text(rows: list[list], delimiter: str = ",") -> str:
    """Rows joined without any quoting: the cells here hold exactly what the case needs."""
    return "".join(delimiter.join(row) + "\n" for row in rows)


def good_xlsx_bytes(rows: list[list] | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data Perpustakaan"
    for row in rows or [TITLE, LIBRARY_HEADER, lib(1, new_npp(1), **{"Jumlah Koleksi Eksemplar": "100"})]:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with members replaced or added (all deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, member in (add or {}).items():
            dst.writestr(name, member)
    return out.getvalue()


# --------------------------------------------------------------------------- a real zip bomb, cheaply
def _gf2_times(mat: list[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine, which Python lacks)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def bomb_member(prefix: bytes, filler: bytes, repeats: int, suffix: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, uncompressed size) of prefix + filler * repeats + suffix.

    The filler is compressed once after a full flush (which resets the compressor), so its bytes
    repeat verbatim: a 4 GB member costs milliseconds to write. The CRC is combined, not computed."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(filler) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.compress(suffix) + comp.flush(zlib.Z_FINISH)
    crc_block, crc_run, run_len = zlib.crc32(filler), 0, 0
    n, power, power_len = repeats, crc_block, len(filler)
    while n:  # crc of filler * repeats by doubling
        if n & 1:
            crc_run = crc32_combine(crc_run, power, power_len) if run_len else power
            run_len += power_len
        power = crc32_combine(power, power, power_len)
        power_len *= 2
        n >>= 1
    crc = crc32_combine(crc32_combine(zlib.crc32(prefix), crc_run, run_len), zlib.crc32(suffix), len(suffix))
    return head + block * repeats + tail, crc, len(prefix) + run_len + len(suffix)


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of (name, raw deflate data, crc32, uncompressed size) members, written by hand."""
    out, directory = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(out), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out + directory + eocd))
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush(), zlib.crc32(data), len(data)


def zip_bomb_xlsx(path: Path, uncompressed: int = 4_000_000_000) -> Path:
    """A workbook whose sheet XML inflates to ~4 GB (whitespace inside sheetData) from a ~4 MB file."""
    good = zipfile.ZipFile(io.BytesIO(good_xlsx_bytes()))
    prefix = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
              b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    suffix = b"</sheetData></worksheet>"
    filler = b" " * (1 << 20)
    repeats = (uncompressed - len(prefix) - len(suffix)) // len(filler)
    members = []
    for info in good.infolist():
        if info.filename == "xl/worksheets/sheet1.xml":
            members.append((info.filename, *bomb_member(prefix, filler, repeats, suffix)))
        else:
            members.append((info.filename, *deflated(good.read(info.filename))))
    return write_zip(path, members)


# --------------------------------------------------------------------------- builders of the cases
def build_stray_quotes(out: Path) -> None:
    """700 rows, `;`-separated; a `"` opens a name in row 103 and another closes one in row 603."""
    rows = [LIBRARY_HEADER]
    for i in range(700):
        row = lib(i + 1, new_npp(i), **{"Jumlah Koleksi Eksemplar": "10"})
        line = i + 2
        if line == 103:
            row[COL["Nama Perpustakaan"]] = '"Taman Baca Harapan'
        if line == 603:
            row[COL["Nama Perpustakaan"]] = 'Pojok Baca Bangsa"'
        rows.append(row)
    text_file(out / LIB / "stray_quotes.csv", csv_text(rows, ";"))


OLE_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\xff" * 3584


def build_xls(out: Path) -> None:
    text_file(out / LIB / "export.xls", OLE_FILE)  # an Excel 97-2003 file is an OLE2 compound file


def build_xlsm(out: Path) -> None:
    """A macro-enabled workbook: xlsx parts plus xl/vbaProject.bin and the macroEnabled content type."""
    data = good_xlsx_bytes([TITLE, LIBRARY_HEADER,
                            lib(1, new_npp(55), **{"Jumlah Koleksi Eksemplar": "3.000", "Jumlah Anggota": "40"})])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        types = book.read("[Content_Types].xml").decode()
    types = types.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    types = types.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.'
                                      'vbaProject"/></Types>')
    text_file(out / LIB / "export.xlsm",
              rezip(data, {"[Content_Types].xml": types.encode()}, {"xl/vbaProject.bin": OLE_FILE}))


def build_ods(out: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        ods.writestr("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office='
                                    '"urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
    text_file(out / LIB / "export.ods", buffer.getvalue())


def build_zip(out: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kupang.csv", csv_text([LIBRARY_HEADER, lib(1, new_npp(1))]))
    text_file(out / LIB / "exports.zip", buffer.getvalue())


def build_subfolder(out: Path) -> None:
    write_rows(out / LIB / "kupang" / "kupang.csv", [LIBRARY_HEADER, lib(1, new_npp(1))])


def build_formula(out: Path) -> None:
    row = lib(1, new_npp(1))
    row[COL["Jumlah Koleksi Eksemplar"]] = "=1000+500"  # openpyxl writes the formula with no cached value
    text_file(out / LIB / "formulas.xlsx", good_xlsx_bytes([TITLE, LIBRARY_HEADER, row]))


def bps_population(rows: list[tuple[str, list]], years: list[int], *, ribu: bool = True) -> list[list]:
    title = f"Jumlah Penduduk Menurut Kabupaten/Kota{' (Ribu Jiwa)' if ribu else ''} di Provinsi Nusa Tenggara Timur"
    return bps_table(title, years, [*rows, ("Nusa Tenggara Timur", ["…"] * len(years))],
                     unit_row="Satuan: Ribu Jiwa" if ribu else None)


def build_reference_column_missing(out: Path) -> None:
    """Population for 2022 only: IPLM 2024 takes the 2023 column."""
    write_rows(out / "bps" / "penduduk" / "penduduk_2022_only.csv", bps_population(
        [("Sabu Raijua", ["91,88"]), ("Kupang", ["380,15"]), ("Kota Kupang", ["466,63"])], [2022]), delimiter=";")


def build_93330(out: Path) -> None:
    """`93.330` in a thousands table whose other cells write `380,15`: the column is Indonesian."""
    write_rows(out / "bps" / "penduduk" / "penduduk_93330.csv", bps_population(
        [("Sabu Raijua", ["93.330"]), ("Kupang", ["380,15"]), ("Kota Kupang", ["466,63"])], [2023]), delimiter=";")


def build_grouped_decimal(out: Path) -> None:
    """Persons, Indonesian: `1.234.567,8` decides the column, so `93.330` is 93 330."""
    write_rows(out / "bps" / "penduduk" / "penduduk_jiwa.csv", bps_population(
        [("Sabu Raijua", ["93.330"]), ("Kupang", ["380.150"]), ("Kota Kupang", ["1.234.567,8"])], [2023],
        ribu=False), delimiter=";")


def published(uplm: dict[int, str]) -> list[list]:
    row = list(PUBLISHED_SABU)
    for n, text in uplm.items():
        row[n] = text
    return [["Tabel 44 Rekapitulasi UPLM Per Kab/Kota"], PUBLISHED_HEADER, row]


def build_published_0285(out: Path) -> None:
    write_rows(out / "terbitan" / str(YEAR) / "tabel44_0285.csv", published({1: "0,285"}))


def build_published_over_cap(out: Path) -> None:
    write_rows(out / "terbitan" / str(YEAR) / "tabel44_uplm7.csv", published({7: "1,2"}))


def build_cp1252_line(out: Path) -> None:
    """UTF-8 file (names with é); one line carries a Windows-1252 é (byte 0xE9)."""
    rows = [LIBRARY_HEADER,
            lib(1, new_npp(1), **{"Nama Perpustakaan": "Taman Baca Café"}),
            lib(2, new_npp(2), **{"Nama Perpustakaan": "Pojok Baca André"}),
            lib(3, new_npp(3), **{"Nama Perpustakaan": "Rumah Baca Sédia"})]
    lines = [",".join(row) for row in rows]
    data = b"".join((line.encode("cp1252") if i == 2 else line.encode("utf-8")) + b"\n"
                    for i, line in enumerate(lines))
    text_file(out / LIB / "mixed_encoding.csv", data)


def build_future_duplicate(out: Path) -> None:
    """An existing NPP re-submitted with 999.999 collections, dated 31/12/2099."""
    row = list(SABU_FIRST)
    row[COL["Jumlah Koleksi Eksemplar"]] = "999.999"
    row[COL["Tanggal Pembaruan"]] = "31/12/2099"
    write_rows(out / LIB / "zz_future_resubmission.csv", [LIBRARY_HEADER, row])


def build_dates(out: Path) -> None:
    write_rows(out / LIB / "odd_dates.csv", [
        LIBRARY_HEADER,
        lib(1, new_npp(1), **{"Tanggal Pembaruan": "2024"}),
        lib(2, new_npp(2), **{"Tanggal Pembaruan": "202403"}),
        lib(3, new_npp(3), **{"Tanggal Pembaruan": "01/06/2031"}),
        lib(4, new_npp(4), **{"Tanggal Pembaruan": "2030-01-15"}),
    ])


def build_long_cell(out: Path) -> None:
    write_rows(out / LIB / "long_cell.csv",
               [LIBRARY_HEADER, lib(1, new_npp(1), **{"Nama Perpustakaan": "A" * 131_073})])


def build_huge_cell(out: Path) -> None:
    """A 50 MB name, no quotes; streamed to disk."""
    path = out / LIB / "huge_cell.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    row = lib(1, new_npp(1))
    before, after = ",".join(row[:COL["Nama Perpustakaan"]]), ",".join(row[COL["Nama Perpustakaan"] + 1:])
    chunk = b"B" * (1 << 20)
    with path.open("wb") as f:
        f.write((",".join(LIBRARY_HEADER) + "\n" + before + ",").encode())
        for _ in range(50):
            f.write(chunk)
        f.write(("," + after + "\n").encode())


def build_zip_bomb(out: Path) -> None:
    zip_bomb_xlsx(out / LIB / "bomb.xlsx")


def build_truncated(out: Path) -> None:
    data = good_xlsx_bytes()
    text_file(out / LIB / "truncated.xlsx", data[: len(data) // 2])


def build_html(out: Path) -> None:
    text_file(out / LIB / "download.xlsx", "<!DOCTYPE html>\n<html><head><title>Login - SIPERPU</title></head>"
                                            "<body><form>Sesi Anda telah berakhir.</form></body></html>\n")


def build_encrypted(out: Path) -> None:
    text_file(out / LIB / "encrypted.xlsx", OLE_FILE)  # Excel writes a password-protected xlsx as OLE2


def build_entities(out: Path) -> None:
    data = good_xlsx_bytes()
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + laughs + ']>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    text_file(out / LIB / "entities.xlsx", rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()}))


def build_zero_csv(out: Path) -> None:
    text_file(out / LIB / "empty.csv", b"")


def build_zero_xlsx(out: Path) -> None:
    text_file(out / LIB / "empty.xlsx", b"")


def build_merged_header(out: Path) -> None:
    """A two-row header: `Jumlah Koleksi` merged over Judul | Eksemplar, the other headers merged down."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data Perpustakaan"
    ws.append(TITLE)
    top = [h if not h.startswith("Jumlah Koleksi") else "" for h in LIBRARY_HEADER]
    top[COL["Jumlah Koleksi Judul"]] = "Jumlah Koleksi"
    ws.append(top)
    ws.append(["Judul" if h == "Jumlah Koleksi Judul" else "Eksemplar" if h == "Jumlah Koleksi Eksemplar" else ""
               for h in LIBRARY_HEADER])
    ws.append(lib(1, new_npp(1), **{"Jumlah Koleksi Judul": "10", "Jumlah Koleksi Eksemplar": "20"}))
    for h, letter in XLSX_COLUMN.items():
        if not h.startswith("Jumlah Koleksi"):
            ws.merge_cells(f"{letter}2:{letter}3")
    ws.merge_cells(f"{XLSX_COLUMN['Jumlah Koleksi Judul']}2:{XLSX_COLUMN['Jumlah Koleksi Eksemplar']}2")
    buffer = io.BytesIO()
    book.save(buffer)
    text_file(out / LIB / "merged_header.xlsx", buffer.getvalue())


def build_delimited(name: str, delimiter: str) -> Callable[[Path], None]:
    def build(out: Path) -> None:
        text_file(out / LIB / name, csv_text([TITLE, LIBRARY_HEADER, lib(1, new_npp(1)), lib(2, new_npp(2))],
                                             delimiter))
    return build


def build_duplicated_column(out: Path) -> None:
    header = [*LIBRARY_HEADER, "Jumlah Anggota"]
    write_rows(out / LIB / "twice.csv", [header, [*lib(1, new_npp(1)), "5"]])


def build_missing_column(out: Path) -> None:
    drop = COL["Jumlah Anggota"]
    write_rows(out / LIB / "no_members.csv", [[c for i, c in enumerate(r) if i != drop]
                                              for r in (LIBRARY_HEADER, lib(1, new_npp(1)))])


def build_library_numbers(out: Path) -> None:
    """Counts written in ways a library export must not be read silently."""
    cells = {1: "1,234", 2: "1e6", 3: "(12)", 4: "12-", 5: "١٢", 6: "1.234.567"}
    write_rows(out / LIB / "odd_numbers.csv", [LIBRARY_HEADER, *[
        lib(n, new_npp(n), **{"Jumlah Koleksi Eksemplar": text}) for n, text in cells.items()]])


def build_invisible_npp(out: Path) -> None:
    write_rows(out / LIB / "invisible_npp.csv", [
        LIBRARY_HEADER,
        lib(1, "5301\u00a0901U7000001\u00a0", **{"Jumlah Koleksi Eksemplar": "11"}),
        lib(2, "\u200b5301902U\u200b7000002", **{"Jumlah Koleksi Eksemplar": "12"}),
        lib(3, "5301903U7000003\ufeff", **{"Jumlah Koleksi Eksemplar": "13"}),
    ])


# --------------------------------------------------------------------------- the cases
def q(file: str, row: int, reason: str) -> dict:
    return {"file": file, "row": row, "reason": reason}


def v(sql: str, rows: list[list]) -> dict:
    return {"sql": sql, "rows": rows}


def collections_of(*npps: str, what: str = "collections") -> str:
    """SQL for (npp, `what`) of the kept library rows with these NPPs."""
    listed = ", ".join(f"'{n}'" for n in npps)
    return f"SELECT npp, {what} FROM staging.perpustakaan WHERE year = {YEAR} AND npp IN ({listed}) ORDER BY npp"


REQUIRED = "required_inputs"
CASES: list[Case] = [
    Case("stray_quotes", "two stray quotes 500 lines apart in a semicolon library CSV", "error",
         f"{LIB}/stray_quotes.csv", ["row 103", "stray quote", "line 603"], build=build_stray_quotes),
    Case("export_xls", "an export saved as Excel 97-2003 .xls", "error", f"{LIB}/export.xls",
         ["'.xls'"], build=build_xls),
    Case("export_xlsm", "a macro-enabled workbook: read like .xlsx, macros ignored", "value",
         f"{LIB}/export.xlsm", values=[v(collections_of(new_npp(55)), [[new_npp(55), 3000.0]])], build=build_xlsm),
    Case("export_ods", "an OpenDocument spreadsheet", "error", f"{LIB}/export.ods", ["'.ods'"], build=build_ods),
    Case("export_zip", "a zipped export", "error", f"{LIB}/exports.zip", ["'.zip'"], build=build_zip),
    Case("subfolder", "exports in a subfolder of the year folder", "error", f"{LIB}/kupang",
         ["subfolder"], build=build_subfolder),
    Case("formula_without_cache", "a formula written by a script, no cached value", "error",
         f"{LIB}/formulas.xlsx",
         ["formula", f"row 3, column '{XLSX_COLUMN['Jumlah Koleksi Eksemplar']}'", "no cached value"],
         build=build_formula),
    Case("bps_missing", "no bps/ folder at all", "check", "bps", [REQUIRED, "no table in bps/"], remove=["bps"]),
    Case("penduduk_missing", "no bps/penduduk/ folder", "check", "bps/penduduk",
         [REQUIRED, "no table in bps/penduduk/"], remove=["bps/penduduk"]),
    Case("reference_year_column_missing", "population table without the 2023 column IPLM 2024 takes", "check",
         "bps/penduduk/penduduk_2022_only.csv", [REQUIRED, "no 2023 column"], remove=["bps/penduduk/ntt.csv"],
         build=build_reference_column_missing),
    Case("thousands_93330", "`93.330` in a thousands table that writes `380,15` elsewhere", "error",
         "bps/penduduk/penduduk_93330.csv", ["93.330", "more than 20,000,000 people"],
         remove=["bps/penduduk/ntt.csv"], build=build_93330),
    Case("grouped_decimal", "`1.234.567,8` persons decides the column: `93.330` is 93 330", "value",
         "bps/penduduk/penduduk_jiwa.csv", remove=["bps/penduduk/ntt.csv"], values=[
             v("SELECT bps_code, value FROM staging.bps WHERE indicator = 'penduduk' AND bps_year = 2023 "
               "AND NOT is_aggregate ORDER BY bps_code", [["5303", 380150.0], ["5320", 93330.0],
                                                          ["5371", 1234567.8]]),
             v(f"SELECT population FROM iplm_regency WHERE year = {YEAR} AND bps_code = '5320'", [[93330.0]])],
         build=build_grouped_decimal),
    Case("published_0285", "a published `0,285` in a UPLM column", "value", f"terbitan/{YEAR}/tabel44_0285.csv",
         remove=[f"terbitan/{YEAR}/tabel44.csv"],
         values=[v(f"SELECT uplm1 FROM staging.terbitan WHERE year = {YEAR} AND bps_code = '5320'", [[0.285]])],
         build=build_published_0285),
    Case("published_over_cap", "a published UPLM7 of 1,2 in capped 2024", "error",
         f"terbitan/{YEAR}/tabel44_uplm7.csv", ["UPLM7", "reads as 1.2"], remove=[f"terbitan/{YEAR}/tabel44.csv"],
         build=build_published_over_cap),
    Case("cp1252_line_in_utf8", "one Windows-1252 line in a UTF-8 CSV", "value", f"{LIB}/mixed_encoding.csv",
         values=[v(collections_of(new_npp(1), new_npp(2), new_npp(3), what="name"),
                   [[new_npp(1), "Taman Baca Café"], [new_npp(2), "Pojok Baca André"],
                    [new_npp(3), "Rumah Baca Sédia"]])],
         build=build_cp1252_line),
    Case("future_dated_duplicate", "an existing NPP with 999.999 collections dated 31/12/2099", "quarantine",
         f"{LIB}/zz_future_resubmission.csv", quarantine=[q(f"{LIB}/zz_future_resubmission.csv", 2,
                                                            "implausible_date")],
         values=[v(collections_of(SABU_FIRST_NPP), [[SABU_FIRST_NPP, float(SABU_FIRST_COLLECTIONS)]])],
         build=build_future_duplicate),
    Case("odd_dates", "Tanggal Pembaruan `2024`, `202403`, and two future dates", "quarantine",
         f"{LIB}/odd_dates.csv", quarantine=[q(f"{LIB}/odd_dates.csv", r, "implausible_date") for r in (2, 3, 4, 5)],
         build=build_dates),
    Case("long_cell", "a CSV cell of 131 073 characters (Python csv's field limit is 131 072)", "error",
         f"{LIB}/long_cell.csv", ["row 2", "32,767"], build=build_long_cell),
    Case("huge_cell", "a 50 MB cell", "error", f"{LIB}/huge_cell.csv", ["row 2", "32,767"], big=True,
         baseline="zero_byte_csv", limits={"extra_cpu_seconds": 5.0, "extra_rss_mb": 500},
         build=build_huge_cell),
    Case("zip_bomb", "a 4 MB xlsx whose sheet inflates to 4 GB", "error", f"{LIB}/bomb.xlsx",
         ["xl/worksheets/sheet1.xml", "inflates to", "above the limit"],
         big=True, baseline="zero_byte_xlsx", limits={"extra_cpu_seconds": 1.0, "extra_rss_mb": 200},
         build=build_zip_bomb),
    Case("truncated_xlsx", "a download cut in half", "error", f"{LIB}/truncated.xlsx", ["EOCD"],
         build=build_truncated),
    Case("html_as_xlsx", "an HTML login page saved as .xlsx", "error", f"{LIB}/download.xlsx", ["HTML"],
         build=build_html),
    Case("encrypted_xlsx", "a password-protected workbook (OLE2 container)", "error", f"{LIB}/encrypted.xlsx",
         ["password"], build=build_encrypted),
    Case("entity_xlsx", "sheet XML with a billion-laughs DTD", "error", f"{LIB}/entities.xlsx",
         ["ENTITY"], build=build_entities),
    Case("zero_byte_csv", "an empty .csv", "error", f"{LIB}/empty.csv", ["no header"], build=build_zero_csv),
    Case("zero_byte_xlsx", "an empty .xlsx", "error", f"{LIB}/empty.xlsx", ["0 bytes"], build=build_zero_xlsx),
    Case("merged_header", "xlsx header `Jumlah Koleksi` merged over Judul | Eksemplar", "error",
         f"{LIB}/merged_header.xlsx", ["header lacks", "Jumlah Koleksi Eksemplar"], build=build_merged_header),
    Case("tab_delimited", "a tab-separated export (tab is one of the delimiters tried)", "value", f"{LIB}/tabs.csv",
         values=[v(collections_of(new_npp(1), new_npp(2), what="name"),
                   [[new_npp(1), "Perpustakaan 0001"], [new_npp(2), "Perpustakaan 0002"]])],
         build=build_delimited("tabs.csv", "\t")),
    Case("pipe_delimited", "a `|`-separated export", "error", f"{LIB}/pipes.csv", ["no header"],
         build=build_delimited("pipes.csv", "|")),
    Case("duplicated_column", "`Jumlah Anggota` twice in the header", "error", f"{LIB}/twice.csv",
         ["appears twice"], build=build_duplicated_column),
    Case("missing_column", "no `Jumlah Anggota` column", "error", f"{LIB}/no_members.csv",
         ["header lacks", "Jumlah Anggota"], build=build_missing_column),
    Case("library_numbers", "`1,234`, `1e6`, `(12)`, `12-`, `١٢`, `1.234.567` as collections", "quarantine",
         f"{LIB}/odd_numbers.csv",
         quarantine=[q(f"{LIB}/odd_numbers.csv", r, "not_a_number") for r in (3, 4, 5, 6)],
         # Indonesian rules: ',' is the decimal mark, so `1,234` is 1.234 (never 1 234); `1.234.567` is grouped.
         values=[v(collections_of(new_npp(1), new_npp(6)), [[new_npp(1), 1.234], [new_npp(6), 1234567.0]])],
         build=build_library_numbers),
    Case("invisible_npp", "NBSP, zero-width space and BOM inside NPPs", "value", f"{LIB}/invisible_npp.csv",
         values=[v(collections_of("5301901U7000001", "5301902U7000002", "5301903U7000003"),
                   [["5301901U7000001", 11.0], ["5301902U7000002", 12.0], ["5301903U7000003", 13.0]])],
         build=build_invisible_npp),
]


def build(out: Path, *, big: bool = False, only: set[str] | None = None) -> list[dict]:
    """Write the cases (the big ones only with `big`) and `out/manifest.json`; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for case in CASES:
        if (case.big and not big) or (only is not None and case.name not in only):
            continue
        folder = out / case.name
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "raw").mkdir(parents=True)
        if case.build:
            case.build(folder / "raw")
        manifest.append(case.manifest())
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    parser.add_argument("--big", action="store_true", help="also the 50 MB cell and the 4 MB zip bomb")
    args = parser.parse_args(argv)
    manifest = build(Path(args.out), big=args.big)
    print(f"Wrote {len(manifest)} cases to {Path(args.out).resolve()} (manifest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
