"""Dagster resources: where raw files are and the marts warehouse (build + publish)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from iplm_pipeline import config
from iplm_pipeline.warehouse import Warehouse

progress_log = logging.getLogger("iplm.progress")


class IplmResource(dg.ConfigurableResource):
    """Paths default to IPLM_RAW_DIR / IPLM_MARTS_DIR, read when a run starts (not at import)."""

    raw_dir: str = ""
    marts_dir: str = ""

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir).resolve() if self.raw_dir else config.raw_dir()

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(Path(self.marts_dir).resolve() if self.marts_dir else config.marts_dir())

    @contextlib.contextmanager
    def connect(self, context: dg.AssetExecutionContext) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.warehouse.connect(context.run.run_id, run_years(context)) as con:
            yield con


def run_years(context: dg.AssetExecutionContext) -> list[int]:
    """The IPLM years of this run: one partition, or a range in a single-run backfill."""
    return sorted(int(k) for k in context.partition_keys)


METHOD_TAG = "iplm/method"


def run_method(context: dg.AssetExecutionContext, year: int):
    """The method applied to `year` in this run: the registered one, or the one named by the run's
    `iplm/method` tag (`iplm run --method`), which then marks every row as not official."""
    from iplm_pipeline.methodology import get_method

    return get_method(year, context.run.tags.get(METHOD_TAG) or None)


def report(context: dg.AssetExecutionContext, message: str) -> None:
    """A progress line: in the Dagster UI (run log) and on the `iplm` CLI's terminal."""
    context.log.info(message)
    progress_log.info(message)
