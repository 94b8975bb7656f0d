"""Published report tables -> `staging.published` (one row per year and published area)."""


import time

import dagster as dg

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.corrections import load_corrections
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import write_source_year

from .ingest import load_published_year


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
            loaded = load_published_year(iplm.raw, year, regions, load_corrections(iplm.raw))
            write_source_year(con, "terbitan", year, {"staging.published": loaded.rows}, loaded)
            counts[str(year)] = len(loaded.rows)
            report(context, f"[{year}] published_scores: {len(loaded.ledger)} table(s), {len(loaded.rows)} published "
                            f"areas ({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", asset_key="published_scores",
                          source="terbitan", years=years)
    return dg.MaterializeResult(metadata={"areas_by_year": dg.MetadataValue.json(counts)},
                                check_results=[check])
