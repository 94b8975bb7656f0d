"""Library registration exports (`perpustakaan/<year>/*`, SOURCES.md §2) -> typed rows.

A national year is ~220 000 rows in dozens of files, so everything here is
column-wise on one stacked frame: files are read one by one (each has its own
header order and spelling), stacked, typed, validated once with Pandera, and
deduplicated in DuckDB (`sql/staging/stg_perpustakaan_dedupe.sql`). Rejected and
dropped rows become quarantine rows with their reason, a readable detail and
the raw cells as the file had them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from iplm_pipeline.corrections import APPLIED_COLUMNS, Correction, CorrectionError
from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.ledger import FileRead, SourceYear, ledger_frame, quarantine_frame, relative_name
from iplm_pipeline.parsing import Table, header_key, is_set_aside, list_source_files, read_frame
from iplm_pipeline.regions import RegionLookup
from iplm_pipeline.warehouse import run_sql

from .schemas import COUNT_FIELDS, READ_FIELDS, export_spec, rejected_rows

SHEET = "Data Perpustakaan"
# Header spellings per field are data: iplm_pipeline/reference/library_headers.toml.
SPEC = export_spec()
COLUMNS = list(SPEC.spellings)  # the raw fields, in the order of the data file
FIELD_HEADERS = {field: SPEC.canonical(field) for field in COLUMNS}
_RAW_FIELD = {"snp": "snp_raw", "updated_at": "updated_at_raw"}  # typed field -> raw field
_BY_KEY = {header_key(h): field for field, spellings in SPEC.spellings.items() for h in spellings}
_NPP_KEYS = frozenset(header_key(h) for h in SPEC.spellings["npp"])
_STAFF_SPLIT = ("librarians", "technicians")

# Columns of the validated, kept rows (staging.perpustakaan).
LIBRARY_COLUMNS = ["year", "npp", "kemendagri_code", "bps_code", "name", "library_type", "subtype",
                   "province_name", "regency_name", "district_name", *COUNT_FIELDS, "snp",
                   "updated_at", "text_region_code", "text_region_status", "source_file", "sheet",
                   "row_number", "read_order"]


@dataclass
class ExportFile:
    source_file: str
    table: Table  # data columns renamed to fields
    headers: dict[str, str]  # field -> header text as written in the file
    notes: list[str] = field(default_factory=list)  # how it was read: for source_files.notes and the report


def is_library_header(cells: list[str]) -> bool:
    return any(header_key(c) in _NPP_KEYS for c in cells)


def read_export(path: Path, source_file: str) -> ExportFile:
    table = read_frame(path, is_library_header, sheet=SHEET,
                       expected="a header row holding a cell 'NPP' (the column names of SOURCES.md §2)")
    found: dict[str, int] = {}
    ignored = []
    for position, text in enumerate(table.header):
        field_ = _BY_KEY.get(header_key(text))
        if field_ is None:
            ignored.append(f"'{text}'" if text.strip() else f"column {position + 1} (no header)")
            continue
        if field_ in found:
            raise SourceError(table.where(table.header_row, text),
                              f"column '{text}' appears twice (also column {found[field_] + 1}, "
                              f"'{table.header[found[field_]]}': both are spellings of {FIELD_HEADERS[field_]})",
                              "each column once", "Delete or rename the repeated column.")
        found[field_] = position
    notes = list(table.read_notes)
    if path.suffix.lower() == ".xlsm":
        notes.append("a macro-enabled workbook (.xlsm), read as .xlsx: cell values only, macros ignored")
    required = set(SPEC.required)
    split = [f for f in _STAFF_SPLIT if f in found]
    if "staff_total" in found and not split:
        notes.append(f"staff from '{table.header[found['staff_total']]}' (no librarian/technician split)")
    else:
        required |= set(_STAFF_SPLIT)
        if "staff_total" in found:
            ignored.append(f"'{table.header[found.pop('staff_total')]}' (staff is "
                           f"{FIELD_HEADERS['librarians']} + {FIELD_HEADERS['technicians']})")
    missing = [FIELD_HEADERS[f] for f in COLUMNS if f in required and f not in found]
    if missing:
        staff_missing = set(_STAFF_SPLIT) - set(found)
        staff_hint = (f" Staff may instead be given as one column '{FIELD_HEADERS['staff_total']}' when both "
                      "librarian and technician columns are absent." if staff_missing else "")
        raise SourceError(
            table.where(table.header_row),
            f"header lacks {', '.join(repr(m) for m in missing)}",
            "all columns of the registration export (SOURCES.md §2), in any order",
            f"The header row has: {', '.join(h for h in table.header if h)}. Spellings are listed in "
            f"iplm_pipeline/reference/library_headers.toml.{staff_hint}")
    if ignored:
        notes.append(f"ignored column(s): {', '.join(ignored)}")
    table.data = table.data[list(found.values())].set_axis(list(found), axis=1)
    return ExportFile(source_file, table, {f: table.header[i] for f, i in found.items()}, notes)


def stack(files: list[ExportFile]) -> pd.DataFrame:
    """All files' rows in read order (files by name, rows in order), with their provenance."""
    parts = []
    for order, f in enumerate(files):
        part = f.table.data.reindex(columns=COLUMNS, fill_value="")
        part["source_file"] = f.source_file
        part["sheet"] = f.table.sheet
        part["row_number"] = part.index.astype("int64")
        part["file_order"] = order
        parts.append(part)
    raw = pd.concat(parts, ignore_index=True)
    raw.index.name = "row_id"
    return raw


