"""Library registration exports -> `staging.libraries` (validated, deduplicated) + quarantine."""


import time

import dagster as dg

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.corrections import load_corrections
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import write_source_year

from .ingest import load_library_year


@dg.asset(
    group_name="perpustakaan",
    partitions_def=year_partitions,
    backfill_policy=single_run,
    check_specs=[rows_accounted_spec("library_registrations")],
    kinds={"duckdb", "pandas"},
    description="Library registration exports (data/raw/perpustakaan/<year>/): validated with Pandera, "
                "deduplicated by NPP (latest Tanggal Pembaruan wins). Grain of staging.libraries: one "
                "row per (year, NPP); every rejected or dropped row is in the quarantine with its reason.",
)
def library_registrations(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = run_years(context)
    regions = load_regions()
    summary = {}
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            result = load_library_year(con, iplm.raw, year, regions, load_corrections(iplm.raw))
            kept, quarantine, ledger = result.kept, result.quarantine, result.ledger
            write_source_year(con, "perpustakaan", year, {}, result)
            reasons = quarantine["reason"].value_counts().to_dict()
            summary[str(year)] = {"files": len(ledger), "rows_read": int(ledger["rows_read"].sum()),
                                  "kept": kept, "quarantined": reasons}
            report(context, f"[{year}] library_registrations: {len(ledger)} files, "
                            f"{ledger['rows_read'].sum():,} rows read, {kept:,} libraries kept, "
                            f"{len(quarantine):,} quarantined "
                            f"({', '.join(f'{k} {v}' for k, v in sorted(reasons.items())) or 'none'}) "
                            f"({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", asset_key="library_registrations",
                          source="perpustakaan", years=years)
    return dg.MaterializeResult(metadata={"by_year": dg.MetadataValue.json(summary)}, check_results=[check])
