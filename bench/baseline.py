"""Bare baseline for bench/run.py: the least work that turns a raw IPLM 2024 folder into every
regency's IPLM. A yardstick for the pipeline's overhead, not a second implementation.

    .venv/bin/python bench/baseline.py RAW_DIR [--out scores.csv]

Reads perpustakaan/2024/*: CSV per file with DuckDB read_csv from the line holding `NPP`
(Windows-1252 files are decoded in Python and handed to DuckDB as UTF-8), XLSX with
python-calamine (sheet `Data Perpustakaan` if present); and bps/<indicator>/* with the csv
module or calamine (header row `Kabupaten/Kota`/`Wilayah`, the 2022 column (population: 2023), `Ribu` = x1000,
names matched within the title's province). Then ONE DuckDB query computes every regency's
IPLM: libraries by the NPP's first four digits (Kemendagri code) -> BPS code through
iplm_pipeline/reference/regions.csv, seven UPLM capped at 1, IPLM = round(100 x mean, 2).

SKIPS, on purpose: validation and quarantine (malformed NPPs, negative or non-numeric counts,
unknown library types count as they come; a row whose NPP prefix is no regency drops out in
the join), dedupe (duplicates and re-downloaded rows count twice), region-text checks,
corrections, published tables and reconciliation, BPS aggregate checks and not-available
markers (an unparsable value is skipped), ledgers, Dagster, pandas, publishing.
Prints the number of regencies scored and its wall time.
"""

import argparse
import csv
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

YEAR, BPS_YEAR = 2024, 2022
# the columns iplm_pipeline/reference/methodology.toml takes for IPLM 2024: population 2023, else 2022
BPS_YEARS = {"penduduk": 2023}
REGIONS = Path(__file__).resolve().parent.parent / "iplm_pipeline" / "reference" / "regions.csv"
FIELDS = {"npp": "npp", "jumlah koleksi eksemplar": "copies", "jumlah pustakawan": "librarians",
          "jumlah tenaga teknis perpustakaan": "technicians", "rata-rata kunjungan per hari": "visits",
          "dibina sesuai snp": "snp", "jumlah keterlibatan masyarakat": "participation",
          "jumlah anggota": "members"}
NUM_MACRO = "CREATE MACRO num(x) AS coalesce(TRY_CAST(replace(replace(trim(x), '.', ''), ',', '.') AS DOUBLE), 0)"
IPLM_SQL = """
WITH regions AS (SELECT kemendagri_code, bps_code FROM read_csv(?, all_varchar=true) WHERE level = 'regency'),
lib AS (
    SELECT r.bps_code, count(*) AS L, sum(num(copies)) AS C, sum(num(librarians) + num(technicians)) AS T,
           sum(num(visits)) AS V, count(*) FILTER (upper(trim(snp)) IN ('YA', 'Y')) AS S,
           sum(num(participation)) AS A, sum(num(members)) AS M
    FROM libraries JOIN regions r ON r.kemendagri_code = substr(trim(npp), 1, 2) || '.' || substr(trim(npp), 3, 2)
    GROUP BY 1
), bps AS (
    SELECT bps_code, sum(value) FILTER (indicator = 'penduduk') AS P,
           sum(value) FILTER (indicator IN ('desa_kelurahan', 'sekolah', 'perguruan_tinggi')) AS K
    FROM bps_values GROUP BY 1
), u AS (
    SELECT bps_code, least(1, coalesce(L, 0) / K) AS u1, least(1, coalesce(C, 0) / (2 * P)) AS u2,
           least(1, coalesce(T, 0) / (P / 2500)) AS u3, least(1, coalesce(V, 0) / (0.02 * P)) AS u4,
           coalesce(least(1, S / (0.2239 * L)), 0) AS u5, least(1, coalesce(A, 0) / (0.02 * P)) AS u6,
           least(1, coalesce(M, 0) / (0.02 * P)) AS u7
    FROM bps LEFT JOIN lib USING (bps_code)
)
SELECT bps_code, round(100 * (u1 + u2 + u3 + u4 + u5 + u6 + u7) / 7, 2) AS iplm FROM u ORDER BY 1
"""


def decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def xlsx_rows(path: Path) -> list[list]:
    book = CalamineWorkbook.from_path(str(path))
    name = "Data Perpustakaan" if "Data Perpustakaan" in book.sheet_names else book.sheet_names[0]
    return book.get_sheet_by_name(name).to_python()