def type_rows(con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, regions: RegionLookup) -> None:
    """Raw text -> temp table `library_typed`: typed fields, the schema's flags, provenance."""
    run_sql(con, "staging/macros.sql")
    con.register("library_raw", raw.reset_index())
    con.register("regions", pd.DataFrame([r.__dict__ for r in regions.regions]))
    # The Kabupaten/Kota text is informative only (the NPP decides); resolve each distinct text once.
    texts = [t for (t,) in con.execute("SELECT DISTINCT trim(regency_name) FROM library_raw").fetchall() if t]
    named = []
    for text in texts:
        found = regions.candidates(text, level="regency", source="perpustakaan")
        named.append({"text": text, "kemendagri_code": found[0].kemendagri_code if len(found) == 1 else None})
    con.register("regency_names", pd.DataFrame(named, columns=["text", "kemendagri_code"]))
    try:
        run_sql(con, "staging/stg_perpustakaan_type.sql")
    finally:
        for name in ("library_raw", "regions", "regency_names"):
            con.unregister(name)


_DETAIL = {
    "footer_row": lambda r: "a total/footer row, not a library",
    "npp_missing": lambda r: "NPP is empty",
    "npp_malformed": lambda r: f"NPP '{r.npp}' is not 7 digits, a letter and 7 digits",
    "unknown_region": lambda r: f"NPP '{r.npp}': its first four digits {r.npp[:2]}.{r.npp[2:4]} are no regency",
    "unknown_type": lambda r: (f"Jenis Perpustakaan '{r.type_text}' is not Umum, Sekolah, "
                               "Perguruan Tinggi or Khusus"),
    "not_a_number": lambda r: (f"unreadable value in {_flagged(r, 'invalid_')}: expected an Indonesian number "
                               "(1.250 or 12,5), Ya/Tidak, or a date dd/mm/yyyy or yyyy-mm-dd"),
    "negative_count": lambda r: f"negative count in {_flagged(r, 'negative_')}",
    "implausible_date": lambda r: (f"Tanggal Pembaruan '{r.updated_text}' is no plausible update date: a bare "
                                   "number (a year, a month, an Excel serial typed as text), before "
                                   f"{SPEC.earliest_update:%d/%m/%Y} or after the run's date"),
    "implausible_count": lambda r: "; ".join(
        f"{FIELD_HEADERS[f]} {getattr(r, f):,.0f} is above the plausible {SPEC.max_count[f]:,.0f} for one library"
        for f in SPEC.max_count if (getattr(r, f) or 0) > SPEC.max_count[f]),
    "duplicate_older": lambda r: _kept(r),
    "duplicate_identical": lambda r: _kept(r),
    "duplicate_conflict": lambda r: _kept(r),
}
_COLUMN = {"npp_missing": "NPP", "npp_malformed": "NPP", "unknown_region": "NPP", "unknown_type": "Jenis Perpustakaan",
           "implausible_date": "Tanggal Pembaruan",
           "duplicate_older": "NPP", "duplicate_identical": "NPP", "duplicate_conflict": "NPP"}


def _flagged(r, kind: str) -> str:
    """The headers of the fields a rejected row fails on (unreadable, negative or implausible)."""
    if kind == "invalid_":
        bad = [f for f in READ_FIELDS if getattr(r, f"invalid_{f}")]
    elif kind == "negative_":
        bad = [f for f in COUNT_FIELDS if (getattr(r, f) or 0) < 0]
    else:
        bad = [f for f in SPEC.max_count if (getattr(r, f) or 0) > SPEC.max_count[f]]
    return "; ".join(FIELD_HEADERS[_RAW_FIELD.get(f, f)] for f in bad)


