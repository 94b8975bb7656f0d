"""What every source asset does per IPLM year: load, write its slice, report, prove the ledger."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import pandas as pd

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.corrections import Correction, load_corrections
from iplm_pipeline.ledger import SourceYear
from iplm_pipeline.partitions import yearly_asset
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import write_source_year


@dataclass
class Staged:
    """One source's year, loaded: what to write and how to describe it."""

    loaded: SourceYear
    summary: str  # the progress line's text
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # staging tables written as frames
    metadata: dict = field(default_factory=dict)


LoadYear = Callable[[duckdb.DuckDBPyConnection, IplmResource, int, tuple[Correction, ...]], Staged]


def source_asset(name: str, source: str, description: str, kinds: set[str]):
    """A year-partitioned staging asset for `source` whose body loads one year (a LoadYear)."""

    def decorate(load_year: LoadYear) -> dg.AssetsDefinition:
        @yearly_asset(name=name, group=source, description=description, kinds=kinds,
                      check_specs=[rows_accounted_spec(name)])
        def _asset(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
            years = run_years(context)
            corrections = load_corrections(iplm.raw)
            by_year = {}
            with iplm.connect(context) as con:
                for year in years:
                    started = time.perf_counter()
                    staged = load_year(con, iplm, year, corrections)
                    write_source_year(con, source, year, staged.tables, staged.loaded)
                    by_year[str(year)] = staged.metadata
                    report(context, f"[{year}] {name}: {staged.summary} ({time.perf_counter() - started:.1f} s)")
                check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", asset_key=name,
                                  source=source, years=years)
            return dg.MaterializeResult(metadata={"by_year": dg.MetadataValue.json(by_year)},
                                        check_results=[check])

        return _asset

    return decorate
