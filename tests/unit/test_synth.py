"""The synthetic data generator, its reference IPLM calculator and the bundled sample.

Files are read back here with plain csv/pandas code that follows SOURCES.md, independent of
both the generator and the pipeline, so that a bookkeeping error in either shows up.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from iplm_pipeline.synth import Inputs, generate_country, iplm_from_uplm, pool, score, uplm
from iplm_pipeline.synth.bps import INDICATORS
from iplm_pipeline.synth.exports import COLUMNS, DUPLICATE_REASONS, JUNK_REASONS
from iplm_pipeline.synth.region_table import load_provinces

ROOT = Path(__file__).resolve().parents[2]
NPP = re.compile(r"^\d{7}[A-Z]\d{7}$")
TYPES = {"umum", "sekolah", "perguruan tinggi", "khusus"}
REGENCY_PREFIXES = {r.npp_prefix for p in load_provinces() for r in p.regencies}

SABU_2024 = Inputs(P=93_330, K=208, CS=26_344, CA=0, L=98, C=74_669, T=33, V=105, S=8, A=20,
                   M=31_725)
SABU_PUBLISHED_UPLM = ("0.4712", "0.4000", "0.8840", "0.0563", "0.3646", "0.0107", "1.0000")


# ---- plain readers --------------------------------------------------------------------------

def read_table(path: Path, is_header) -> tuple[list[object], list[list[object]]]:
    """(header, rows below it) of a CSV (any SOURCES.md flavour) or xlsx file."""
    if path.suffix == ".xlsx":
        book = pd.ExcelFile(path, engine="calamine")
        sheet = "Data Perpustakaan" if "Data Perpustakaan" in book.sheet_names else 0
        frame = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
        rows = [[None if pd.isna(c) else c for c in r] for r in frame.itertuples(index=False)]
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        rows = []
        for sep in (",", ";"):
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
            if any(is_header(r) for r in rows):
                break
    at = next(i for i, r in enumerate(rows) if is_header(r))
    return rows[at], rows[at + 1:]


def number(cell) -> float | None:
    """Indonesian number text or a numeric cell; `-`/`–` is zero; ValueError if not a number."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).strip()
    if text in ("-", "–"):
        return 0.0
    return float(text.replace(".", "").replace(",", "."))


def date(cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if "/" in cell:
        return dt.datetime.strptime(cell, "%d/%m/%Y").date()
    return dt.date.fromisoformat(cell)


def is_export_header(row) -> bool:
    return any(isinstance(c, str) and c.strip().casefold() == "npp" for c in row)


def kept_libraries(folder: Path) -> pd.DataFrame:
    """The contract's kept rows of one year: valid rows, then per NPP the latest date, ties
    going to the row read last (files in name order, rows in order)."""
    records = []
    for order, path in enumerate(sorted(folder.iterdir())):
        header, rows = read_table(path, is_export_header)
        names = [str(h).strip().casefold() for h in header]
        for k, row in enumerate(rows):
            r = dict(zip(names, row, strict=False))
            npp = str(r["npp"] or "").strip().upper()
            kind = str(r["jenis perpustakaan"] or "").strip().casefold()
            if not NPP.match(npp) or npp[:4] not in REGENCY_PREFIXES or kind not in TYPES:
                continue
            try:
                values = {c: number(r[c]) or 0.0 for c in (
                    "jumlah koleksi eksemplar", "jumlah pustakawan",
                    "jumlah tenaga teknis perpustakaan", "rata-rata kunjungan per hari",
                    "jumlah anggota", "jumlah keterlibatan masyarakat")}
            except ValueError:
                continue
            if min(values.values()) < 0:
                continue
            snp = str(r["dibina sesuai snp"] or "").strip().upper() in ("YA", "Y")
            records.append({"npp": npp, "type": kind, "date": date(r["tanggal pembaruan"]),
                            "order": (order, k), "snp": snp, **values})
    frame = pd.DataFrame(records).sort_values(["date", "order"])
    return frame.drop_duplicates("npp", keep="last")


def bps_column(path: Path, year: int) -> dict[str, float | None]:
    """Region name -> value of `year`, regency rows only (aggregate and footnotes dropped)."""
    header, rows = read_table(path, lambda r: bool(r) and r[0] in ("Kabupaten/Kota", "Wilayah"))
    col = [str(h) for h in header].index(str(year))
    body = [r for r in rows if r and r[0] and not str(r[0]).startswith(("Sumber", "Catatan"))]
    return {str(r[0]): number(r[col]) for r in body[:-1]}


REGION_LABELS = ("Kabupaten/Kota", "Wilayah", "Provinsi/Kabupaten/Kota/Indonesia")
YEAR = re.compile(r"^(19|20)\d{2}$")


def read_any(path: Path) -> list[list[object]]:
    """Every row of a CSV (any SOURCES.md flavour) or the first sheet of an xlsx, cells as they are."""
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, header=None, dtype=object, engine="calamine")
        return [[None if pd.isna(c) else c for c in r] for r in frame.itertuples(index=False)]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    candidates = [list(csv.reader(io.StringIO(text, newline=""), delimiter=sep)) for sep in (",", ";")]
    for rows in candidates:  # a BPS table: the separator that splits out a region-label cell
        if any(r and r[0].strip() in REGION_LABELS for r in rows):
            return rows
    return max(candidates, key=lambda rows: len(rows[0]))  # else the one that splits the header


