"""Invariants of the score marts: broken ones are ERROR and fail `iplm run`."""

from __future__ import annotations

import dagster as dg
import duckdb

from iplm_pipeline.checks import check_result
from iplm_pipeline.warehouse import query_sql

SCORE_CHECKS = {
    "unique_keys": ("assert_unique_keys.sql", "One row per grain key (year and area)."),
    "scores_in_bounds": ("assert_scores_in_bounds.sql",
                         "No negative input; UPLM within [0, cap] and IPLM within [0, 100] where the "
                         "year's method caps (2022 is uncapped)."),
}


REQUIRED_INPUTS = ("required_inputs", "assert_required_inputs.sql",
                   "Every province with library exports has every BPS indicator table, with the column the "
                   "year takes (methodology_bps_columns). A year without them publishes nothing.")


def score_check_specs(marts: tuple[str, ...]) -> list[dg.AssetCheckSpec]:
    # Blocking: a broken invariant stops the run before the marts are published.
    name, _, description = REQUIRED_INPUTS
    return [dg.AssetCheckSpec(name, asset=mart, description=description, blocking=True)
            for mart in marts for name, (_, description) in SCORE_CHECKS.items()] + [
        dg.AssetCheckSpec(name, asset=marts[0], description=description, blocking=True)]


def score_checks(con: duckdb.DuckDBPyConnection, marts: tuple[str, ...],
                 years: list[int]) -> list[dg.AssetCheckResult]:
    """Run each check query once for all score marts and split the offending rows per mart."""
    results = []
    for name, (sql_name, _) in SCORE_CHECKS.items():
        offending = query_sql(con, f"checks/{sql_name}", years=years)
        results += [check_result(offending[offending["mart"] == mart], name, sql_name, asset_key=mart)
                    for mart in marts]
    name, sql_name, _ = REQUIRED_INPUTS
    results.append(check_result(query_sql(con, f"checks/{sql_name}", years=years), name, sql_name,
                                asset_key=marts[0]))
    return results
