"""Publishing: the run's build file becomes `data/marts/iplm.duckdb` (see warehouse.py)."""


import time

import dagster as dg

from iplm_pipeline.partitions import yearly_asset
from iplm_pipeline.resources import IplmResource, report, run_years

PUBLISHED_ASSETS = ["bps_indicators", "library_registrations", "published_scores", "iplm_regency",
                    "iplm_province", "iplm_national", "data_completeness", "reconciliation",
                    "library_region_mismatches", "iplm_targets", "tpbis_comparison"]


@yearly_asset(
    group="marts",
    deps=PUBLISHED_ASSETS,
    kinds={"duckdb"},
    pool="iplm_marts_publish",
    description="The marts file analysts read (data/marts/iplm.duckdb): this run's years replace their "
                "rows, other years are carried over, and the new file is renamed over the old one so "
                "readers are never blocked. The replaced file is kept as iplm.previous.duckdb.",
)
def marts_file(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = run_years(context)
    started = time.perf_counter()
    warehouse = iplm.warehouse
    path = warehouse.publish(context.run.run_id, years, log=lambda m: report(context, m))
    report(context, f"[{', '.join(map(str, years))}] marts_file: published {path} "
                    f"({time.perf_counter() - started:.1f} s)")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)),
                                          "size_bytes": path.stat().st_size})