def _text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def bps_table(path: Path, regencies: dict[str, str]) -> dict[str, dict[str, float | None]]:
    """Year -> regency (key of `regencies`: case-folded BPS name -> key) -> value, in people or
    units, for any of the four BPS layouts (SOURCES.md §1), read plainly: the header row is the
    one whose first cell is a region label; the rows below it with an empty first cell are the
    rest of the header block (title, sub-header, years); the total column of a split is the one
    headed `Jumlah`/`TOTAL`; a flattened export's year is in the file name; `Ribu` means x 1000.
    Classic tables use Indonesian notation, bps.go.id exports a decimal point."""
    rows = read_any(path)
    at = next(i for i, r in enumerate(rows) if r and _text(r[0]) in REGION_LABELS)
    block = [rows[at]]
    while not _text(rows[at + len(block)][0]) and any(_text(c) for c in rows[at + len(block)][1:]):
        block.append(rows[at + len(block)])
    preamble = " ".join(_text(c) for r in rows[:at] for c in r)
    columns: dict[int, str] = {}  # column -> year
    if len(block) == 1 and not YEAR.match(_text(block[0][1])):  # flattened: year in the file name
        year = re.search(r", ((?:19|20)\d{2})\.\w+$", path.name).group(1)
        j = next(j for j, c in enumerate(block[0]) if _text(c).startswith("Jumlah Penduduk"))
        columns[j] = year
        point, thousands = True, "Ribu" in _text(block[0][j])
    elif len(block) == 1:  # classic: the header's cells are years
        columns = {j: _text(c) for j, c in enumerate(block[0]) if YEAR.match(_text(c))}
        point, thousands = False, "Ribu" in preamble
    else:  # dynamic-table export or national table: the last block row holds the years
        years, subs = block[-1], block[-2] if len(block) > 2 else [""] * len(block[-1])
        for j, c in enumerate(years):
            sub = _text(subs[j]) if j < len(subs) else ""
            if YEAR.match(_text(c)) and sub in ("", "Jumlah", "TOTAL"):
                columns[j] = _text(c)
        point, thousands = True, "Ribu" in " ".join(_text(c) for r in block for c in r)
    out: dict[str, dict[str, float | None]] = {y: {} for y in columns.values()}
    for r in rows[at + len(block):]:
        name = re.sub(r"^kab\. ", "", _text(r[0]).casefold()) if r else ""
        if name not in regencies:
            continue  # aggregate, national, blank or footnote row
        for j, year in columns.items():
            cell = r[j] if j < len(r) else None
            if _text(cell) in ("", "…", "...", "NA", "x"):
                value = None  # not available
            elif isinstance(cell, (int, float)) or not point:
                value = number(cell)
            else:
                text = _text(cell)
                value = 0.0 if text in ("-", "–") else float(text)
            if value is not None and thousands:
                value = round(value * 1000)
            out[year][regencies[name]] = value
    return out


def bps_values(raw: Path, indicator: str, provinces) -> dict[str, dict[str, float | None]]:
    """Year -> Kemendagri code -> value over every file of `bps/<indicator>/`; a (year, regency)
    given twice fails."""
    names = {r.short_name.casefold(): r.kemendagri_code for p in provinces for r in p.regencies}
    names.update({n.replace("gunungkidul", "gunung kidul"): c for n, c in names.items()})
    merged: dict[str, dict[str, float | None]] = {}
    for path in sorted((raw / "bps" / indicator).iterdir()):
        for year, values in bps_table(path, names).items():
            overlap = set(merged.setdefault(year, {})) & set(values)
            assert not overlap, f"{path.name}: {indicator} {year} again for {sorted(overlap)[:3]}"
            merged[year].update(values)
    return merged


