"""Marts computed in DuckDB from the staging tables (SQL in sql/marts/)."""


import time

import dagster as dg

from iplm_pipeline.checks import sql_check
from iplm_pipeline.methodology import get_method
from iplm_pipeline.partitions import single_run, year_partitions, yearly_asset
from iplm_pipeline.resources import IplmResource, report, run_years
from iplm_pipeline.warehouse import run_sql

from .checks import score_check_specs, score_checks

SCORE_MARTS = ("iplm_regency", "iplm_province", "iplm_national")
RECONCILIATION_STATUSES = ("match", "mismatch", "missing_published", "missing_computed")


@dg.multi_asset(
    specs=[
        dg.AssetSpec("iplm_regency", group_name="marts", kinds={"duckdb"},
                     deps=["bps_indicators", "library_registrations"],
                     description="One row per (year, kabupaten/kota): inputs, unrounded UPLM1-7, IPLM, category."),
        dg.AssetSpec("iplm_province", group_name="marts", kinds={"duckdb"},
                     deps=["bps_indicators", "library_registrations"],
                     description="One row per (year, province): from inputs pooled over its regencies."),
        dg.AssetSpec("iplm_national", group_name="marts", kinds={"duckdb"},
                     deps=["bps_indicators", "library_registrations"],
                     description="One row per year: from inputs pooled over every regency loaded."),
    ],
    partitions_def=year_partitions,
    backfill_policy=single_run,
    check_specs=score_check_specs(SCORE_MARTS),
    # The three levels share one computation (sql/marts/area_*.sql), so they materialise together.
    can_subset=False,
)
def iplm_scores(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = run_years(context)
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            method = get_method(year)
            params = {"year": year, "bps_year": method.bps_reference_year}
            run_sql(con, "marts/area_inputs.sql", **params)
            run_sql(con, "marts/area_scores.sql", **params)
            for mart in SCORE_MARTS:
                run_sql(con, f"marts/{mart}.sql", **params)
            national = con.execute("SELECT iplm, category, regencies FROM iplm_national WHERE year = ?",
                                   [year]).fetchone()
            regencies = con.execute("SELECT count(*), count(iplm) FROM iplm_regency WHERE year = ?",
                                    [year]).fetchone()
            report(context, f"[{year}] iplm_scores ({method.method_id}, {method.status}): "
                            f"{regencies[0]} regencies ({regencies[0] - regencies[1]} without IPLM), "
                            f"national IPLM {national[0] if national else None} "
                            f"({national[1] if national else '-'}) ({time.perf_counter() - started:.1f} s)")
        checks = score_checks(con, SCORE_MARTS, years)
    for mart in SCORE_MARTS:
        yield dg.MaterializeResult(asset_key=mart)
    yield from checks


@yearly_asset(
    group="marts",
    deps=["iplm_regency", "library_registrations"],
    kinds={"duckdb"},
    description="One row per (year, kabupaten/kota): libraries registered by type and the share of them "
                "that reported each input field, to read next to the index.",
)
def data_completeness(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    with iplm.connect(context) as con:
        for year in run_years(context):
            run_sql(con, "marts/data_completeness.sql", year=year)
            share = con.execute("SELECT avg(share_complete) FROM data_completeness WHERE year = ?",
                                [year]).fetchone()[0]
            report(context, f"[{year}] data_completeness: mean share of libraries reporting every "
                            f"input {share if share is None else f'{share:.0%}'}")
    return dg.MaterializeResult()


@yearly_asset(
    group="marts",
    deps=["iplm_regency", "iplm_province", "iplm_national", "published_scores", "bps_indicators"],
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec(
        "published_figures_match", asset="reconciliation",
        description="Computed UPLM/IPLM equal the published ones at their precision, BPS aggregates equal "
                    "the sum of their rows, printed IPLM follow from printed UPLM. WARN: a disagreement "
                    "is explained in the mart, not a pipeline failure.")],
    description="One row per (year, level, bps_code, measure): computed against published, with status, "
                "difference and what a mismatching published value implies; plus source checks (BPS "
                "aggregate rows, published IPLM against their own UPLM).",
)
def reconciliation(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    years = run_years(context)
    with iplm.connect(context) as con:
        for year in years:
            run_sql(con, "marts/reconciliation.sql", year=year)
            counts = dict(con.execute("SELECT status, count(*) FROM reconciliation WHERE year = ? GROUP BY ALL",
                                      [year]).fetchall())
            report(context, f"[{year}] reconciliation: "
                            + ", ".join(f"{counts.get(s, 0)} {s}" for s in RECONCILIATION_STATUSES))
        check = sql_check(con, "reconciliation_mismatches.sql", "published_figures_match", asset_key="reconciliation",
                          severity=dg.AssetCheckSeverity.WARN, years=years)
    return dg.MaterializeResult(check_results=[check])


@yearly_asset(
    group="marts",
    deps=["library_registrations"],
    kinds={"duckdb"},
    description="One row per (year, library) whose Kabupaten/Kota text names another or no known regency "
                "than its NPP; the library counts under its NPP regency.",
)
def library_region_mismatches(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
    with iplm.connect(context) as con:
        for year in run_years(context):
            run_sql(con, "marts/library_region_mismatches.sql", year=year)
            n = con.execute("SELECT count(*) FROM library_region_mismatches WHERE year = ?", [year]).fetchone()[0]
            report(context, f"[{year}] library_region_mismatches: {n} libraries whose Kabupaten/Kota text "
                            "disagrees with their NPP")
    return dg.MaterializeResult()
