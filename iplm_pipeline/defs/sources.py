"""What every source asset does per IPLM year: load, write its slice, report, prove the ledger."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import pandas as pd

from iplm_pipeline.catalog import row_count_metadata, rows_per_year, stage_tags
from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.corrections import Correction, load_corrections
from iplm_pipeline.ledger import SourceYear
from iplm_pipeline.partitions import yearly_asset
from iplm_pipeline.resources import IplmResource, report, skipped_years
from iplm_pipeline.warehouse import write_source_year


@dataclass
class Staged:
    """One source's year, loaded: what to write and how to describe it."""

    loaded: SourceYear
    summary: str  # the progress line's text
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # staging tables written as frames


LoadYear = Callable[[duckdb.DuckDBPyConnection, IplmResource, int, tuple[Correction, ...]], Staged]


LEDGER_COUNTS = ("rows_read", "rows_kept", "rows_quarantined")


def source_asset(name: str, source: str, table: str, description: str, kinds: set[str]):
    """A year-partitioned staging asset for `source`, writing `table`, whose body loads one year (a LoadYear).

    Its materialisation reports the rows of `table` (`dagster/row_count`) and the source-file
    ledger as plottable numbers: files, rows_read, rows_kept, rows_quarantined.
    """

    def decorate(load_year: LoadYear) -> dg.AssetsDefinition:
        @yearly_asset(name=name, group="staging", table=table, code=[load_year], description=description, kinds=kinds,
                      tags=stage_tags("staging", source=source), check_specs=[rows_accounted_spec(name)])
        def _asset(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
            years = iplm.years(context)
            corrections = load_corrections(iplm.raw)
            ledgers = []
            with iplm.connect(context) as con:
                for year in years:
                    started = time.perf_counter()
                    staged = load_year(con, iplm, year, corrections)
                    write_source_year(con, source, year, staged.tables, staged.loaded)
                    ledgers.append(staged.loaded.ledger)
                    report(context, f"[{year}] {name}: {staged.summary} ({time.perf_counter() - started:.1f} s)")
                check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", asset_key=name,
                                  source=source, years=years)
                rows = rows_per_year(con, table, years)
            ledger = pd.concat(ledgers, ignore_index=True)
            metadata = {**row_count_metadata(rows, skipped_years(context, years)),
                        "files": dg.MetadataValue.int(len(ledger)),
                        **{c: dg.MetadataValue.int(int(ledger[c].sum()) if c in ledger else 0) for c in LEDGER_COUNTS}}
            return dg.MaterializeResult(metadata=metadata, check_results=[check])

        return _asset

    return decorate
