"""Data tests as SQL: a check query returns the offending rows; zero rows means pass."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd

from iplm_pipeline.resources import progress_log
from iplm_pipeline.warehouse import query_sql

SAMPLE_ROWS = 10


def check_result(offending: pd.DataFrame, check_name: str, sql_name: str, *,
                 asset_key: str | None = None,
                 severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    metadata = {"offending_rows": dg.MetadataValue.int(len(offending)), "query": f"sql/checks/{sql_name}"}
    if len(offending):
        metadata["sample"] = dg.MetadataValue.md(offending.head(SAMPLE_ROWS).to_markdown(index=False))
        if severity == dg.AssetCheckSeverity.ERROR:
            progress_log.warning(f"check ERROR {asset_key}.{check_name}: {len(offending)} offending row(s) "
                                 f"(sql/checks/{sql_name}); first ones:\n"
                                 + offending.head(SAMPLE_ROWS).to_string(index=False, max_colwidth=60))
        else:
            progress_log.warning(f"check WARN {asset_key}.{check_name}: {len(offending)} row(s) "
                                 f"(sql/checks/{sql_name}); `iplm reconcile` lists and explains them")
    return dg.AssetCheckResult(check_name=check_name, asset_key=asset_key, passed=offending.empty,
                               severity=severity, metadata=metadata)


def sql_check(con: duckdb.DuckDBPyConnection, sql_name: str, check_name: str, *,
              asset_key: str | None = None,
              severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR, **params) -> dg.AssetCheckResult:
    return check_result(query_sql(con, f"checks/{sql_name}", **params), check_name, sql_name,
                        asset_key=asset_key, severity=severity)


def rows_accounted_spec(asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        "rows_accounted", asset=asset, blocking=True,
        description="Per raw file: rows read = rows kept + rows quarantined (duplicates included), "
                    "counted from the stored tables (sql/checks/assert_rows_accounted.sql).")
