"""Library registration exports -> `staging.libraries` (validated, deduplicated) + quarantine."""


import time

import dagster as dg
import pandas as pd

from iplm_pipeline.checks import rows_accounted_spec, sql_check
from iplm_pipeline.errors import Location, SourceError
from iplm_pipeline.ledger import file_sha256, quarantine_frame, raw_values_json, relative_name
from iplm_pipeline.parsing import list_source_files
from iplm_pipeline.partitions import single_run, year_partitions
from iplm_pipeline.regions import load_regions
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import query_sql, replace_rows

from .ingest import ExportFile, read_export, validate_exports


def _duplicate_quarantine(dropped: pd.DataFrame, exports: dict[str, ExportFile]) -> pd.DataFrame:
    """Quarantine rows for dropped duplicates, saying which row was kept instead."""
    parts = []
    for source_file, rows in dropped.groupby("source_file", sort=False):
        export = exports[source_file]
        raw = export.table.data.loc[rows["row_number"].values]
        detail = [f"NPP {r.npp}: kept {r.kept_file} row {r.kept_row}"
                  + (f" (updated {r.kept_updated_at:%Y-%m-%d})" if pd.notna(r.kept_updated_at) else "")
                  for r in rows.itertuples()]
        parts.append(quarantine_frame(
            pd.DataFrame({"row_number": rows["row_number"].values, "reason": rows["drop_reason"].values,
                          "column_name": "NPP", "detail": detail,
                          "raw_values": raw_values_json([export.headers[c] for c in raw.columns], raw).values}),
            source="perpustakaan", source_file=source_file, sheet=export.table.sheet))
    return pd.concat(parts, ignore_index=True) if parts else quarantine_frame()


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
            folder = iplm.raw / "perpustakaan" / str(year)
            paths = list_source_files(folder)
            if not paths:
                raise SourceError(Location(folder), "no library registration export for this year",
                                  "at least one .csv or .xlsx export in this folder",
                                  "Without it every library count would be 0; add the year's exports.")
            exports = {}
            for path in paths:
                f = read_export(path, relative_name(path, iplm.raw))
                exports[f.source_file] = f
            validated = validate_exports(list(exports.values()), regions)
            con.register("library_candidates", validated.rows)
            decisions = query_sql(con, "staging/dedupe_libraries.sql")
            con.unregister("library_candidates")
            rows = validated.rows.set_index("read_order").join(decisions.set_index("read_order"))
            kept = rows[rows["drop_reason"].isna()].reset_index()
            dropped = rows[rows["drop_reason"].notna()].reset_index()
            quarantine = pd.concat([validated.quarantine, _duplicate_quarantine(dropped, exports)],
                                   ignore_index=True)
            ledger = pd.DataFrame([{
                "year": year, "source": "perpustakaan", "source_file": name, "sheet": f.table.sheet,
                "sha256": file_sha256(f.table.path), "header_row": f.table.header_row,
                "rows_read": len(f.table.data),
                "rows_kept": int((kept["source_file"] == name).sum()),
                "rows_quarantined": int((quarantine["source_file"] == name).sum()),
                "rows_skipped": f.table.blank_rows} for name, f in exports.items()])
            params = {"year": year}
            replace_rows(con, "staging.libraries", kept.assign(year=year).drop(columns=[
                "drop_reason", "kept_file", "kept_row", "kept_updated_at"]), "year = $year", params)
            replace_rows(con, "quarantine", quarantine.assign(year=year),
                         "year = $year AND source = 'perpustakaan'", params)
            replace_rows(con, "source_files", ledger, "year = $year AND source = 'perpustakaan'", params)
            reasons = quarantine["reason"].value_counts().to_dict()
            summary[str(year)] = {"files": len(exports), "rows_read": int(ledger["rows_read"].sum()),
                                  "kept": len(kept), "quarantined": reasons}
            report(context, f"[{year}] library_registrations: {len(exports)} files, "
                            f"{ledger['rows_read'].sum():,} rows read, {len(kept):,} libraries kept, "
                            f"{len(quarantine):,} quarantined "
                            f"({', '.join(f'{k} {v}' for k, v in sorted(reasons.items())) or 'none'}) "
                            f"({time.perf_counter() - started:.1f} s)")
        check = sql_check(con, "assert_rows_accounted.sql", "rows_accounted", source="perpustakaan",
                          years=years)
    return dg.MaterializeResult(metadata={"by_year": dg.MetadataValue.json(summary)}, check_results=[check])
