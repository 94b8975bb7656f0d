"""BPS indicator tables -> `staging.bps_values` (values of each IPLM year's BPS reference year)."""


import time

import dagster as dg

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.corrections import load_corrections
from iplm_pipeline.methodology import get_method
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import write_source_year

from .ingest import load_bps_year


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
            loaded = load_bps_year(iplm.raw, year, bps_year, load_regions(), load_corrections(iplm.raw))
            write_source_year(con, "bps", year, {"staging.bps_values": loaded.values,
                                                 "staging.bps_tables": loaded.tables}, loaded)
            provinces = {t.province.short_name for t in loaded.parsed}
            counts[year] = len(loaded.values)
            report(context, f"[{year}] bps_indicators: {len(loaded.parsed)} tables (BPS {bps_year}) for "
                            f"{len(provinces)} province(s), {len(loaded.values)} rows kept, "
                            f"{len(loaded.quarantine)} footnotes ({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", asset_key="bps_indicators",
                          source="bps", years=years)
    return dg.MaterializeResult(
        metadata={"rows_by_year": dg.MetadataValue.json({str(k): v for k, v in counts.items()})},
        check_results=[check])
