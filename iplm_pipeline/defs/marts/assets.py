"""Marts computed in DuckDB from the staging tables (SQL in sql/marts/)."""


import time

import dagster as dg

from iplm_pipeline.catalog import row_count_metadata, rows_per_year, table_spec
from iplm_pipeline.checks import sql_check
from iplm_pipeline.config import SQL_DIR
from iplm_pipeline.methodology import elements_frame
from iplm_pipeline.partitions import single_run, year_partitions, yearly_asset
from iplm_pipeline.resources import IplmResource, report, run_method, skipped_years
from iplm_pipeline.warehouse import replace_rows, run_sql

from .checks import score_check_specs, score_checks

SCORE_MARTS = ("iplm_regency", "iplm_province", "iplm_national")
# The long scores (one row per element) and the method each year was computed with, written by the same step.
LONG_TABLES = ("iplm_scores", "methodology_applied")
SCORE_SQL = [SQL_DIR / "marts" / "area_inputs.sql", SQL_DIR / "marts" / "area_scores.sql"]
RECONCILIATION_STATUSES = ("match", "mismatch", "missing_published", "missing_computed")


@dg.multi_asset(
    specs=[
        table_spec("iplm_regency", group="marts", deps=["bps", "perpustakaan"],
                   code=[*SCORE_SQL, SQL_DIR / "marts" / "iplm_regency.sql"],
                   description="One row per (year, kabupaten/kota): inputs, unrounded UPLM1-7, IPLM, category."),
        table_spec("iplm_province", group="marts", deps=["bps", "perpustakaan"],
                   code=[*SCORE_SQL, SQL_DIR / "marts" / "iplm_province.sql"],
                   description="One row per (year, province): from inputs pooled over its regencies."),
        table_spec("iplm_national", group="marts", deps=["bps", "perpustakaan"],
                   code=[*SCORE_SQL, SQL_DIR / "marts" / "iplm_national.sql"],
                   description="One row per year: from inputs pooled over every regency loaded."),
        table_spec("iplm_scores", group="marts", deps=["bps", "perpustakaan"], code=SCORE_SQL),
        table_spec("methodology_applied", group="marts", code=SCORE_SQL),
    ],
    partitions_def=year_partitions,
    backfill_policy=single_run,
    check_specs=score_check_specs(SCORE_MARTS),
    # The three levels share one computation (sql/marts/area_*.sql), so they materialise together.
    can_subset=False,
)
def iplm_scores(context: dg.AssetExecutionContext, iplm: IplmResource):
    years = iplm.years(context)
    with iplm.connect(context) as con:
        for year in years:
            started = time.perf_counter()
            method = run_method(context, year)
            method.require_computable()
            replace_rows(con, "methodology_applied", elements_frame([method]), "year = $year", {"year": year})
            params = {"year": year}
            run_sql(con, "marts/area_inputs.sql", **params)
            run_sql(con, "marts/area_scores.sql", **params)
            for mart in SCORE_MARTS:
                run_sql(con, f"marts/{mart}.sql", **params)
            national = con.execute("SELECT iplm, category, regencies FROM iplm_national WHERE year = ?",
                                   [year]).fetchone()
            regencies = con.execute("SELECT count(*), count(iplm) FROM iplm_regency WHERE year = ?",
                                    [year]).fetchone()
            report(context, f"[{year}] iplm_scores ({method.method_id}, {method.status_label}): "
                            f"{regencies[0]} regencies ({regencies[0] - regencies[1]} without IPLM), "
                            f"national IPLM {national[0] if national else None} "
                            f"({national[1] if national else '-'}) ({time.perf_counter() - started:.1f} s)")
        checks = score_checks(con, SCORE_MARTS, years)
        rows = {mart: rows_per_year(con, mart, years) for mart in (*SCORE_MARTS, *LONG_TABLES)}
    for mart in (*SCORE_MARTS, *LONG_TABLES):
        yield dg.MaterializeResult(asset_key=mart,
                                   metadata=row_count_metadata(rows[mart], skipped_years(context, years)))
    yield from checks


def sql_mart(name: str, *, deps: list[str], description: str, summarize, check: dg.AssetCheckSpec | None = None,
             check_sql: str = "", check_severity=dg.AssetCheckSeverity.WARN):
    """A year-partitioned mart that is one SQL file (`sql/marts/<name>.sql`), with a progress line."""

    @yearly_asset(name=name, group="marts", table=name, code=[SQL_DIR / "marts" / f"{name}.sql"], deps=deps,
                  kinds={"duckdb"}, description=description,
                  check_specs=[check] if check else None)
    def _mart(context: dg.AssetExecutionContext, iplm: IplmResource) -> dg.MaterializeResult:
        years = iplm.years(context)
        with iplm.connect(context) as con:
            for year in years:
                run_sql(con, f"marts/{name}.sql", year=year)
                report(context, f"[{year}] {name}: {summarize(con, year)}")
            results = [sql_check(con, check_sql, check.name, asset_key=name, severity=check_severity,
                                 years=years)] if check else []
            rows = rows_per_year(con, name, years)
        return dg.MaterializeResult(metadata=row_count_metadata(rows, skipped_years(context, years)),
                                    check_results=results)

    return _mart


def _completeness_line(con, year: int) -> str:
    share = con.execute("SELECT avg(share_complete) FROM data_completeness WHERE year = ?", [year]).fetchone()[0]
    return f"mean share of libraries reporting every input {'n/a' if share is None else f'{share:.0%}'}"


def _reconciliation_line(con, year: int) -> str:
    counts = dict(con.execute("SELECT status, count(*) FROM reconciliation WHERE year = ? GROUP BY ALL",
                              [year]).fetchall())
    return ", ".join(f"{counts.get(status, 0)} {status}" for status in RECONCILIATION_STATUSES)


def _mismatch_line(con, year: int) -> str:
    n = con.execute("SELECT count(*) FROM library_region_mismatches WHERE year = ?", [year]).fetchone()[0]
    return f"{n} libraries whose Kabupaten/Kota text disagrees with their NPP"


data_completeness = sql_mart(
    "data_completeness", deps=["iplm_regency", "perpustakaan"], summarize=_completeness_line,
    description="One row per (year, kabupaten/kota): libraries registered by type, the share of them that "
                "reported each input field, and the export rows lost to the quarantine, to read next to the index.")

reconciliation = sql_mart(
    "reconciliation", summarize=_reconciliation_line,
    deps=["iplm_regency", "iplm_province", "iplm_national", "terbitan", "bps"],
    description="One row per (year, level, bps_code, measure): computed against published, with status, "
                "difference and what a mismatching published value implies; plus source checks (BPS "
                "aggregate rows, published IPLM against their own UPLM).",
    check=dg.AssetCheckSpec(
        "published_figures_match", asset="reconciliation",
        description="Computed UPLM/IPLM equal the published ones at their precision, BPS aggregates equal "
                    "the sum of their rows, printed IPLM follow from printed UPLM. WARN: a disagreement "
                    "is explained in the mart, not a pipeline failure."),
    check_sql="reconciliation_mismatches.sql")

library_region_mismatches = sql_mart(
    "library_region_mismatches", deps=["perpustakaan"], summarize=_mismatch_line,
    description="One row per (year, library) whose Kabupaten/Kota text names another or no known regency "
                "than its NPP; the library counts under its NPP regency.")
