"""IPLM years as partitions: exactly the years with a registered method (methodology.toml)."""

import warnings

import dagster as dg

from iplm_pipeline.catalog import OWNERS, markdown, stage_tags, table_metadata
from iplm_pipeline.methodology import load_registry

year_partitions = dg.StaticPartitionsDefinition([str(y) for y in load_registry().years])
# A range of years runs as one run: one build file, one publish, no lock contention.
single_run = dg.BackfillPolicy.single_run()
# backfill_policy is marked beta; it is what makes a year range one run, so say it once here
# instead of on every import of the definitions.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=dg.BetaWarning)


def yearly_asset(*, group: str, description: str, table: str | None = None, tags: dict[str, str] | None = None,
                 code=(), **kwargs):
    """`dg.asset` partitioned by IPLM year, a year range running as one run, owned by the team.

    `table`: the marts table the asset writes, whose columns the catalog shows; `code`: what
    computes it besides the asset's function (catalog.code_references); `tags` default to stage "marts".
    """
    return dg.asset(group_name=group, partitions_def=year_partitions, backfill_policy=single_run,
                    description=markdown(description), metadata=table_metadata(table, *code) if table else None,
                    owners=OWNERS, tags=tags or stage_tags("marts"), **kwargs)
