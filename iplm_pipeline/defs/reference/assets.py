"""Reference tables of the marts file, rewritten whole into every build from the project's data:
the region registry (reference/regions.csv) and the methods (reference/methodology.toml)."""

import dagster as dg

from iplm_pipeline.catalog import row_count_metadata, rows_per_year, table_spec
from iplm_pipeline.config import PROJECT_ROOT
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.resources import IplmResource, report, skipped_years
from iplm_pipeline.warehouse import REFERENCE_TABLES, write_reference_tables

REFERENCE = PROJECT_ROOT / "iplm_pipeline" / "reference"
REFERENCE_FILES = {"regions": REFERENCE / "regions.csv", "methodology": REFERENCE / "methodology.toml",
                   "methodology_elements": REFERENCE / "methodology.toml",
                   "methodology_bands": REFERENCE / "methodology.toml",
                   "methodology_bps_columns": REFERENCE / "methodology.toml"}


@dg.multi_asset(
    specs=[table_spec(table, group="reference", code=[REFERENCE_FILES[table]]) for table in REFERENCE_TABLES],
    # Partitioned like the rest so that every run (one year or a range) can select all assets.
    partitions_def=year_partitions,
    backfill_policy=single_run,
    can_subset=False,
)
def reference_tables(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = iplm.years(context)
    with iplm.connect(context) as con:
        write_reference_tables(con)  # already in a new build; again so this step is what writes them
        # regions has no year: it is the same for every year, report it whole.
        rows = {table: rows_per_year(con, table, years) if table != "regions"
                else {years[0]: con.execute("SELECT count(*) FROM regions").fetchone()[0]}
                for table in REFERENCE_TABLES}
    report(context, f"[{', '.join(map(str, years))}] reference_tables: "
                    + ", ".join(f"{table} {sum(n.values())} rows" for table, n in rows.items()))
    for table in REFERENCE_TABLES:
        yield dg.MaterializeResult(asset_key=table,
                                   metadata=row_count_metadata(rows[table], skipped_years(context, years)))
