"""IPLM years as partitions: exactly the years with a registered method (methodology.toml)."""

import dagster as dg

from iplm_pipeline.methodology import load_registry

year_partitions = dg.StaticPartitionsDefinition([str(y) for y in load_registry().years])
# A range of years runs as one run: one build file, one publish, no lock contention.
single_run = dg.BackfillPolicy.single_run()
