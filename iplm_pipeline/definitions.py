"""The one Dagster Definitions object: every source's assets, the yearly job, schedule, resources.

`dagster dev` / `dg dev` load this module (pyproject: [tool.dagster]); the `iplm` CLI runs the
same job in-process.
"""

from __future__ import annotations

import dagster as dg

from iplm_pipeline.defs.bps.assets import bps_indicators
from iplm_pipeline.defs.marts.analytics import iplm_targets, tpbis_comparison
from iplm_pipeline.defs.marts.assets import (
    data_completeness,
    iplm_scores,
    library_region_mismatches,
    reconciliation,
)
from iplm_pipeline.defs.marts.publish import marts_file
from iplm_pipeline.defs.perpustakaan.assets import library_registrations
from iplm_pipeline.defs.terbitan.assets import published_scores
from iplm_pipeline.resources import IplmResource
from iplm_pipeline.schedules import annual_schedule, iplm_year_job

ASSETS = [bps_indicators, library_registrations, published_scores, iplm_scores, data_completeness,
          reconciliation, library_region_mismatches, iplm_targets, tpbis_comparison, marts_file]

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[iplm_year_job],
    schedules=[annual_schedule],
    resources={"iplm": IplmResource()},
    # Also for runs launched from the UI: the steps share one build file, whose owner
    # (for stale-build cleanup) is the run's process, and a process per step costs ~14 s here.
    executor=dg.in_process_executor,
)
