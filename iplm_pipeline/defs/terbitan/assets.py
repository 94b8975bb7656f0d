"""Published report tables -> `staging.published` (one row per year and published area)."""


import time

import dagster as dg
import pandas as pd

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.ledger import file_sha256, quarantine_frame, relative_name
from iplm_pipeline.parsing import list_source_files
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import replace_rows

from .ingest import MEASURES, PublishedTable, read_published_table


def dedupe_published(tables: list[PublishedTable]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per area: the same table saved twice is fine, two different figures are not."""
    rows = pd.concat([t.rows for t in tables], ignore_index=True)
    first = rows.drop_duplicates(["level", "bps_code"], keep="first")
    repeats = rows.drop(index=first.index)
    merged = repeats.merge(first, on=["level", "bps_code"], suffixes=("", "_kept"))
    differs = pd.Series(False, index=merged.index)
    for m in MEASURES:
        differs |= ~((merged[m] == merged[f"{m}_kept"]) | (merged[m].isna() & merged[f"{m}_kept"].isna()))
    if differs.any():
        r = merged[differs].iloc[0]
        raise SourceError(Location(r.source_file, r.sheet, int(r.row_number)),
                          f"'{r.region_text}' is published with other figures in {r.source_file_kept} "
                          f"row {int(r.row_number_kept)}", "each area once per year, or repeated identically",
                          "Keep the table copied from the final report only.")
    quarantine = quarantine_frame(merged.assign(
        reason="duplicate_identical", column_name=None,
        detail=[f"{r.region_text}: same figures kept from {r.source_file_kept} row {int(r.row_number_kept)}"
                for r in merged.itertuples()]), source="terbitan")
    return first.reset_index(drop=True), quarantine


@dg.asset(
    group_name="terbitan",
    partitions_def=year_partitions,
    backfill_policy=single_run,
    check_specs=[rows_accounted_spec("published_scores")],
    kinds={"duckdb", "python"},
    description="Published IPLM report tables (data/raw/terbitan/<year>/): UPLM1-7 and IPLM per area as "
                "printed. Grain of staging.published: one row per (year, level, area). A year without "
                "published tables is allowed (its reconciliation rows are missing_published).",
)
def published_scores(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = run_years(context)
    regions = load_regions()
    counts = {}
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            paths = list_source_files(iplm.raw / "terbitan" / str(year))
            tables = [read_published_table(p, regions, relative_name(p, iplm.raw)) for p in paths]
            if tables:
                rows, duplicates = dedupe_published(tables)
            else:
                rows, duplicates = pd.DataFrame(), quarantine_frame()
            quarantine = pd.concat([*(t.notes for t in tables), duplicates], ignore_index=True)
            ledger = pd.DataFrame([{
                "year": year, "source": "terbitan", "source_file": t.source_file, "sheet": t.sheet,
                "sha256": file_sha256(p), "header_row": t.header_row, "rows_read": t.rows_read,
                "rows_kept": int((rows["source_file"] == t.source_file).sum()) if len(rows) else 0,
                "rows_quarantined": int((quarantine["source_file"] == t.source_file).sum()),
                "rows_skipped": t.blank_rows} for t, p in zip(tables, paths, strict=True)])
            params = {"year": year}
            replace_rows(con, "staging.published", rows.assign(year=year), "year = $year", params)
            replace_rows(con, "quarantine", quarantine.assign(year=year),
                         "year = $year AND source = 'terbitan'", params)
            replace_rows(con, "source_files", ledger, "year = $year AND source = 'terbitan'", params)
            counts[str(year)] = len(rows)
            report(context, f"[{year}] published_scores: {len(tables)} table(s), {len(rows)} published "
                            f"areas ({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", source="terbitan", years=years)
    return dg.MaterializeResult(metadata={"areas_by_year": dg.MetadataValue.json(counts)},
                                check_results=[check])
