"""Library registration exports (`perpustakaan/<year>/*`, SOURCES.md §2) -> typed rows.

A national year is ~220 000 rows in dozens of files, so everything here is
column-wise: files are parsed one by one (the header can differ per file),
stacked, validated once with Pandera, and rejected rows become quarantine rows
with their reason, a readable detail and the raw cells. Deduplication happens
afterwards in DuckDB (`sql/staging/dedupe_libraries.sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from iplm_pipeline.corrections import Correction, apply_corrections
from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.ledger import file_sha256, quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.parsing import Table, header_key, list_source_files, parse_dates, parse_numbers, read_table
from iplm_pipeline.regions import RegionLookup
from iplm_pipeline.warehouse import sql_text

from .schemas import COUNT_FIELDS, LIBRARY_TYPES, NPP_PATTERN, rejected_rows

SHEET = "Data Perpustakaan"
# header as in SOURCES.md (matched ignoring case and surrounding spaces) -> field
COLUMNS = {
    "No": "no",
    "NPP": "npp",
    "Nama Perpustakaan": "name",
    "Jenis Perpustakaan": "library_type_raw",
    "Subjenis": "subtype",
    "Provinsi": "province_name",
    "Kabupaten/Kota": "regency_name",
    "Kecamatan": "district_name",
    "Jumlah Koleksi Judul": "collection_titles",
    "Jumlah Koleksi Eksemplar": "collections",
    "Jumlah Pustakawan": "librarians",
    "Jumlah Tenaga Teknis Perpustakaan": "technicians",
    "Rata-rata Kunjungan per Hari": "visits_per_day",
    "Dibina Sesuai SNP": "snp_raw",
    "Jumlah Anggota": "members",
    "Jumlah Keterlibatan Masyarakat": "participation",
    "Tanggal Pembaruan": "updated_at_raw",
}
FIELD_HEADERS = {field: header for header, field in COLUMNS.items()}
_BY_KEY = {header_key(header): field for header, field in COLUMNS.items()}
TEXT_FIELDS = ("name", "subtype", "province_name", "regency_name", "district_name")
_SNP = {"ya": True, "y": True, "tidak": False, "t": False}
_FOOTER = r"^\s*(jumlah|total|grand total|sub ?total)\b"

# Columns of the validated, kept rows (staging.libraries).
LIBRARY_COLUMNS = ["year", "npp", "kemendagri_code", "bps_code", "name", "library_type", "subtype",
                   "province_name", "regency_name", "district_name", *COUNT_FIELDS, "snp",
                   "updated_at", "text_region_code", "text_region_status", "source_file", "sheet",
                   "row_number", "read_order"]


@dataclass
class ExportFile:
    source_file: str
    table: Table  # data columns renamed to fields
    headers: dict[str, str]  # field -> header text as written in the file


def is_library_header(cells: list[str]) -> bool:
    return any(c.strip().casefold() == "npp" for c in cells)


def read_export(path: Path, source_file: str) -> ExportFile:
    table = read_table(path, is_library_header, sheet=SHEET,
                       expected="a header row holding a cell 'NPP' (the column names of SOURCES.md §2)")
    found: dict[str, int] = {}
    for position, text in enumerate(table.header):
        field = _BY_KEY.get(header_key(text))
        if field is None:
            continue
        if field in found:
            raise SourceError(table.where(table.header_row, text),
                              f"column '{text}' appears twice (also column {found[field] + 1})",
                              "each column once", "Delete or rename the repeated column.")
        found[field] = position
    missing = [FIELD_HEADERS[f] for f in COLUMNS.values() if f not in found and f != "no"]
    if missing:
        raise SourceError(
            table.where(table.header_row),
            f"header lacks {', '.join(repr(m) for m in missing)}",
            "all columns of the registration export (SOURCES.md §2), in any order",
            f"The header row has: {', '.join(h for h in table.header if h)}.")
    data = table.data[[found[f] for f in found]]
    data.columns = list(found)
    table.data = data
    return ExportFile(source_file, table, {f: table.header[i] for f, i in found.items()})


def normalise(frame: pd.DataFrame, regions: RegionLookup) -> pd.DataFrame:
    """Raw cells -> typed fields plus the flags the schema checks. Column-wise only."""
    out = pd.DataFrame(index=frame.index)
    npp = frame["npp"].astype("str").str.strip().str.upper()
    out["npp"] = npp.where(npp.ne("") & frame["npp"].notna())
    for field in TEXT_FIELDS:
        text = frame[field].astype("str").str.strip()
        out[field] = text.where(text.ne("") & frame[field].notna())
    type_key = frame["library_type_raw"].astype("str").str.split().str.join(" ").str.casefold()
    out["library_type"] = type_key.map(LIBRARY_TYPES).astype("str")
    out["type_text"] = frame["library_type_raw"].astype("str").str.strip().fillna("")

    unreadable = pd.Series("", index=frame.index, dtype="str")
    for field in COUNT_FIELDS:
        values, invalid = parse_numbers(frame[field])
        out[field] = values
        unreadable = unreadable.mask(invalid, unreadable + FIELD_HEADERS[field] + ";")
    snp_text = frame["snp_raw"].astype("str").str.strip().str.casefold()
    out["snp"] = snp_text.map(_SNP).astype("boolean")
    bad_snp = out["snp"].isna() & snp_text.ne("") & frame["snp_raw"].notna()
    unreadable = unreadable.mask(bad_snp, unreadable + FIELD_HEADERS["snp_raw"] + ";")
    dates, bad_date = parse_dates(frame["updated_at_raw"])
    out["updated_at"] = dates
    unreadable = unreadable.mask(bad_date, unreadable + FIELD_HEADERS["updated_at_raw"] + ";")
    out["unreadable_columns"] = unreadable.str.rstrip(";")
    negative = pd.Series("", index=frame.index, dtype="str")
    for field in COUNT_FIELDS:
        negative = negative.mask(out[field] < 0, negative + FIELD_HEADERS[field] + ";")
    out["negative_columns"] = negative.str.rstrip(";")

    first_cells = pd.concat([frame[c].astype("str") for c in ("no", "npp", "name") if c in frame], axis=1)
    looks_footer = first_cells.apply(lambda col: col.str.match(_FOOTER, case=False)).any(axis=1)
    out["is_footer"] = (looks_footer & ~out["npp"].fillna("").str.fullmatch(NPP_PATTERN)).astype(bool)

    # Region by NPP: its first four digits are the Kemendagri code without the dot.
    prefix = out["npp"].str[:4]
    codes = {p: regions.regency_from_npp(p) for p in prefix.dropna().unique()}
    out["kemendagri_code"] = prefix.map({p: r.kemendagri_code for p, r in codes.items() if r}).astype("str")
    out["bps_code"] = prefix.map({p: r.bps_code for p, r in codes.items() if r}).astype("str")

    # The `Kabupaten/Kota` text is informative only: the NPP wins, disagreements are reported.
    texts = out["regency_name"].dropna().unique()
    text_codes = {}
    for t in texts:
        found = regions.candidates(t, level="regency", source="perpustakaan")
        text_codes[t] = found[0].kemendagri_code if len(found) == 1 else None
    out["text_region_code"] = out["regency_name"].map(text_codes).astype("str")
    status = pd.Series("agrees", index=frame.index, dtype="str")
    status = status.mask(out["text_region_code"].ne(out["kemendagri_code"]), "other_regency")
    status = status.mask(out["text_region_code"].isna(), "unknown_text")
    status = status.mask(out["regency_name"].isna(), "empty")
    out["text_region_status"] = status
    return out


_DETAIL = {
    "footer_row": lambda r: "a total/footer row, not a library",
    "npp_missing": lambda r: "NPP is empty",
    "npp_malformed": lambda r: f"NPP '{r.npp}' is not 7 digits, a letter and 7 digits",
    "unknown_region": lambda r: f"NPP '{r.npp}': its first four digits {r.npp[:2]}.{r.npp[2:4]} are no regency",
    "unknown_type": lambda r: (f"Jenis Perpustakaan '{r.type_text}' is not Umum, Sekolah, "
                               "Perguruan Tinggi or Khusus"),
    "not_a_number": lambda r: (f"unreadable value in {r.unreadable_columns}: expected an Indonesian number "
                               "(1.250 or 12,5), Ya/Tidak, or a date dd/mm/yyyy or yyyy-mm-dd"),
    "negative_count": lambda r: f"negative count in {r.negative_columns}",
}
_COLUMN = {"npp_missing": lambda r: "NPP", "npp_malformed": lambda r: "NPP",
           "unknown_region": lambda r: "NPP", "unknown_type": lambda r: "Jenis Perpustakaan",
           "not_a_number": lambda r: r.unreadable_columns, "negative_count": lambda r: r.negative_columns,
           "footer_row": lambda r: None}


@dataclass
class ValidatedExports:
    rows: pd.DataFrame  # candidates for dedupe: LIBRARY_COLUMNS without `year`
    quarantine: pd.DataFrame  # rows the schema rejected


def validate_exports(files: list[ExportFile], regions: RegionLookup) -> ValidatedExports:
    """Stack every file of a year, normalise, validate once, split kept and rejected rows."""
    if not files:
        empty = pd.DataFrame(columns=LIBRARY_COLUMNS[1:])
        return ValidatedExports(empty, quarantine_frame())
    parts = []
    for order, f in enumerate(files):
        part = f.table.data.copy()
        part["source_file"] = f.source_file
        part["sheet"] = f.table.sheet
        part["row_number"] = part.index.astype("int64")
        part["file_order"] = order
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    stacked = stacked.reindex(columns=[*COLUMNS.values(), "source_file", "sheet", "row_number", "file_order"])
    typed = normalise(stacked, regions)
    reasons = rejected_rows(typed)

    rejected = typed.loc[reasons.index].assign(reason=reasons)
    q_parts = []
    for f in files:
        mine = rejected[stacked.loc[rejected.index, "source_file"].eq(f.source_file)]
        if not len(mine):
            continue
        rows = stacked.loc[mine.index]
        raw = f.table.data.loc[rows["row_number"].values]
        labels = [f.headers[c] for c in raw.columns]
        q_parts.append(quarantine_frame(
            pd.DataFrame({
                "row_number": rows["row_number"].values,
                "reason": mine["reason"].values,
                "column_name": [_COLUMN[r.reason](r) for r in mine.itertuples()],
                "detail": [_DETAIL[r.reason](r) for r in mine.itertuples()],
                "raw_values": raw_values_json(labels, raw).values,
            }),
            source="perpustakaan", source_file=f.source_file, sheet=f.table.sheet))
    quarantine = pd.concat(q_parts, ignore_index=True) if q_parts else quarantine_frame()

    kept = typed.drop(index=reasons.index)
    kept = kept.assign(source_file=stacked["source_file"], sheet=stacked["sheet"],
                       row_number=stacked["row_number"],
                       read_order=stacked["file_order"] * 10_000_000 + stacked["row_number"])
    return ValidatedExports(kept[LIBRARY_COLUMNS[1:]].reset_index(drop=True), quarantine)


def _duplicate_quarantine(dropped: pd.DataFrame, exports: dict[str, ExportFile]) -> pd.DataFrame:
    """Quarantine rows for dropped duplicates, saying which row was kept instead."""
    parts = []
    for source_file, rows in dropped.groupby("source_file", sort=False):
        export = exports[source_file]
        raw = export.table.data.loc[rows["row_number"].values]
        detail = [f"NPP {r.npp}: kept {r.kept_file} row {r.kept_row}"
                  + (f" (updated {r.kept_updated_at:%Y-%m-%d})" if pd.notna(r.kept_updated_at) else "")
                  for r in rows.itertuples()]
        parts.append(quarantine_frame(
            pd.DataFrame({"row_number": rows["row_number"].values, "reason": rows["drop_reason"].values,
                          "column_name": "NPP", "detail": detail,
                          "raw_values": raw_values_json([export.headers[c] for c in raw.columns], raw).values}),
            source="perpustakaan", source_file=source_file, sheet=export.table.sheet))
    return pd.concat(parts, ignore_index=True) if parts else quarantine_frame()


@dataclass
class LibraryYear:
    kept: pd.DataFrame  # staging.libraries rows: one per NPP
    quarantine: pd.DataFrame
    ledger: pd.DataFrame  # source_files rows
    corrections: pd.DataFrame  # corrections applied


def load_library_year(raw: Path, year: int, regions: RegionLookup,
                      corrections: tuple[Correction, ...] = ()) -> LibraryYear:
    """Every export of `raw/perpustakaan/<year>/`: read, validate, deduplicate, account for each row."""
    folder = raw / "perpustakaan" / str(year)
    paths = list_source_files(folder)
    if not paths:
        raise SourceError(Location(folder), "no library registration export for this year",
                          "at least one .csv or .xlsx export in this folder",
                          "Without it every library count would be 0; add the year's exports.")
    exports = {}
    for path in paths:
        f = read_export(path, relative_name(path, raw))
        exports[f.source_file] = f
    validated = validate_exports(list(exports.values()), regions)
    with duckdb.connect() as con:
        con.register("library_candidates", validated.rows)
        decisions = con.execute(sql_text("staging/dedupe_libraries.sql")).df()
    rows = validated.rows.set_index("read_order").join(decisions.set_index("read_order")).reset_index()
    kept = rows[rows["drop_reason"].isna()]
    quarantine = pd.concat([validated.quarantine, _duplicate_quarantine(rows[rows["drop_reason"].notna()], exports)],
                           ignore_index=True)
    ledger = pd.DataFrame([{
        "year": year, "source": "perpustakaan", "source_file": name, "sheet": f.table.sheet,
        "sha256": file_sha256(f.table.path), "header_row": f.table.header_row,
        "rows_read": len(f.table.data),
        "rows_kept": int((kept["source_file"] == name).sum()),
        "rows_quarantined": int((quarantine["source_file"] == name).sum()),
        "rows_skipped": f.table.blank_rows} for name, f in exports.items()])
    kept, applied = apply_corrections(kept[LIBRARY_COLUMNS[1:]].reset_index(drop=True), corrections,
                                      "perpustakaan", year, area_column="npp")
    return LibraryYear(kept.assign(year=year), quarantine.assign(year=year), ledger, applied.assign(year=year))
