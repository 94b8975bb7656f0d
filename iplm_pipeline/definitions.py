"""The one Dagster Definitions object: every asset under defs/, the yearly job, schedule, resources.

`dg dev`, `dg check defs` and `dagster dev` load this module (pyproject: [tool.dg]); the `iplm`
CLI runs the same job in-process. Assets are found in the defs folder (`defs/<source>/assets.py`,
`defs/marts/`, ...), so a new source or mart needs no list here.
"""

from __future__ import annotations

import warnings

import dagster as dg

from iplm_pipeline.config import PROJECT_ROOT
from iplm_pipeline.resources import IplmResource
from iplm_pipeline.schedules import annual_schedule, iplm_year_job


@dg.definitions
def defs() -> dg.Definitions:
    found = dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # code references are beta in 1.13
        # The UI links each asset to the function that computes it.
        assets = dg.with_source_code_references(list(found.assets or []))
    return dg.Definitions.merge(
        dg.Definitions(assets=assets, asset_checks=found.asset_checks),
        dg.Definitions(
            jobs=[iplm_year_job],
            schedules=[annual_schedule],
            resources={"iplm": IplmResource()},
            # Also for runs launched from the UI: the steps share one build file, whose owner
            # (for stale-build cleanup) is the run's process, and a process per step costs ~14 s here.
            executor=dg.in_process_executor,
        ),
    )
