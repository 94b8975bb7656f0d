"""BPS indicator tables -> `staging.bps_values` (values of each IPLM year's BPS reference year)."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.methodology import get_method
from iplm_pipeline.regions import load_regions

from .ingest import load_bps_year


@source_asset(
    "bps_indicators", "bps", "staging.bps_values", kinds={"duckdb", "python"},
    description="BPS indicator tables (`data/raw/bps/<indicator>/`) parsed to one row per table row "
                "for the IPLM year's BPS reference year. Grain of `staging.bps_values`: one row per "
                "(year, indicator, table row); the province aggregate row is flagged, never an input. "
                "One row per table file in `staging.bps_tables`.",
)
def bps_indicators(con, iplm, year, corrections) -> Staged:
    bps_year = get_method(year).bps_reference_year
    loaded = load_bps_year(iplm.raw, year, bps_year, load_regions(), corrections)
    provinces = {t.province.short_name for t in loaded.parsed}
    return Staged(loaded, tables={"staging.bps_values": loaded.values, "staging.bps_tables": loaded.tables},
                  summary=f"{len(loaded.parsed)} tables (BPS {bps_year}) for {len(provinces)} province(s), "
                          f"{len(loaded.values)} rows kept, {len(loaded.quarantine)} footnotes")
