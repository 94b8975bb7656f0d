"""Dagster resources: where raw files are and the marts warehouse (build + publish)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from iplm_pipeline import config
from iplm_pipeline.parsing import list_source_files
from iplm_pipeline.warehouse import Warehouse

progress_log = logging.getLogger("iplm.progress")


class IplmResource(dg.ConfigurableResource):
    """Paths from run config (the `iplm` CLI sets both); unset, IPLM_RAW_DIR / IPLM_MARTS_DIR or the
    defaults, read when a run starts (not at import)."""

    raw_dir: str = ""
    marts_dir: str = ""

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir).resolve() if self.raw_dir else config.raw_dir()

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(Path(self.marts_dir).resolve() if self.marts_dir else config.marts_dir())

    def years(self, context: dg.AssetExecutionContext) -> list[int]:
        """The years this run computes: its partitions, less (in a range) the years without library exports.

        A range may span a year whose exports are not in yet (or never were, like 2025 today):
        every asset of the run skips it, the other years publish, and its published rows stay.
        A single year without exports still fails, with the library source's located error.
        """
        years = run_years(context)
        present = [year for year in years if has_library_exports(self.raw, year)]
        if len(years) == 1 or not present:
            return years
        skipped = [year for year in years if year not in present]
        if skipped and context.run.run_id not in _reported_skips:
            _reported_skips.add(context.run.run_id)
            for year in skipped:
                report(context, f"[{year}] skipped: no library exports in {library_folder(self.raw, year)}; "
                                f"its published rows are kept, the other years go on")
        return present

    @contextlib.contextmanager
    def connect(self, context: dg.AssetExecutionContext) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.warehouse.connect(context.run.run_id, self.years(context)) as con:
            yield con


_reported_skips: set[str] = set()  # run ids whose skipped years were reported (once per run)


def library_folder(raw: Path, year: int) -> Path:
    return raw / "perpustakaan" / str(year)


def has_library_exports(raw: Path, year: int) -> bool:
    """Whether the year's library exports are in: without them there is nothing to compute."""
    return bool(list_source_files(library_folder(raw, year)))


def run_years(context: dg.AssetExecutionContext) -> list[int]:
    """The IPLM years of this run: one partition, or a range in a single-run backfill."""
    return sorted(int(k) for k in context.partition_keys)


METHOD_TAG = "iplm/method"


def run_method(context: dg.AssetExecutionContext, year: int):
    """The method applied to `year` in this run: the registered one, or the one named by the run's
    `iplm/method` tag (`iplm run --method`), which then marks every row as not official."""
    from iplm_pipeline.methodology import get_method

    return get_method(year, context.run.tags.get(METHOD_TAG) or None)


def skipped_years(context: dg.AssetExecutionContext, years: list[int]) -> list[int]:
    """The years of this run's range that it does not compute (`IplmResource.years`)."""
    return [year for year in run_years(context) if year not in years]


def report(context: dg.AssetExecutionContext, message: str) -> None:
    """A progress line: in the Dagster UI (run log) and on the `iplm` CLI's terminal."""
    context.log.info(message)
    progress_log.info(message)
