"""Library export files (SOURCES.md section 2): clean snapshot rows, the messy rows real
exports carry, and how each file is laid out.

A "written frame" is a snapshot frame plus four bookkeeping columns: `expect` (what the
contract does with the row: `kept`, a quarantine reason or a `duplicate_*` code), `raw`
(cell texts that replace the rendered value, e.g. `banyak` in a count column), `no_text`
(a `No` cell that is not a running number, e.g. `Jumlah`) and `pos` (row order in the file).
The expected inputs are computed from the rows marked `kept`, so the bookkeeping and the
planted rows can never drift apart.

Which of two rows equal in every field but `No` is kept is the pipeline's choice; the
generator marks the copy it added `duplicate_identical` (only the counts per code are
meaningful for such pairs). A same-date conflict is planted so that the clean version sits
in the file read last (files in name order), which is the one the contract keeps.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iplm_pipeline.synth.formats import CsvFlavour, id_int, pick_flavour, write_csv, write_xlsx
from iplm_pipeline.synth.libraries import COUNT_FIELDS, regency_text
from iplm_pipeline.synth.region_table import Province

COLUMNS = ("No", "NPP", "Nama Perpustakaan", "Jenis Perpustakaan", "Subjenis", "Provinsi",
           "Kabupaten/Kota", "Kecamatan", "Jumlah Koleksi Judul", "Jumlah Koleksi Eksemplar",
           "Jumlah Pustakawan", "Jumlah Tenaga Teknis Perpustakaan",
           "Rata-rata Kunjungan per Hari", "Dibina Sesuai SNP", "Jumlah Anggota",
           "Jumlah Keterlibatan Masyarakat", "Tanggal Pembaruan")
FIELD_OF = dict(zip(COLUMNS, (
    "no", "npp", "name", "type", "subtype", "province", "regency_text", "district", "titles",
    "copies", "librarians", "technicians", "visits", "snp", "members", "participation",
    "updated"), strict=True))

KEPT = "kept"
JUNK_REASONS = ("npp_missing", "npp_malformed", "negative_count", "not_a_number",
                "unknown_type", "unknown_region")
DUPLICATE_REASONS = ("duplicate_older", "duplicate_identical", "duplicate_conflict")

_NOT_A_NUMBER = ("tidak tahu", "banyak", "±100", "lihat lampiran")
_UNKNOWN_TYPES = ("Pribadi", "Lainnya", "Komunitas")


def start(clean: pd.DataFrame) -> pd.DataFrame:
    """A written frame holding clean rows only, in snapshot order."""
    return clean.assign(expect=KEPT, raw=None, no_text=None, pos=np.arange(len(clean), dtype=float))


def _append(frame: pd.DataFrame, rows: pd.DataFrame, pos) -> pd.DataFrame:
    return pd.concat([frame, rows.assign(pos=pos)], ignore_index=True)


def _perturb(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Other values for the same libraries, always different in `copies`."""
    rows = rows.copy()
    copies = rows["copies"].to_numpy()
    cut = np.maximum(1, np.round(np.nan_to_num(copies) * rng.uniform(0.1, 0.4, len(rows))))
    rows["copies"] = np.where(copies >= 1, copies - cut, rng.integers(5, 200, len(rows)))
    rows["members"] = np.round(rows["members"] * rng.uniform(0.6, 0.95, len(rows)))
    return rows


def add_older_duplicates(frame: pd.DataFrame, idx, rng: np.random.Generator) -> pd.DataFrame:
    """Earlier submissions of the same NPPs: older date, other values, anywhere in the file."""
    rows = _perturb(frame.loc[idx], rng)
    rows["updated"] = rows["updated"] - pd.to_timedelta(rng.integers(30, 400, len(rows)), unit="D")
    rows["expect"] = "duplicate_older"
    return _append(frame, rows, rng.uniform(0, len(frame), len(rows)))


