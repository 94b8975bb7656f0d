"""Library registration exports -> `staging.perpustakaan` (validated, deduplicated) + quarantine."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.regions import load_regions

from .ingest import load_library_year


@source_asset(
    "perpustakaan", "perpustakaan", "staging.perpustakaan", kinds={"duckdb", "pandas"},
    description="Library registration exports (`data/raw/perpustakaan/<year>/`): validated with Pandera, "
                "deduplicated by NPP (latest Tanggal Pembaruan wins). Grain of `staging.perpustakaan`: one "
                "row per (year, NPP); every rejected or dropped row is in the quarantine with its reason.",
)
def perpustakaan(con, iplm, year, corrections) -> Staged:
    loaded = load_library_year(con, iplm.raw, year, load_regions(), corrections)
    reasons = loaded.quarantine["reason"].value_counts().to_dict()
    rows_read = int(loaded.ledger["rows_read"].sum())
    return Staged(loaded,
                  summary=f"{len(loaded.ledger)} files, {rows_read:,} rows read, {loaded.kept:,} libraries kept, "
                          f"{len(loaded.quarantine):,} quarantined "
                          f"({', '.join(f'{k} {v}' for k, v in sorted(reasons.items())) or 'none'})"
                          + "".join(f"; note: {n}" for n in loaded.notes))