def _kept(r) -> str:
    when = f" (updated {r.kept_updated_at:%Y-%m-%d})" if pd.notna(r.kept_updated_at) else ""
    return f"NPP {r.npp}: kept {r.kept_file} row {r.kept_row}{when}"


def _quarantine(rows: pd.DataFrame, raw: pd.DataFrame, exports: dict[str, ExportFile],
                regions: RegionLookup) -> pd.DataFrame:
    """Quarantine rows for `rows` (typed, with `reason`), the raw cells keyed by each file's own headers.

    `bps_code` is the regency the row's NPP names, where it names one, so completeness per
    regency can count the rows it lost.
    """
    regencies = [regions.regency_from_npp(npp) if isinstance(npp, str) else None for npp in rows["npp"]]
    column = [_COLUMN.get(r.reason) or (_flagged(r, "invalid_") if r.reason == "not_a_number"
                                         else _flagged(r, "negative_") if r.reason == "negative_count"
                                         else _flagged(r, "implausible_") if r.reason == "implausible_count" else None)
              for r in rows.itertuples()]
    raw_rows = raw.loc[rows.index]
    raw_json = [json.dumps({exports[r["source_file"]].headers[f]: r[f]
                            for f in exports[r["source_file"]].headers}, ensure_ascii=False)
                for r in raw_rows.to_dict("records")]
    return quarantine_frame(pd.DataFrame({
        "source_file": raw_rows["source_file"].values, "sheet": raw_rows["sheet"].values,
        "row_number": raw_rows["row_number"].values, "reason": rows["reason"].values, "column_name": column,
        "detail": [_DETAIL[r.reason](r) for r in rows.itertuples()], "raw_values": raw_json,
        "bps_code": [r.bps_code if r else None for r in regencies]}), source="perpustakaan")


@dataclass
class LibraryYear(SourceYear):
    kept: int = 0  # libraries written to staging.perpustakaan (one per NPP)
    notes: list[str] = field(default_factory=list)  # for the run's report: files set aside, columns ignored...


# Columns the schema checks: fetched from DuckDB for Pandera (the rest never leaves DuckDB).
_CHECKED = ["npp", "kemendagri_code", "library_type", "updated_at", "snp", *COUNT_FIELDS,
            *(f"invalid_{f}" for f in READ_FIELDS), "is_footer", "type_text", "date_is_number", "updated_text"]


def library_folders(raw_dir: Path, notes: list[str] | None = None) -> list[int]:
    """The year folders of `raw_dir/perpustakaan/`: anything else there would never be read, so it stops."""
    root = raw_dir / "perpustakaan"
    years = []
    for path in sorted(root.iterdir()) if root.is_dir() else ():
        if is_set_aside(path.name):
            if notes is not None:
                notes.append(f"set aside perpustakaan/{path.name} (a lock or hidden file, not data)")
        elif path.is_dir() and path.name.isascii() and path.name.isdigit() and len(path.name) == 4:
            years.append(int(path.name))
        else:
            raise SourceError(Location(path), f"'{path.name}' in the library folder is not a year folder",
                              "only folders named by the IPLM year (perpustakaan/2024/) holding the exports",
                              "Move the file into its year's folder (or out of data/raw/).")
    return years


