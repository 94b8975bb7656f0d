"""BPS indicator tables -> `staging.bps` (every period column of every table) and `staging.bps_tables`."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.methodology import get_method
from iplm_pipeline.regions import load_regions

from .ingest import load_bps_year


@source_asset(
    "bps", "bps", "staging.bps", kinds={"duckdb", "python"},
    description="BPS indicator tables (`data/raw/bps/<indicator>/`, any bps.go.id layout) parsed to one row "
                "per table row and period column. Grain of `staging.bps`: one row per (year, indicator, "
                "table row, period); aggregate rows (province, `INDONESIA`) are flagged, never an input; which "
                "period a year takes is in `methodology_bps_columns`. One row per table file and province "
                "block in `staging.bps_tables`.",
)
def bps(con, iplm, year, corrections) -> Staged:
    periods = get_method(year).bps_periods
    loaded = load_bps_year(iplm.raw, year, periods, load_regions(), corrections)
    provinces = {p.short_name for t in loaded.parsed for p in t.provinces}
    taken = ", ".join(f"{p} for {', '.join(i for i, q in periods.items() if q == p)}"
                      for p in sorted(set(periods.values())))
    missing = loaded.tables.loc[~loaded.tables["has_bps_year"], "source_file"].nunique() if len(loaded.tables) else 0
    return Staged(loaded, tables={"staging.bps": loaded.values, "staging.bps_tables": loaded.tables},
                  summary=f"{len(loaded.parsed)} tables for {len(provinces)} province(s) (columns: {taken}), "
                          f"{int(loaded.ledger['rows_kept'].sum()) if len(loaded.ledger) else 0} rows kept, "
                          f"{len(loaded.quarantine)} quarantined"
                          + (f"; {missing} table(s) lack the year's column" if missing else ""))
