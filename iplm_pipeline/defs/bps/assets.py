"""BPS indicator tables -> `staging.bps_values` (values of each IPLM year's BPS reference year)."""


import time

import dagster as dg
import pandas as pd

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.ledger import file_sha256, relative_name
from iplm_pipeline.methodology import get_method
from iplm_pipeline.parsing import list_source_files
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import replace_rows

from .ingest import INDICATORS, BpsTable, read_bps_table


def load_bps_year(raw, bps_year: int) -> list[BpsTable]:
    """Every indicator table under `raw/bps`, read for one BPS reference year."""
    folder = raw / "bps"
    if folder.is_dir():
        unknown = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in INDICATORS)
        if unknown:
            raise SourceError(Location(folder), f"unknown indicator folder(s) {', '.join(unknown)}",
                              f"only {', '.join(INDICATORS)}",
                              "Rename the folder to the indicator it holds (SOURCES.md §1).")
    regions = load_regions()
    tables = [read_bps_table(path, indicator, bps_year, regions, relative_name(path, raw))
              for indicator in INDICATORS for path in list_source_files(folder / indicator)]
    seen: dict[tuple[str, str], BpsTable] = {}
    for t in tables:
        if bps_year not in t.years:
            continue
        other = seen.setdefault((t.indicator, t.province.bps_code), t)
        if other is not t:
            raise SourceError(Location(folder / t.indicator), f"two tables give {t.indicator} {bps_year} for "
                              f"{t.province.name}: {other.source_file} and {t.source_file}",
                              "one table per indicator, province and year",
                              "Remove the older download.")
    return tables


def _ledger_rows(year: int, tables: list[BpsTable], raw) -> pd.DataFrame:
    return pd.DataFrame([{
        "year": year, "source": "bps", "source_file": t.source_file, "sheet": t.sheet,
        "sha256": file_sha256(raw / t.source_file), "header_row": t.header_row,
        "rows_read": t.rows_read, "rows_kept": len(t.rows), "rows_quarantined": len(t.footnotes),
        "rows_skipped": t.blank_rows} for t in tables])


def _table_rows(year: int, bps_year: int, tables: list[BpsTable]) -> pd.DataFrame:
    return pd.DataFrame([{
        "year": year, "indicator": t.indicator, "source_file": t.source_file, "sheet": t.sheet,
        "province_bps_code": t.province.bps_code, "province_name": t.province.short_name,
        "bps_year": bps_year, "years_in_table": ", ".join(map(str, t.years)),
        "has_bps_year": bps_year in t.years, "unit_multiplier": t.unit_multiplier,
        "regency_rows": int((~t.rows["is_aggregate"]).sum()),
        "has_aggregate": bool(t.rows["is_aggregate"].any()), "note": "; ".join(t.notes) or None}
        for t in tables])


@dg.asset(
    group_name="bps",
    partitions_def=year_partitions,
    backfill_policy=single_run,
    check_specs=[rows_accounted_spec("bps_indicators")],
    kinds={"duckdb", "python"},
    description="BPS indicator tables (data/raw/bps/<indicator>/) parsed to one row per table row "
                "for the IPLM year's BPS reference year. Grain of staging.bps_values: one row per "
                "(year, indicator, table row); the province aggregate row is flagged, never an input.",
)
def bps_indicators(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = run_years(context)
    counts = {}
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            bps_year = get_method(year).bps_reference_year
            tables = load_bps_year(iplm.raw, bps_year)
            values = pd.concat([t.rows for t in tables], ignore_index=True) if tables else pd.DataFrame()
            notes = pd.concat([t.footnotes for t in tables], ignore_index=True) if tables else pd.DataFrame()
            params = {"year": year}
            replace_rows(con, "staging.bps_values", values.assign(year=year), "year = $year", params)
            replace_rows(con, "staging.bps_tables", _table_rows(year, bps_year, tables), "year = $year", params)
            replace_rows(con, "quarantine", notes.assign(year=year), "year = $year AND source = 'bps'", params)
            replace_rows(con, "source_files", _ledger_rows(year, tables, iplm.raw),
                         "year = $year AND source = 'bps'", params)
            provinces = sorted({t.province.short_name for t in tables})
            counts[year] = len(values)
            report(context, f"[{year}] bps_indicators: {len(tables)} tables (BPS {bps_year}) for "
                            f"{len(provinces)} province(s), {len(values)} rows kept, {len(notes)} "
                            f"footnotes ({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", source="bps", years=years)
    return dg.MaterializeResult(
        metadata={"rows_by_year": dg.MetadataValue.json({str(k): v for k, v in counts.items()})},
        check_results=[check])