def load_library_year(con: duckdb.DuckDBPyConnection, raw_dir: Path, year: int, regions: RegionLookup,
                      corrections: tuple[Correction, ...] = (), run_date: dt.date | None = None) -> LibraryYear:
    """Every export of `raw_dir/perpustakaan/<year>/`: read, correct, validate, deduplicate, account for each row.

    The kept libraries replace the year's rows of `staging.perpustakaan` on `con`; typing and
    deduplication run in DuckDB, so the 200k typed rows never travel back through pandas.
    Corrections apply to the typed rows before validation, so a corrected value is checked like
    any other (a correction to -5 members is a negative_count). `run_date` (default today) is the
    latest plausible Tanggal Pembaruan.
    """
    run_notes: list[str] = []
    library_folders(raw_dir, run_notes)
    folder = raw_dir / "perpustakaan" / str(year)
    paths = list_source_files(folder, run_notes)
    if not paths:
        raise SourceError(Location(folder), "no library registration export for this year",
                          "at least one .csv or .xlsx export in this folder",
                          "Without it every library count would be 0; add the year's exports.")
    read = [read_export(p, relative_name(p, raw_dir)) for p in paths]
    exports = {f.source_file: f for f in read}
    raw = stack(read)
    type_rows(con, raw, regions)
    applied = _correct(con, corrections, year)
    checked = _fetch(con, f"SELECT row_id, {', '.join(_CHECKED)} FROM library_typed").set_index("row_id")
    reasons = rejected_rows(checked.sort_index(), run_date)
    con.register("library_rejected", pd.DataFrame({"row_id": reasons.index.astype("int64")}))
    run_sql(con, "staging/stg_perpustakaan_dedupe.sql")
    con.unregister("library_rejected")
    dropped = _fetch(con, "SELECT t.row_id, t.npp, d.drop_reason AS reason, d.kept_file, d.kept_row, "
                          "d.kept_updated_at FROM library_decisions d JOIN library_typed t USING (row_id) "
                          "WHERE d.drop_reason IS NOT NULL ORDER BY t.row_id").set_index("row_id")
    quarantine = pd.concat([_quarantine(checked.loc[reasons.index].assign(reason=reasons), raw, exports, regions),
                            _quarantine(dropped, raw, exports, regions)], ignore_index=True)
    columns = ", ".join(LIBRARY_COLUMNS[1:])
    con.execute(f"CREATE OR REPLACE TEMP TABLE library_kept AS SELECT {columns} FROM library_typed "
                "JOIN library_decisions USING (row_id) WHERE drop_reason IS NULL")
    kept_per_file = dict(con.execute("SELECT source_file, count(*) FROM library_kept GROUP BY ALL").fetchall())
    quarantined_per_file = quarantine["source_file"].value_counts()
    ledger = ledger_frame(year, "perpustakaan", [FileRead(
        name, f.table.sheet, f.table.sha256, f.table.header_row, len(f.table.data), int(kept_per_file.get(name, 0)),
        int(quarantined_per_file.get(name, 0)), f.table.blank_rows, "; ".join(f.notes) or None)
        for name, f in exports.items()])
    con.execute("BEGIN")
    con.execute("DELETE FROM staging.perpustakaan WHERE year = ?", [year])
    con.execute(f"INSERT INTO staging.perpustakaan (year, {columns}) SELECT ?, * FROM library_kept ORDER BY read_order",
                [year])
    con.execute("COMMIT")
    kept = sum(kept_per_file.values())
    for table in ("library_kept", "library_decisions", "library_typed"):
        con.execute(f"DROP TABLE {table}")
    run_notes += [f"{Path(name).name}: {note}" for name, f in exports.items() for note in f.notes]
    return LibraryYear(quarantine.assign(year=year), ledger, applied.assign(year=year), kept=kept, notes=run_notes)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.sql(sql).to_arrow_table().to_pandas()


def _correct(con: duckdb.DuckDBPyConnection, corrections: tuple[Correction, ...], year: int) -> pd.DataFrame:
    """Apply this year's library corrections to the typed rows (`library_typed`), before validation.

    A correction names an NPP and a count field; it applies to every row of that NPP whose value
    is the correction's `original` (a re-submission may repeat the row). When no row of the NPP
    says `original` any more, the source changed and the run stops for a review, as for every
    source (corrections.py). The corrected value is then validated like any read value, and a
    corrected unreadable cell counts as read.
    """
    todo = [c for c in corrections if c.source == "perpustakaan" and c.year == year]
    applied = []
    for c in todo:
        if c.field not in COUNT_FIELDS:
            raise CorrectionError(f"{c.describe()}: '{c.field}' is not a correctable library field; expected one "
                                  f"of {', '.join(COUNT_FIELDS)}.")
        npp = c.area.strip().upper()
        values = [v for (v,) in con.execute(f"SELECT {c.field} FROM library_typed WHERE npp = ? ORDER BY read_order",
                                            [npp]).fetchall()]
        hits = [v for v in values if v == c.original or (v is None and c.original is None)]
        if not values:
            raise CorrectionError(f"{c.describe()}: no row of the year's exports has NPP {npp}. Check the area, "
                                  "or remove the correction.")
        if not hits:
            raise CorrectionError(
                f"{c.describe()}: the source now says {', '.join(str(v) for v in values)}, not the original "
                f"{c.original} the correction was written for. Review it: remove it if the source was fixed, "
                "or update 'original'.")
        con.execute(f"UPDATE library_typed SET {c.field} = ?, invalid_{c.field} = false "
                    f"WHERE npp = ? AND {c.field} IS NOT DISTINCT FROM ?", [c.corrected, npp, c.original])
        applied.append({"source": "perpustakaan", "source_year": year, "area": npp, "field": c.field,
                        "original": c.original, "corrected": c.corrected, "reason": c.reason})
    return pd.DataFrame(applied, columns=APPLIED_COLUMNS)