def digests(folder: Path, *, xlsx_content: bool = False) -> dict[str, str]:
    """sha256 per file; with `xlsx_content`, of an xlsx's unpacked members instead, so that
    another zlib build compressing the same content differently does not count."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        if xlsx_content and path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for name in sorted(book.namelist()):
                    digest.update(name.encode() + book.read(name))
        else:
            digest.update(path.read_bytes())
        out[str(path.relative_to(folder))] = digest.hexdigest()
    return out


# ---- the reference calculator --------------------------------------------------------------

def test_reference_reproduces_sabu_raijua_2024():
    result = score(SABU_2024, 2024)
    assert tuple(f"{u:.4f}" for u in result.uplm) == SABU_PUBLISHED_UPLM
    assert result.iplm == 45.52
    # rounding only at the end matters: the mean of the 4-decimal UPLM gives 45,53
    assert iplm_from_uplm(float(u) for u in SABU_PUBLISHED_UPLM) == 45.53


def test_2022_method_is_uncapped():
    sukoharjo = (0.002825, 2.269653, 0.003088, 0.015690, 2.036810, 0.027581, 0.673794)
    assert iplm_from_uplm(sukoharjo) == 71.85
    # inputs that give exactly these ratios
    p, libraries = 1_000_000, 2825
    inputs = Inputs(P=p, K=1_000_000, L=libraries, C=sukoharjo[1] * 2 * p,
                    T=sukoharjo[2] * p / 2500, V=sukoharjo[3] * 0.02 * p,
                    S=sukoharjo[4] * 0.2239 * libraries, A=sukoharjo[5] * 0.02 * p,
                    M=sukoharjo[6] * 0.02 * p)
    assert score(inputs, 2022).iplm == 71.85
    assert uplm(inputs, 2022)[1] == pytest.approx(2.269653)
    assert uplm(inputs, 2024)[1] == 1.0


def test_pooled_not_averaged_and_zero_standard():
    small = Inputs(K=10, L=10)
    large = Inputs(K=1000, L=100)
    assert uplm(pool([small, large]), 2024)[0] == pytest.approx(110 / 1010)
    assert uplm(Inputs(P=1000, L=0, S=0), 2024)[4] == 0.0  # no libraries: SNP standard 0
    with pytest.raises(ValueError, match="no IPLM method"):
        uplm(SABU_2024, 2026)


# ---- the generator --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_same_seed_same_bytes_other_seed_differs(tmp_path, fmt):
    args = {"year": 2024, "scale": 0.1, "fmt": fmt, "provinces": ["DI Yogyakarta"]}
    generate_country(tmp_path / "a", seed=7, **args)
    generate_country(tmp_path / "b", seed=7, **args)
    generate_country(tmp_path / "c", seed=8, **args)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a") != digests(tmp_path / "c")
    if fmt == "xlsx":  # no save time leaks into the workbook
        for path in (tmp_path / "a").rglob("*.xlsx"):
            with zipfile.ZipFile(path) as book:
                assert {i.date_time for i in book.infolist()} == {(2024, 1, 1, 0, 0, 0)}
                assert b"2024-01-01T00:00:00Z" in book.read("docProps/core.xml")


def test_layout_and_bookkeeping(tmp_path):
    summary = generate_country(tmp_path, 2023, scale=0.05, seed=3, provinces=["53", "34"], layouts="classic")
    provinces = load_provinces(["53", "34"])
    for indicator in INDICATORS:
        files = sorted((tmp_path / "bps" / indicator).iterdir())
        assert {f.name.removeprefix(indicator + "_")[:2] for f in files} == {"34", "53"}
        for f in files:
            column = bps_column(f, 2021)  # the reference year of IPLM 2023
            assert len(column) in (5, 22)
            assert all(v is not None and v >= 0 for v in column.values())

    exports = sorted((tmp_path / "perpustakaan" / "2023").iterdir())
    assert len(exports) >= 4  # several files per province
    valid = total = 0
    for path in exports:
        header, rows = read_table(path, is_export_header)
        assert sorted(str(h).strip().casefold() for h in header) == sorted(
            c.casefold() for c in COLUMNS)
        names = [str(h).strip().casefold() for h in header]
        for row in rows:
            total += 1
            npp = str(row[names.index("npp")] or "").strip().upper()
            valid += bool(NPP.match(npp)) and npp[:4] in REGENCY_PREFIXES
    counts = summary.library_rows
    assert set(JUNK_REASONS) | set(DUPLICATE_REASONS) | {"footer_row", "kept"} == set(counts)
    assert total == summary.rows_written["perpustakaan"] == sum(counts.values())
    bad_npp = sum(counts[r] for r in ("npp_missing", "npp_malformed", "unknown_region",
                                      "footer_row"))
    assert valid == total - bad_npp

    kept = kept_libraries(tmp_path / "perpustakaan" / "2023")
    expected = summary.expected_frame()
    regencies = expected[expected["level"] == "regency"]
    assert len(regencies) == 27 and len(expected) == 27 + 2 + 1
    assert len(kept) == regencies["L"].sum() == summary.national.score.inputs.L
    for r in (r for p in provinces for r in p.regencies):
        area = summary.regencies[r.bps_code].score.inputs
        mine = kept[kept["npp"].str[:4] == r.npp_prefix]
        assert len(mine) == area.L
        assert mine["jumlah koleksi eksemplar"].sum() == area.C
        assert mine["rata-rata kunjungan per hari"].sum() == area.V
        assert int(mine["snp"].sum()) == area.S

    header, rows = read_table(next((tmp_path / "terbitan" / "2023").iterdir()),
                              lambda r: bool(r) and r[0] == "PROVINSI/KAB/ KOTA")
    assert [str(h) for h in header][1:] == [f"UPLM{k}" for k in range(1, 8)] + ["SKOR IPLM"]
    labels = [r[0] for r in rows]
    assert "PROVINSI/KAB/ KOTA" in labels  # the header repeats on a later page
    assert {"PROVINSI NUSA TENGGARA TIMUR", "Kab. Sabu Raijua", "Kota Kupang",
            "INDONESIA"} <= set(labels)
    national = rows[labels.index("INDONESIA")]
    assert number(national[-1]) == summary.national.score.iplm


def test_libraries_keep_their_npp_across_years(tmp_path):
    for year in (2023, 2024):
        generate_country(tmp_path / str(year), year, scale=0.05, provinces=["34"], messy=False)
    npps = {year: set(kept_libraries(tmp_path / str(year) / "perpustakaan" / str(year))["npp"])
            for year in (2023, 2024)}
    assert npps[2023] and npps[2023] < npps[2024]  # nobody leaves the register, some join


def test_tiny_generation_writes_every_source(tmp_path):
    summary = generate_country(tmp_path, 2025, scale=0.05, fmt="xlsx", provinces=["53"], layouts="classic")
    sources = {f.source for f in summary.files}
    assert sources == {"bps", "perpustakaan", "terbitan"}
    assert sum(f.source == "bps" for f in summary.files) == len(INDICATORS)
    assert all((tmp_path / f.path).stat().st_size > 0 for f in summary.files)
    assert len(summary.regencies) == 22 and list(summary.provinces) == ["53"]
    assert summary.region_text_mismatches >= 1


@pytest.mark.parametrize("layouts,fmt", [("real", "csv"), ("mixed", "xlsx"), ("classic", "csv")])
def test_bps_layouts_hold_the_registry_columns(tmp_path, layouts, fmt):
    # Whatever the layouts, the files give every regency the BPS inputs the reference used, in the
    # columns the method registry names (population 2023, the others 2022 for IPLM 2024).
    from iplm_pipeline.methodology import get_method

    summary = generate_country(tmp_path, 2024, scale=0.02, seed=5, fmt=fmt, provinces=["53", "34", "75"],
                               layouts=layouts)
    provinces = load_provinces(["53", "34", "75"])
    periods = get_method(2024).bps_periods
    assert periods["penduduk"] == "2023"
    files = {p.name for p in (tmp_path / "bps").rglob("*.*")}
    national = any("Kelompok Umur" in f for f in files)
    assert national == (layouts != "classic")
    if layouts == "real":
        assert not any(re.match(r"^[a-z_]+_\d{2}_", f) for f in files)  # no classic table left
    values = {i: bps_values(tmp_path, i, provinces) for i in INDICATORS}
    for p in provinces:
        for r in p.regencies:
            got = {i: values[i][periods[i]][r.kemendagri_code] for i in INDICATORS}
            inputs = summary.regencies[r.bps_code].score.inputs
            assert got["penduduk"] == inputs.P
            assert got["desa_kelurahan"] + got["sekolah"] + got["perguruan_tinggi"] == inputs.K
            assert got["murid"] + got["guru"] == inputs.CS
            assert got["mahasiswa"] + got["dosen"] == inputs.CA


# ---- the bundled sample ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "scripts" / "build_sample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    try:
        spec.loader.exec_module(module)
        out = tmp_path_factory.mktemp("sample")
        module.build(out)
    finally:
        del sys.modules[spec.name]
    return out


def test_sample_is_reproducible_and_up_to_date(sample_dir):
    # data/raw is what build_sample.py writes, byte for byte, at any time it runs
    assert digests(sample_dir, xlsx_content=True) == digests(ROOT / "data" / "raw", xlsx_content=True)


SAMPLE_PROVINCES = load_provinces(["34", "53"])
REAL_NATIONAL = ROOT / "tests" / "fixtures" / "real" / "bps" / (
    "Jumlah Penduduk menurut Kabupaten_Kota dan Kelompok Umur, 2022 (excerpt).csv")


def test_sample_bps_has_every_registry_column_in_all_four_layouts(sample_dir):
    from iplm_pipeline.methodology import get_method

    bps = sample_dir / "bps"
    values = {i: bps_values(sample_dir, i, SAMPLE_PROVINCES) for i in INDICATORS}
    codes = {r.kemendagri_code for p in SAMPLE_PROVINCES for r in p.regencies}
    for year in (2022, 2023, 2024):
        for indicator, period in get_method(year).bps_periods.items():
            assert set(values[indicator].get(period, {})) == codes, (year, indicator, period)
            assert all(v is not None for v in values[indicator][period].values()), (year, indicator)
    assert {"2019", "2020", "2021", "2022", "2023"} <= set(values["penduduk"])
    population = [p.name for p in (bps / "penduduk").iterdir()]
    # national table (real), dynamic-table export, flattened export (year in the name only), classic
    assert "Jumlah Penduduk menurut Kabupaten_Kota dan Kelompok Umur, 2022.csv" in population
    assert "Jumlah Penduduk Menurut Kabupaten_Kota di Provinsi Nusa Tenggara Timur, 2023.csv" in population
    assert any(p.startswith("Penduduk, Laju Pertumbuhan") and p.endswith(", 2023.csv") for p in population)
    assert {"penduduk_53_nusa_tenggara_timur.csv", "penduduk_34_daerah_istimewa_yogyakarta.xlsx"} <= set(population)
    ntt_2023 = bps / "penduduk" / "Jumlah Penduduk Menurut Kabupaten_Kota di Provinsi Nusa Tenggara Timur, 2023.csv"
    dynamic = read_any(ntt_2023)
    assert [dynamic[0][0], dynamic[1][0], dynamic[2][1:4], dynamic[3][1:4]] == [
        "Kabupaten/Kota", "", ["Laki-Laki", "Perempuan", "Jumlah"], ["2023"] * 3]
    assert dynamic[4][0] == "Provinsi Nusa Tenggara Timur"  # the province row first
    assert ntt_2023.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, as bps.go.id writes it


def test_sample_real_bps_totals(sample_dir):
    bps = sample_dir / "bps"
    population = bps_values(sample_dir, "penduduk", SAMPLE_PROVINCES)
    ntt = [r.kemendagri_code for r in SAMPLE_PROVINCES[1].regencies]
    diy = [r.kemendagri_code for r in SAMPLE_PROVINCES[0].regencies]
    # 2022: BPS's real national table, unchanged
    national = bps / "penduduk" / "Jumlah Penduduk menurut Kabupaten_Kota dan Kelompok Umur, 2022.csv"
    assert national.read_bytes() == REAL_NATIONAL.read_bytes()
    assert (population["2022"]["53.20"], population["2022"]["53.07"]) == (91_877, 330_429)
    assert sum(population["2022"][c] for c in ntt) == 5_481_790
    assert sum(population["2022"][c] for c in diy) == 3_712_568
    # 2023 (what IPLM 2024 takes): Sabu Raijua, Sikka and the NTT total are real
    assert (population["2023"]["53.20"], population["2023"]["53.07"]) == (93_330, 335_360)
    assert sum(population["2023"][c] for c in ntt) == 5_569_068
    assert all(population["2023"][c] % 100 == 0 for c in diy)  # the flattened export: Ribu, 1 decimal
    values = {i: bps_values(sample_dir, i, SAMPLE_PROVINCES)["2022"] for i in INDICATORS}
    assert sum(values[i]["53.20"] for i in ("desa_kelurahan", "sekolah", "perguruan_tinggi")) == 208
    assert values["murid"]["53.20"] + values["guru"]["53.20"] == 26_344
    assert values["mahasiswa"]["53.20"] + values["dosen"]["53.20"] == 0
    assert sum(values[i][c] for i in ("desa_kelurahan", "sekolah", "perguruan_tinggi") for c in ntt) == 12_786
    # DIY's 2022 school total is planted 3 above the sum of its regency rows
    header, rows = read_table(next((bps / "sekolah").glob("sekolah_34_*")),
                              lambda r: bool(r) and r[0] in ("Kabupaten/Kota", "Wilayah"))
    aggregate = next(r for r in rows if r[0] == "Jumlah")
    assert number(aggregate[header.index("2022")]) == sum(values["sekolah"][c] for c in diy) + 3


def test_sample_real_library_totals(sample_dir):
    kept = kept_libraries(sample_dir / "perpustakaan" / "2024")
    sabu = kept[kept["npp"].str.startswith("5320")]
    assert len(sabu) == 98
    assert sabu["type"].value_counts().to_dict() == {"sekolah": 73, "umum": 25}
    assert sabu["jumlah koleksi eksemplar"].sum() == 74_669
    assert (sabu["jumlah pustakawan"] + sabu["jumlah tenaga teknis perpustakaan"]).sum() == 33
    assert sabu["rata-rata kunjungan per hari"].sum() == 105
    assert sabu["snp"].sum() == 8
    assert sabu["jumlah keterlibatan masyarakat"].sum() == 20
    assert sabu["jumlah anggota"].sum() == 31_725
    assert kept["npp"].str.startswith("53").sum() == 5_410


def test_sample_published_rows(sample_dir):
    header, rows = read_table(sample_dir / "terbitan" / "2024" / "tabel44_rekapitulasi_uplm_2024.csv",
                              lambda r: bool(r) and r[0] == "PROVINSI/KAB/ KOTA")
    table = {r[0]: r[1:] for r in rows if r[0] != "PROVINSI/KAB/ KOTA"}
    assert len(rows) > len(table)  # the header repeats mid-file
    assert table["Kab. Sabu Raijua"] == [u.replace(".", ",") for u in SABU_PUBLISHED_UPLM] + ["45,52"]
    assert table["PROVINSI NUSA TENGGARA TIMUR"][0] == "0,4189"
    assert "INDONESIA" in table and not any("Yogyakarta" in label for label in table)  # DIY: Satu Data
    # within a published row, 100 x mean(4-decimal UPLM) and the IPLM differ by at most 0,01,
    # except the planted publication error
    gaps = {label: abs(iplm_from_uplm(number(v) for v in values[:7]) - number(values[7]))
            for label, values in table.items()}
    assert {label for label, gap in gaps.items() if gap > 0.0101} == {"Kab. Ende"}


def test_sample_open_data_tables(sample_dir):
    # Satu Data, IPLM only, DIY 2024: BPS codes with the province as 3400, names in full
    rows = read_any(sample_dir / "terbitan" / "2024" / "satu_data_iplm_kabupaten_kota_diy_2024.csv")
    assert rows[0] == ["kode_provinsi_kabupaten_kota", "nama_provinsi_kabupaten_kota", "iplm", "satuan",
                       "kategori", "tahun"]
    assert [r[0] for r in rows[1:]] == ["3400", "3401", "3402", "3403", "3404", "3471"]
    assert rows[2][1] == "Kabupaten Kulon Progo" and {r[3] for r in rows[1:]} == {"Poin"}
    # data.go.id 2023 (parked: not read by the pipeline): Kemendagri codes as numbers, 6 decimals
    rows = read_any(sample_dir / "terbitan" / "2023" / "iplm_2023_kabkota_data_go_id.csv")
    assert rows[0][:7] == ["No.", "Prov", "Kodprov", "Kabkot (Kabkot)", "Kodkabkot", "Lat", "Long"]
    sabu = next(r for r in rows if r[3] == "Kab. Sabu Raijua")
    assert sabu[2] == "53" and sabu[4] == "53.2"
    assert all(re.match(r"^\d\.\d{6}$", v) for v in sabu[7:14]) and re.match(r"^\d+\.\d{6}$", sabu[14])
    assert abs(sum(float(v) for v in sabu[7:14]) / 7 * 100 - float(sabu[14])) < 0.0000505  # rounding only
    assert rows[-1][1] == "Nasional" and "Nusa Tenggara\nTimur" in [r[1] for r in rows]
