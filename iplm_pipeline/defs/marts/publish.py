"""Publishing: the run's build file becomes `data/marts/iplm.duckdb` (see warehouse.py)."""


import time

import dagster as dg
import duckdb

from iplm_pipeline.catalog import OWNERS, markdown, stage_tags, table_spec
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.resources import IplmResource, report

# Everything the marts file holds: publishing waits for all of it.
PUBLISHED_ASSETS = ["bps", "perpustakaan", "terbitan", "iplm_regency",
                    "iplm_province", "iplm_national", "data_completeness", "reconciliation",
                    "library_region_mismatches", "iplm_regency_completeness", "iplm_province_completeness",
                    "iplm_detail", "quarantine", "source_files", "corrections_applied", "quarantine_summary",
                    "regions", "methodology", "methodology_elements", "methodology_bands", "methodology_bps_columns",
                    "iplm_scores", "methodology_applied",
                    "iplm_targets", "tpbis_comparison"]


@dg.multi_asset(
    specs=[dg.AssetSpec("marts_file", group_name="publish", deps=PUBLISHED_ASSETS, kinds={"duckdb"},
                        owners=OWNERS, tags=stage_tags("publish"),
                        description=markdown(
                            "The marts file analysts read (`data/marts/iplm.duckdb`): this run's years replace "
                            "their rows, other years are carried over, and the new file is renamed over the old "
                            "one so readers are never blocked. The replaced file is kept as "
                            "`iplm.previous.duckdb`.")),
           # What this publish changed against the file it replaced (release.py), written while publishing.
           table_spec("release_changes", group="publish")],
    partitions_def=year_partitions,
    backfill_policy=single_run,
    pool="iplm_marts_publish",
    can_subset=False,
)
def marts_file(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = iplm.years(context)
    started = time.perf_counter()
    warehouse = iplm.warehouse
    path = warehouse.publish(context.run.run_id, years, log=lambda m: report(context, m))
    report(context, f"[{', '.join(map(str, years))}] marts_file: published {path} "
                    f"({time.perf_counter() - started:.1f} s)")
    yield dg.MaterializeResult(asset_key="marts_file", metadata={"path": dg.MetadataValue.path(str(path)),
                                                                 "size_bytes": path.stat().st_size})
    with duckdb.connect(str(path), read_only=True) as con:
        changes = con.execute("SELECT count(*) FROM release_changes").fetchone()[0]
    yield dg.MaterializeResult(asset_key="release_changes",
                               metadata={"dagster/row_count": dg.MetadataValue.int(changes)})
