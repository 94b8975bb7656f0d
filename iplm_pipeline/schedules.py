"""The yearly job and its annual schedule (off by default; see README "Scheduled runs")."""

from __future__ import annotations

import dagster as dg

from iplm_pipeline import config
from iplm_pipeline.methodology import load_registry
from iplm_pipeline.resources import has_library_exports, library_folder

# Every asset, one IPLM year (or a range) per run. In-process: the multiprocess executor costs
# ~14 s per run on a 2-core machine for a graph this small, and the steps share one DuckDB build file.
iplm_year_job = dg.define_asset_job(
    "iplm_year",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest, validate, compute and publish the marts for one IPLM year.",
)


@dg.schedule(job=iplm_year_job, cron_schedule="0 6 1 7 *", execution_timezone="Asia/Jakarta",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="1 July each year: run the previous IPLM year once its library exports are in "
                         "`data/raw/perpustakaan/<year>/` and its method is registered.")
def annual_schedule(context: dg.ScheduleEvaluationContext):
    year = context.scheduled_execution_time.year - 1
    if year not in load_registry().years:
        return dg.SkipReason(f"IPLM {year} has no registered method in methodology.toml; register it first.")
    if not has_library_exports(config.raw_dir(), year):
        return dg.SkipReason(f"No library exports in {library_folder(config.raw_dir(), year)} yet.")
    return dg.RunRequest(run_key=f"iplm-{year}", partition_key=str(year))