def add_identical_duplicates(frame: pd.DataFrame, idx, rng: np.random.Generator) -> pd.DataFrame:
    """The same rows again, differing only in `No`."""
    rows = frame.loc[idx].assign(expect="duplicate_identical")
    return _append(frame, rows, rng.uniform(0, len(frame), len(rows)))


def add_junk_rows(frame: pd.DataFrame, reasons, province: Province, serials,
                  rng: np.random.Generator, templates=None) -> pd.DataFrame:
    """One row per reason, each a copy of a kept row (`templates`, index labels, else random)
    with one defect and a fresh NPP (serials from 9 000 001, so that no junk row collides
    with a real library)."""
    if templates is None:
        templates = rng.choice(frame.index[frame["expect"] == KEPT], len(reasons))
    templates = frame.loc[templates].copy()
    npps, types, copies, raws = [], [], templates["copies"].to_numpy().copy(), []
    for i, reason in enumerate(reasons):
        good = templates["npp"].iat[i][:8] + f"{next(serials):07d}"
        npp, kind, raw = good, templates["type"].iat[i], None
        if reason == "npp_missing":
            npp = ""
        elif reason == "npp_malformed":
            npp = (good[:-1], f"{good[:4]}-{good[4:7]}-{good[7]}-{good[8:]}",
                   good[:7] + "0" + good[8:])[int(rng.integers(3))]
        elif reason == "negative_count":
            copies[i] = -float(rng.integers(1, 500))
        elif reason == "not_a_number":
            raw = {"members": str(rng.choice(_NOT_A_NUMBER))}
        elif reason == "unknown_type":
            kind = str(rng.choice(_UNKNOWN_TYPES))
        elif reason == "unknown_region":
            # no regency is numbered xx.99, and no province 99
            prefix = f"{province.kemendagri_code}99" if rng.random() < 0.5 else "9999"
            npp = prefix + good[4:]
        npps.append(npp)
        types.append(kind)
        raws.append(raw)
    templates = templates.assign(npp=npps, type=types, copies=copies, raw=raws,
                                 expect=list(reasons), regency="")
    return _append(frame, templates, rng.uniform(0, len(frame), len(reasons)))


def add_footer(frame: pd.DataFrame, label: str = "Jumlah") -> pd.DataFrame:
    """A spreadsheet total row under the data: `Jumlah` in `No`, sums in the count columns."""
    row = {column: "" for column in ("regency", "npp", "name", "type", "subtype", "province",
                                     "regency_text", "district", "snp")}
    row.update({f: frame[f].sum() for f in (*COUNT_FIELDS, "visits")})
    row.update(updated=pd.NaT, group_digits=False, date_u=0.0, expect="footer_row", raw=None,
               no_text=label)
    return _append(frame, pd.DataFrame([row]), frame["pos"].max() + 1)