def csv_select(path: Path, tmp: Path) -> str:
    """One export file as a SELECT of the needed columns (VARCHAR). The header is the first line
    holding `NPP`; its names and separator are read here, so DuckDB sniffs nothing."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Windows-1252: hand DuckDB UTF-8
        text, path = data.decode("cp1252"), tmp / path.name
        path.write_text(text, encoding="utf-8", newline="")
    lines = text[:20000].splitlines()
    skip = next(i for i, line in enumerate(lines) if "npp" in line.lower())
    sep = ";" if lines[skip].count(";") > lines[skip].count(",") else ","
    header = next(csv.reader([lines[skip]], delimiter=sep))
    names = [FIELDS.get(h.strip().lower(), f"unused{i}") for i, h in enumerate(header)]
    return (f"SELECT {', '.join(FIELDS.values())} FROM read_csv('{path}', skip={skip}, header=true, "
            f"names={names}, delim='{sep}', quote='\"', escape='\"', all_varchar=true)")


def xlsx_table(path: Path) -> pa.Table:
    """The needed columns as Indonesian-number text, so that both formats share one query."""
    rows = xlsx_rows(path)
    head = next(i for i, r in enumerate(rows) if any(str(c).strip().upper() == "NPP" for c in r))
    index = {str(c).strip().lower(): j for j, c in enumerate(rows[head])}
    return pa.table({v: [str(r[index[k]]).replace(".", ",") if isinstance(r[index[k]], float) else str(r[index[k]])
                         for r in rows[head + 1:]] for k, v in FIELDS.items()})


def bps_table(raw: Path) -> pa.Table:
    """(bps_code, indicator, value): the BPS_YEARS (else BPS_YEAR) cell of every row naming a regency,
    from classic tables (`iplm synth --layouts classic`)."""
    regions = list(csv.DictReader(REGIONS.open(encoding="utf-8")))
    provinces = {r["short_name"].casefold(): r["kemendagri_code"] for r in regions if r["level"] == "province"}
    names = {(r["province_kemendagri_code"], label.casefold()): r["bps_code"]
             for r in regions if r["level"] == "regency"
             for label in (r["name"], r["short_name"], f"Kab. {r['short_name']}", *r["aliases"].split("|"))}
    out = {"bps_code": [], "indicator": [], "value": []}
    for path in sorted(raw.glob("bps/*/*")):
        if path.suffix == ".xlsx":
            rows = xlsx_rows(path)
        else:
            text = decoded(path.read_bytes())
            sep = re.search(r'^"?(?:kabupaten/kota|wilayah)"?([;,])', text, re.I | re.M).group(1)
            rows = list(csv.reader(text.splitlines(), delimiter=sep))
        head = next(i for i, r in enumerate(rows) if r and str(r[0]).strip().lower() in ("kabupaten/kota", "wilayah"))
        factor = 1000 if any("ribu" in str(c).lower() for r in rows[:head + 1] for c in r) else 1
        year = BPS_YEARS.get(path.parent.name, BPS_YEAR)
        col = [str(c).removesuffix(".0") for c in rows[head]].index(str(year))
        province = provinces[re.search(r"di Provinsi (.+)$", str(rows[0][0])).group(1).strip().casefold()]
        for r in rows[head + 1:]:
            code = names.get((province, str(r[0]).strip().casefold())) if len(r) > col else None
            cell = r[col] if code else None
            if isinstance(cell, str):
                cell = "0" if cell.strip() in ("-", "–") else cell.replace(".", "").replace(",", ".")
            try:
                out["value"].append(round(float(cell) * factor))
            except (TypeError, ValueError):
                continue
            out["bps_code"].append(code)
            out["indicator"].append(path.parent.name)
    return pa.table(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--out", type=Path, help="also write bps_code,iplm per regency to this CSV")
    args = parser.parse_args()
    started = time.perf_counter()
    con = duckdb.connect()
    files = sorted((args.raw_dir / "perpustakaan" / str(YEAR)).iterdir())
    with tempfile.TemporaryDirectory() as tmp:
        selects = [csv_select(p, Path(tmp)) for p in files if p.suffix == ".csv"]
        xlsx = [xlsx_table(p) for p in files if p.suffix == ".xlsx"]
        if xlsx:
            xlsx_libraries = pa.concat_tables(xlsx)  # noqa: F841 (DuckDB scans it by name)
            selects.append("SELECT * FROM xlsx_libraries")
        con.execute("CREATE TABLE libraries AS " + " UNION ALL BY NAME ".join(selects))
    bps_arrow = bps_table(args.raw_dir)  # noqa: F841
    con.execute("CREATE TABLE bps_values AS FROM bps_arrow")
    con.execute(NUM_MACRO)
    scores = con.execute(IPLM_SQL, [str(REGIONS)]).fetchall()
    if args.out:
        args.out.write_text("bps_code,iplm\n" + "".join(f"{c},{'' if v is None else v}\n" for c, v in scores))
    scored = sum(v is not None for _, v in scores)
    print(f"regencies scored: {scored}  wall: {time.perf_counter() - started:.2f} s")
    return 0 if scored else 1


if __name__ == "__main__":
    sys.exit(main())
