"""Marts for what analysts take away: category targets per regency, TPBIS partner comparison.

(Trends are the view `iplm_trends` in sql/schema/marts.sql; release changes are written at
publish time by iplm_pipeline/release.py.)
"""

import time

import dagster as dg

from iplm_pipeline.catalog import row_count_metadata, rows_per_year
from iplm_pipeline.partitions import yearly_asset
from iplm_pipeline.resources import IplmResource, report, skipped_years
from iplm_pipeline.targets import compute_targets, load_weights
from iplm_pipeline.tpbis import write_tpbis_comparison
from iplm_pipeline.warehouse import replace_rows


@yearly_asset(
    name="iplm_targets", group="marts", deps=["iplm_regency"], kinds={"duckdb"}, table="iplm_targets",
    description="One row per (year, kabupaten/kota, plan, input): the smallest whole addition of each input "
                "alone (plan single) and the cheapest combination (plan combined, cost model "
                "reference/target_costs.toml) that lifts the IPLM into the next category band; NULL with a "
                "reason where it cannot, and for uncapped methods.")
def iplm_targets(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    weights = load_weights()
    years = iplm.years(context)
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            frame = compute_targets(con, year, weights)
            replace_rows(con, "iplm_targets", frame, "year = $year", {"year": year})
            reachable = 0 if frame.empty else frame[(frame.plan == "single")].addition.notna().sum()
            report(context, f"[{year}] iplm_targets: {frame.bps_code.nunique() if len(frame) else 0} regencies, "
                            f"{reachable} single-input targets reachable "
                            f"({time.perf_counter() - started:.1f} s)")
        rows = rows_per_year(con, "iplm_targets", years)
    return dg.MaterializeResult(metadata=row_count_metadata(rows, skipped_years(context, years)))


@yearly_asset(
    name="tpbis_comparison", group="marts", deps=["iplm_regency", "perpustakaan"],
    kinds={"duckdb"}, table="tpbis_comparison",
    description="One row per (year, unit, partner group, measure): TPBIS partner regencies and libraries "
                "(data/raw/tpbis/tpbis_partners.csv) against non-partners, before and after joining: counts, "
                "means and the completeness share beside each mean. Descriptive differences only. Empty when "
                "the folder is absent.")
def tpbis_comparison(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = iplm.years(context)
    with iplm.connect(context) as con:
        for year in years:
            line = write_tpbis_comparison(con, year, iplm.raw)
            report(context, f"[{year}] tpbis_comparison: {line}")
        rows = rows_per_year(con, "tpbis_comparison", years)
    return dg.MaterializeResult(metadata=row_count_metadata(rows, skipped_years(context, years)))