def split_redownload(frame: pd.DataFrame, idx, conflict_idx,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A second download of some rows of `frame`, to be written to a file read after it.

    Rows in `idx` reappear unchanged (`duplicate_identical`), except those in `conflict_idx`:
    for them the original row gets other values with the same date (`duplicate_conflict`)
    and the re-downloaded one, read last, is kept.
    """
    again = frame.loc[idx].sort_values("pos").assign(expect="duplicate_identical")
    again.loc[conflict_idx, "expect"] = KEPT
    frame = frame.copy()
    frame.loc[conflict_idx] = _perturb(frame.loc[conflict_idx], rng).assign(
        expect="duplicate_conflict")
    return frame, again.assign(pos=np.arange(len(again), dtype=float))


def plant_mess(parts: list[pd.DataFrame], province: Province,
               rng: np.random.Generator) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Messy rows at realistic low rates (about 0.5-1 % of rows, at least one of each kind
    per province): duplicates of three kinds, junk rows for every quarantine reason, a
    footer on the last part, region texts naming another regency, NPPs that are only valid
    once trimmed and upper-cased. Parts must not be empty; their rows are edited in place.
    Returns the parts with the added rows, and a re-download file that overlaps the largest
    part (empty if that part is too small)."""
    total = sum(len(p) for p in parts)

    def count(rate: float) -> int:
        return max(1, round(rate * total))

    # disjoint random picks of clean rows over all parts, one slice per kind of mess
    pool = [(p, i) for p, part in enumerate(parts) for i in part.index]
    order = rng.permutation(len(pool))
    kinds = {"older": count(0.002), "identical": count(0.001), "mismatch": count(0.001),
             "npp_case": count(0.0005)}
    picks: dict[str, list[tuple[int, int]]] = {}
    start_at = 0
    for kind, k in kinds.items():
        picks[kind] = [pool[j] for j in order[start_at:start_at + k]]
        start_at += k
    used = {pool[j] for j in order[:start_at]}

    other_texts = {r.kemendagri_code: regency_text(r, 0) for r in province.regencies}
    for p, i in picks["mismatch"]:
        own = parts[p].at[i, "regency"]
        choices = [t for code, t in other_texts.items() if code != own]
        parts[p].at[i, "regency_text"] = str(rng.choice(choices))
    for p, i in picks["npp_case"]:
        npp = parts[p].at[i, "npp"]
        parts[p].at[i, "raw"] = {"npp": (f" {npp[:7]}{npp[7].lower()}{npp[8:]}",
                                         f"{npp} ", f" {npp}")[int(rng.integers(3))]}

    # the re-download overlaps the largest part, away from the rows used above
    target = int(np.argmax([len(p) for p in parts]))
    free = [i for i in parts[target].index if (target, i) not in used]
    overlap = rng.choice(free, size=min(len(free), max(2, round(0.005 * len(free)))),
                         replace=False)
    conflicts = overlap[:max(1, len(overlap) // 4)] if len(overlap) > 1 else overlap[:0]

    serials = itertools.count(9_000_001)
    reasons = [r for r in JUNK_REASONS for _ in range(count(0.0005))]
    junk_part = rng.choice(len(parts), size=len(reasons), p=[len(p) / total for p in parts])
    out = []
    for p, part in enumerate(parts):
        if p == target:
            part, redownload = split_redownload(part, overlap, conflicts, rng)
        mine = [r for r, q in zip(reasons, junk_part, strict=True) if q == p]
        part = add_older_duplicates(part, [i for q, i in picks["older"] if q == p], rng)
        part = add_identical_duplicates(part, [i for q, i in picks["identical"] if q == p], rng)
        if mine:
            part = add_junk_rows(part, mine, province, serials, rng)
        if p == len(parts) - 1:
            part = add_footer(part, str(rng.choice(["Jumlah", "Total", "JUMLAH"])))
        out.append(part)
    return out, redownload


@dataclass(frozen=True)
class ExportStyle:
    """How one export file is laid out; every variant is one SOURCES.md allows."""
    fmt: str = "csv"  # "csv" or "xlsx"
    flavour: CsvFlavour = CsvFlavour()
    title_rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = COLUMNS  # canonical header names in file order
    header: tuple[str, ...] = COLUMNS  # the header texts as written, same order
    date_style: str = "dmy"  # main text date form, "dmy" or "iso"; xlsx uses date cells
    cover_sheet: bool = False  # xlsx: an explanatory sheet before the data sheet
    data_sheet: str = "Data Perpustakaan"


def odd_header(name: str, variant: int) -> str:
    return (f" {name.lower()} ", name.upper(), f"{name}  ")[variant]


def random_export_style(fmt: str, province: Province, year: int, messy: bool,
                        rng: np.random.Generator) -> ExportStyle:
    columns, header, titles = COLUMNS, COLUMNS, ()
    if messy and rng.random() < 0.3:
        titles = ("Daftar Perpustakaan Terdaftar", f"Provinsi {province.short_name}",
                  f"Keadaan per 31 Desember {year}")
    if messy and rng.random() < 0.15:
        columns = tuple(str(c) for c in rng.permutation(COLUMNS))
    header = columns
    if messy and rng.random() < 0.15:
        header = tuple(odd_header(h, 0) if h == "NPP" else
                       odd_header(h, int(rng.integers(3))) if rng.random() < 0.3 else h
                       for h in columns)
    cover = fmt == "xlsx" and bool(rng.random() < 0.15)
    sheet = "Sheet1" if fmt == "xlsx" and not cover and rng.random() < 0.15 else "Data Perpustakaan"
    return ExportStyle(fmt=fmt, flavour=pick_flavour(rng), title_rows=titles, columns=columns,
                       header=header, date_style=str(rng.choice(["dmy", "iso"])),
                       cover_sheet=cover, data_sheet=sheet)


def _count_cell(value: float, group: bool, csv: bool) -> object:
    if value != value:  # NaN: not reported
        return "" if csv else None
    number = int(value)
    if group and abs(number) >= 1000:
        return id_int(number)
    return str(number) if csv else number


def _visit_cell(value: float, group: bool, csv: bool) -> object:
    if value != value:
        return "" if csv else None
    if value == int(value):
        return _count_cell(value, group, csv)
    if not csv and not group:
        return value
    places = 1 if (value * 2).is_integer() else 2
    text = f"{value:,.{places}f}" if group else f"{value:.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _date_cell(value: dt.date | None, u: float, style: ExportStyle) -> object:
    if value is None:
        return "" if style.fmt == "csv" else None
    if style.fmt == "xlsx":
        form = "cell" if u < 0.9 else ("dmy" if u < 0.95 else "iso")
    else:
        other = "iso" if style.date_style == "dmy" else "dmy"
        form = style.date_style if u < 0.9 else other
    if form == "cell":
        return value
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if form == "dmy" else value.isoformat()


def export_rows(frame: pd.DataFrame, style: ExportStyle) -> list[list[object]]:
    """Title rows, header and one row per frame row (in `pos` order), as cells."""
    frame = frame.sort_values("pos", kind="stable")
    csv = style.fmt == "csv"
    group = frame["group_digits"].tolist()
    cells: dict[str, list] = {
        "no": [str(i) if csv else i for i in range(1, len(frame) + 1)],
        "visits": [_visit_cell(v, g, csv) for v, g in zip(frame["visits"].tolist(), group, strict=True)],
    }
    for f in ("npp", "name", "type", "subtype", "province", "regency_text", "district", "snp"):
        cells[f] = frame[f].tolist()
    for f in COUNT_FIELDS:
        cells[f] = [_count_cell(v, g, csv) for v, g in zip(frame[f].tolist(), group, strict=True)]
    dates = frame["updated"].to_numpy().astype("datetime64[D]").astype(object)  # NaT -> None
    cells["updated"] = [_date_cell(d, u, style) for d, u in zip(dates, frame["date_u"].tolist(), strict=True)]
    for i, text in enumerate(frame["no_text"].tolist()):
        if text is not None:
            cells["no"][i] = text
    for i, raw in enumerate(frame["raw"].tolist()):
        if raw:
            for f, text in raw.items():
                cells[f][i] = text
    body = zip(*(cells[FIELD_OF[c]] for c in style.columns), strict=True)
    return [*([t] for t in style.title_rows), list(style.header), *body]


def write_export(path: Path, frame: pd.DataFrame, style: ExportStyle) -> int:
    """Write one export file; returns its data rows (every row below the header)."""
    rows = export_rows(frame, style)
    if style.fmt == "csv":
        write_csv(path, rows, style.flavour)
    else:
        sheets = [(style.data_sheet, rows)]
        if style.cover_sheet:
            sheets.insert(0, ("Keterangan", [["Ekspor Data Pokok Perpustakaan"],
                                             ["Data ada pada sheet 'Data Perpustakaan'."]]))
        write_xlsx(path, sheets)
    return len(frame)
