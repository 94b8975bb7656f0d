"""What the Dagster catalog says about each table: columns, types and descriptions, row counts.

Column names, types and descriptions are read back from a throwaway in-memory DuckDB built with
the marts' own DDL (`warehouse.apply_schema`: sql/schema/*.sql plus the COMMENTs from
sql/schema/column_comments.csv), so the catalog and the marts file cannot disagree and a column
is described in one place. Building it takes ~0.2 s, once per process.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from iplm_pipeline.config import SQL_DIR

OWNERS = ["team:iplm"]
DATABASE = "iplm"  # the catalog name DuckDB gives data/marts/iplm.duckdb
_CODE_SPAN = re.compile(r"(`[^`]*`)")
_PLACEHOLDER = re.compile(r"<([A-Za-z_][\w-]*)>")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str | None


@dataclass(frozen=True)
class Table:
    name: str  # as analysts write it: `iplm_regency`, `staging.perpustakaan`
    kind: str  # table or view
    description: str
    columns: tuple[Column, ...]


def markdown(text: str) -> str:
    """Text for the UI, which renders descriptions as Markdown: `<year>` would vanish as an HTML tag."""
    parts = _CODE_SPAN.split(text)  # odd items are code spans already
    return "".join(p if i % 2 else _PLACEHOLDER.sub(r"`<\1>`", p) for i, p in enumerate(parts))


@functools.cache
def tables() -> dict[str, Table]:
    """Every table and view of the marts file's DDL, by name."""
    from iplm_pipeline.warehouse import apply_schema, connect  # the DDL lives with the warehouse

    con = connect()
    try:
        apply_schema(con)
        found = con.execute(
            "SELECT schema_name, table_name, 'table', comment FROM duckdb_tables() "
            "WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name, 'view', comment FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT internal").fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index").fetchall()
    finally:
        con.close()
    by_table: dict[tuple[str, str], list[Column]] = {}
    for schema, table, name, type_, nullable, comment in columns:
        by_table.setdefault((schema, table), []).append(Column(name, type_, nullable, comment or None))
    return {_name(schema, table): Table(_name(schema, table), kind, comment or "",
                                        tuple(by_table.get((schema, table), ())))
            for schema, table, kind, comment in found}


def _name(schema: str, table: str) -> str:
    return table if schema == "main" else f"{schema}.{table}"


def column_schema(table: str) -> dg.TableSchema:
    """The columns of `table` as the catalog shows them (descriptions render as Markdown there too)."""
    return dg.TableSchema(columns=[
        dg.TableColumn(c.name, c.type, description=markdown(c.description) if c.description else None,
                       constraints=dg.TableColumnConstraints(nullable=c.nullable))
        for c in tables()[table].columns])


def table_metadata(table: str, *code: Path | tuple[Path, int] | object) -> dict:
    """Definition metadata of the asset that holds `table`: its columns, where it is, its DDL and `code`."""
    schema, _, name = table.rpartition(".")
    return {"dagster/column_schema": column_schema(table),
            "dagster/table_name": f"{DATABASE}.{schema or 'main'}.{name}",
            **code_references(ddl_location(table), *code)}


def ddl_location(table: str) -> tuple[Path, int]:
    """The schema file and line that create `table`."""
    pattern = re.compile(rf"^CREATE (?:TABLE IF NOT EXISTS|OR REPLACE VIEW) {re.escape(table)} ", re.M)
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        found = pattern.search(text)
        if found:
            return path, text.count("\n", 0, found.start()) + 1
    raise KeyError(f"no CREATE statement for {table} in sql/schema/")


def code_references(*code: Path | tuple[Path, int] | object) -> dict:
    """`dagster/code_references` to files (a SQL file), (file, line) pairs or Python functions.

    Dagster adds the asset's own function (dg.with_source_code_references in definitions.py).
    """
    references = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # code references are beta in 1.13
        for item in code:
            if isinstance(item, tuple):
                path, line = item
            elif isinstance(item, Path):
                path, line = item, 1
            else:
                path, line = Path(inspect.getsourcefile(item)), inspect.getsourcelines(item)[1]
            references.append(dg.LocalFileCodeReference(file_path=str(path), line_number=line,
                                                        label=_label(path)))
        return {"dagster/code_references": dg.CodeReferencesMetadataValue(code_references=references)}


def _label(path: Path) -> str:
    from iplm_pipeline.config import PROJECT_ROOT

    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


def stage_tags(stage: str, **more: str) -> dict[str, str]:
    """Asset tags: how raw the data is (staging, marts, publish; see STYLE.md) and more."""
    return {"iplm/stage": stage, **{f"iplm/{k}": v for k, v in more.items()}}


def table_spec(table: str, *, group: str, deps=(), description: str | None = None, code=()) -> dg.AssetSpec:
    """The spec of an asset that is one table or view of the marts file (key = table name).

    Without `description`, the table's COMMENT in the DDL is the description; `code`: what
    computes it besides the asset's function (SQL files, see code_references).
    """
    return dg.AssetSpec(table, group_name=group, deps=list(deps), kinds={"duckdb"},
                        description=markdown(description or tables()[table].description),
                        metadata=table_metadata(table, *code), owners=OWNERS, tags=stage_tags("marts"))


def rows_per_year(con: duckdb.DuckDBPyConnection, table: str, years: list[int]) -> dict[int, int]:
    """Rows of `table` for each of `years` (0 for a year without rows)."""
    found = dict(con.execute(f"SELECT year, count(*) FROM {table} WHERE year IN (SELECT unnest(?::INTEGER[])) "
                             "GROUP BY ALL", [years]).fetchall())
    return {year: found.get(year, 0) for year in years}


def row_count_metadata(counts: dict[int, int], skipped: list[int] = ()) -> dict:
    """`dagster/row_count` of the run's years; with several years also `rows_<year>` to plot.

    Dagster copies a range run's metadata onto the materialisation of every year in the range,
    so the per-year numbers are what tells the years apart there, and `skipped_years` says which
    years of the range were not computed (no library exports; their rows are unchanged).
    """
    metadata: dict = {"dagster/row_count": dg.MetadataValue.int(sum(counts.values()))}
    if len(counts) > 1:
        metadata.update({f"rows_{year}": dg.MetadataValue.float(float(n)) for year, n in sorted(counts.items())})
    if skipped:
        metadata["skipped_years"] = dg.MetadataValue.text(", ".join(map(str, skipped)))
    return metadata
