"""Library registration exports -> `staging.libraries` (validated, deduplicated) + quarantine."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.regions import load_regions

from .ingest import load_library_year


@source_asset(
    "library_registrations", "perpustakaan", kinds={"duckdb", "pandas"},
    description="Library registration exports (data/raw/perpustakaan/<year>/): validated with Pandera, "
                "deduplicated by NPP (latest Tanggal Pembaruan wins). Grain of staging.libraries: one "
                "row per (year, NPP); every rejected or dropped row is in the quarantine with its reason.",
)
def library_registrations(con, iplm, year, corrections) -> Staged:
    loaded = load_library_year(con, iplm.raw, year, load_regions(), corrections)
    reasons = loaded.quarantine["reason"].value_counts().to_dict()
    rows_read = int(loaded.ledger["rows_read"].sum())
    return Staged(loaded, metadata={"files": len(loaded.ledger), "rows_read": rows_read, "kept": loaded.kept,
                                    "quarantined": reasons, "notes": loaded.notes},
                  summary=f"{len(loaded.ledger)} files, {rows_read:,} rows read, {loaded.kept:,} libraries kept, "
                          f"{len(loaded.quarantine):,} quarantined "
                          f"({', '.join(f'{k} {v}' for k, v in sorted(reasons.items())) or 'none'})"
                          + "".join(f"; note: {n}" for n in loaded.notes))
