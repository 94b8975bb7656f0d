"""The ledger every source writes (ledger.py): quarantined rows, files read, corrections applied.

Each source asset replaces its own rows of these tables; the tables are complete for a year
once all three sources have run, which is what this step stands for and reports.
"""

import dagster as dg

from iplm_pipeline.catalog import row_count_metadata, rows_per_year, table_spec
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.resources import IplmResource, report, skipped_years

SOURCE_ASSETS = ["bps", "perpustakaan", "terbitan"]
LEDGER_TABLES = ("quarantine", "source_files", "corrections_applied", "quarantine_summary")
LINE = {"source_files": "files read", "quarantine": "rows quarantined", "corrections_applied": "corrections applied"}


@dg.multi_asset(
    specs=[table_spec("quarantine", group="ledger", deps=SOURCE_ASSETS),
           table_spec("source_files", group="ledger", deps=SOURCE_ASSETS),
           table_spec("corrections_applied", group="ledger", deps=SOURCE_ASSETS),
           table_spec("quarantine_summary", group="ledger", deps=["quarantine"])],
    partitions_def=year_partitions,
    backfill_policy=single_run,
    can_subset=True,
)
def ledger(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = iplm.years(context)
    tables = [t for t in LEDGER_TABLES if dg.AssetKey(t) in context.selected_asset_keys]
    with iplm.connect(context) as con:
        rows = {table: rows_per_year(con, table, years) for table in tables}
    for year in years:
        counts = ", ".join(f"{rows[table][year]:,} {LINE[table]}" for table in tables if table in LINE)
        report(context, f"[{year}] ledger: {counts}")
    for table in tables:
        yield dg.MaterializeResult(asset_key=table,
                                   metadata=row_count_metadata(rows[table], skipped_years(context, years)))
