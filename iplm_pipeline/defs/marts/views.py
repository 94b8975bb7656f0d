"""Views over the marts (CREATE VIEW in sql/schema/marts.sql): no rows of their own, so this step
only reports what they show for the run's years once the tables below them are built."""

import dagster as dg

from iplm_pipeline.catalog import row_count_metadata, rows_per_year, table_spec
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.resources import IplmResource, report, skipped_years

VIEWS = {
    "iplm_regency_completeness": ["iplm_regency", "data_completeness"],
    "iplm_province_completeness": ["iplm_province", "data_completeness"],
    "iplm_detail": ["iplm_regency", "iplm_province", "iplm_national", "data_completeness", "methodology_applied"],
    "iplm_trends": ["iplm_regency", "iplm_province", "iplm_national", "methodology_applied"],
}


@dg.multi_asset(
    specs=[table_spec(view, group="marts", deps=deps) for view, deps in VIEWS.items()],
    partitions_def=year_partitions,
    backfill_policy=single_run,
    can_subset=True,
)
def mart_views(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = iplm.years(context)
    views = [view for view in VIEWS if dg.AssetKey(view) in context.selected_asset_keys]
    with iplm.connect(context) as con:
        rows = {view: rows_per_year(con, view, years) for view in views}
    for year in years:
        report(context, f"[{year}] mart_views: " + ", ".join(f"{view} {rows[view][year]} rows" for view in views))
    for view in views:
        yield dg.MaterializeResult(asset_key=view,
                                   metadata=row_count_metadata(rows[view], skipped_years(context, years)))
