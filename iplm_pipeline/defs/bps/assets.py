"""BPS indicator tables -> `staging.bps_values` (values of each IPLM year's BPS reference year)."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.methodology import get_method
from iplm_pipeline.regions import load_regions

from .ingest import load_bps_year


@source_asset(
    "bps_indicators", "bps", kinds={"duckdb", "python"},
    description="BPS indicator tables (data/raw/bps/<indicator>/) parsed to one row per table row "
                "for the IPLM year's BPS reference year. Grain of staging.bps_values: one row per "
                "(year, indicator, table row); the province aggregate row is flagged, never an input.",
)
def bps_indicators(con, iplm, year, corrections) -> Staged:
    periods = get_method(year).bps_periods
    loaded = load_bps_year(iplm.raw, year, periods, load_regions(), corrections)
    provinces = {p.short_name for t in loaded.parsed for p in t.provinces}
    taken = ", ".join(f"{p} for {', '.join(i for i, q in periods.items() if q == p)}"
                      for p in sorted(set(periods.values())))
    missing = loaded.tables.loc[~loaded.tables["has_bps_year"], "source_file"].nunique() if len(loaded.tables) else 0
    return Staged(loaded, tables={"staging.bps_values": loaded.values, "staging.bps_tables": loaded.tables},
                  metadata={"tables": len(loaded.parsed), "rows": len(loaded.values)},
                  summary=f"{len(loaded.parsed)} tables for {len(provinces)} province(s) (columns: {taken}), "
                          f"{int(loaded.ledger['rows_kept'].sum()) if len(loaded.ledger) else 0} rows kept, "
                          f"{len(loaded.quarantine)} quarantined"
                          + (f"; {missing} table(s) lack the year's column" if missing else ""))
