"""Published report tables -> `staging.terbitan` (one row per year and published area)."""

from iplm_pipeline.defs.sources import Staged, source_asset
from iplm_pipeline.regions import load_regions

from .ingest import load_published_year


@source_asset(
    "terbitan", "terbitan", "staging.terbitan", kinds={"duckdb", "python"},
    description="Published IPLM report tables (`data/raw/terbitan/<year>/`): UPLM1-7 and IPLM per area as "
                "printed. Grain of `staging.terbitan`: one row per (year, level, area). A year without "
                "published tables is allowed (its reconciliation rows are missing_published).",
)
def terbitan(con, iplm, year, corrections) -> Staged:
    loaded = load_published_year(iplm.raw, year, load_regions(), corrections)
    return Staged(loaded, tables={"staging.terbitan": loaded.rows},
                  summary=f"{len(loaded.ledger)} table(s), {len(loaded.rows)} published areas")
