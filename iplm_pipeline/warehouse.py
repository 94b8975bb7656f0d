"""The DuckDB marts file: private build files per run, atomic publishing, SQL from `sql/`.

Analysts keep `data/marts/iplm.duckdb` open read-only while runs go on, and
DuckDB lets no writer in while any reader holds a file. So a run never writes
the published file: it works in its own build file (`.build/<run_id>.duckdb`,
seeded with the published rows of its years), and publishing, under a lock,
writes a fresh file holding the other years' rows from the published file plus
this run's years from the build file, then renames it over the published one.
Readers keep the snapshot they opened; new connections see the new file; the
file replaced is kept as `iplm.previous.duckdb`. A run killed at any point
leaves the published file untouched; its leftovers are removed by the next run.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from iplm_pipeline.config import MARTS_FILE_NAME, SQL_DIR
from iplm_pipeline.errors import IplmError
from iplm_pipeline.methodology import load_registry
from iplm_pipeline.regions import load_regions
from iplm_pipeline.release import record_release_changes

SCHEMA_FILES = ("schema/staging.sql", "schema/marts.sql")
# Tables whose rows belong to one IPLM year: publishing replaces the run's years only.
YEAR_TABLES = ("staging.bps", "staging.bps_tables", "staging.perpustakaan", "staging.terbitan",
               "iplm_regency", "iplm_province", "iplm_national", "quarantine", "source_files",
               "corrections_applied", "data_completeness", "reconciliation", "library_region_mismatches",
               "methodology_applied", "iplm_scores", "iplm_targets", "tpbis_comparison")
# Staging tables renamed to their source's name: rows of files made before the rename are carried over.
RENAMED = {"staging.bps": "staging.bps_values", "staging.perpustakaan": "staging.libraries",
           "staging.terbitan": "staging.published"}
# Reference tables, rewritten whole from the project's reference data on every publish.
REFERENCE_TABLES = ("regions", "methodology", "methodology_elements", "methodology_bands", "methodology_bps_columns")
PUBLISH_LOCK_TIMEOUT_S = 600
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class PublishError(IplmError):
    """Publishing the marts failed; the published file is unchanged."""


def connect(path: Path | str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for pipeline work: no progress bar in the middle of the CLI's output."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    return con


# --------------------------------------------------------------------------- SQL files
def sql_text(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def split_statements(text: str) -> list[str]:
    """Statements of a SQL file: separated by ';' at the end of a line (our files' convention)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?\n", text + "\n")
    return [p.strip() for p in parts if re.sub(r"--[^\n]*", "", p).strip()]


def _statements(name: str, params: dict):
    """(statement, the named `$params` it uses) for each statement of `sql/<name>`."""
    for statement in split_statements(sql_text(name)):
        wanted = set(_PARAM.findall(statement))
        missing = wanted - set(params)
        if missing:
            raise ValueError(f"sql/{name} needs parameters {sorted(missing)}")
        yield statement, {p: params[p] for p in wanted}


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Execute every statement of `sql/<name>` with the named `$params` it uses."""
    for statement, used in _statements(name, params):
        con.execute(statement, used) if used else con.execute(statement)


def query_sql(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """The result of the last statement of `sql/<name>` as a DataFrame (via Arrow: no per-cell copies)."""
    *before, (last, used) = _statements(name, params)
    for statement, used_before in before:
        con.execute(statement, used_before) if used_before else con.execute(statement)
    result = con.execute(last, used) if used else con.execute(last)
    with warnings.catch_warnings():
        # "makes an extra copy": a columnar copy, still far cheaper than .df()'s per-cell objects.
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        return result.to_arrow_table().to_pandas()


# --------------------------------------------------------------------------- schema
@functools.cache
def schema_version() -> str:
    """A digest of the DDL and column comments: a marts file made by other DDL is not reused in place."""
    digest = hashlib.sha256()
    for name in (*SCHEMA_FILES, "schema/column_comments.csv"):
        digest.update((SQL_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in SCHEMA_FILES:
        run_sql(con, name)
    _apply_column_comments(con)
    con.execute("DELETE FROM schema_info")
    con.execute("INSERT INTO schema_info VALUES (?)", [schema_version()])


def file_schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT version FROM schema_info").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def _apply_column_comments(con: duckdb.DuckDBPyConnection) -> None:
    """Column comments from `sql/schema/column_comments.csv`.

    table_name is a mart (`iplm_regency`), a staging table (`staging.perpustakaan`), `*` (every mart
    with that column) or `staging.*` (every staging table with it); a later row wins.
    """
    columns = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name IN ('main', 'staging')").fetchall()
    with (SQL_DIR / "schema" / "column_comments.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for schema, table, column in columns:
                qualified = table if schema == "main" else f"{schema}.{table}"
                wildcard = "*" if schema == "main" else f"{schema}.*"
                if column == row["column_name"] and row["table_name"] in (wildcard, qualified):
                    text = row["comment"].replace("'", "''")
                    con.execute(f'COMMENT ON COLUMN {schema}."{table}"."{column}" IS \'{text}\'')
    # A view's column with no row of its own is described as the same column of a table it shows
    # (the one the view is named after first: iplm_province_completeness.regencies from iplm_province).
    inherited = con.execute(
        "SELECT v.table_name, v.column_name, "
        "first(t.comment ORDER BY NOT starts_with(v.table_name, t.table_name), t.table_name) FROM duckdb_columns() v "
        "JOIN duckdb_views() w ON w.view_name = v.table_name AND w.database_name = v.database_name "
        "JOIN duckdb_tables() b ON b.database_name = v.database_name AND b.schema_name = 'main' "
        "JOIN duckdb_columns() t ON t.table_name = b.table_name AND t.database_name = v.database_name "
        "AND t.schema_name = 'main' AND t.column_name = v.column_name AND t.comment IS NOT NULL "
        "WHERE v.database_name = current_database() AND v.schema_name = 'main' AND v.comment IS NULL "
        "GROUP BY ALL").fetchall()
    for view, column, text in inherited:
        quoted = text.replace("'", "''")
        con.execute(f'COMMENT ON COLUMN "{view}"."{column}" IS \'{quoted}\'')


def write_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    registry = load_registry()
    frames = {
        "regions": pd.DataFrame([r.__dict__ for r in load_regions().regions]),
        "methodology": registry.years_frame(),
        "methodology_elements": registry.elements_frame(),
        "methodology_bands": registry.bands_frame(),
        "methodology_bps_columns": registry.bps_columns_frame(),
    }
    for table, frame in frames.items():
        con.execute(f"DELETE FROM {table}")
        con.register("_ref", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _ref")
        con.unregister("_ref")


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
                 where: str, params: dict) -> None:
    """Idempotent write: delete the slice `where` selects, insert `frame`, in one transaction."""
    used = {k: v for k, v in params.items() if f"${k}" in where}
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {table} WHERE {where}", used)
        if len(frame):
            con.register("_rows", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
            con.unregister("_rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def write_source_year(con: duckdb.DuckDBPyConnection, source: str, year: int, staging: dict[str, pd.DataFrame],
                      loaded) -> None:
    """Replace one source's rows of one IPLM year: its staging tables, quarantine, ledger, corrections."""
    params = {"year": year, "source": source}
    for table, frame in staging.items():
        replace_rows(con, table, frame, "year = $year", params)
    for table, frame in (("quarantine", loaded.quarantine), ("source_files", loaded.ledger),
                         ("corrections_applied", loaded.corrections)):
        replace_rows(con, table, frame, "year = $year AND source = $source", params)


# --------------------------------------------------------------------------- build and publish
class Warehouse:
    """The marts folder: the published file, the previous one, and the runs' build files.

    A run's build file starts as a byte copy of the published file (so every other year
    is already there) and is updated in place. Publishing renames it over the published
    file when nobody published since the copy was taken; otherwise (a concurrent run of
    another year published first, or the published file was made by other DDL) it
    writes a fresh file merging the published rows of other years with the run's years.
    """

    def __init__(self, marts_dir: Path):
        self.marts_dir = Path(marts_dir)
        self.published = self.marts_dir / MARTS_FILE_NAME
        self.previous = self.marts_dir / MARTS_FILE_NAME.replace(".duckdb", ".previous.duckdb")
        self.build_dir = self.marts_dir / ".build"

    def build_path(self, run_id: str) -> Path:
        return self.build_dir / f"{run_id}.duckdb"

    def _owner_path(self, run_id: str) -> Path:
        return self.build_dir / f"{run_id}.owner"

    def _published_state(self) -> list[int] | None:
        """Identity of the published file (inode, mtime, size): changes whenever anyone publishes."""
        try:
            st = self.published.stat()
        except FileNotFoundError:
            return None
        return [st.st_ino, st.st_mtime_ns, st.st_size]

    @contextlib.contextmanager
    def connect(self, run_id: str, years: list[int]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the run's build file, created on first use."""
        path = self.build_path(run_id)
        self.build_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            if not path.exists():
                self._remove_stale_builds()
                self._create_build(path, run_id, years)
        con = connect(path)
        try:
            yield con
        finally:
            con.close()

    def _create_build(self, path: Path, run_id: str, years: list[int]) -> None:
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        self._owner_path(run_id).write_text(json.dumps(owner))
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        base = self._published_state()
        in_place = True
        if base is not None:
            # A byte copy needs no DuckDB lock (an analyst may hold the published file, even
            # read-write), and the published file is never modified in place, so it is consistent.
            shutil.copyfile(self.published, partial)
            con = connect(partial)
            in_place = file_schema_version(con) == schema_version()
            if not in_place:
                # Made by other DDL: start from the current schema, seeded with the run's years.
                con.close()
                snapshot = self.build_dir / f"{run_id}.snapshot.duckdb"
                os.replace(partial, snapshot)
                con = connect(partial)
                apply_schema(con)
                self._copy_rows(con, snapshot, years, keep_years=True)
                snapshot.unlink()
        else:
            con = connect(partial)
            apply_schema(con)
        try:
            write_reference_tables(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        self._owner_path(run_id).write_text(json.dumps({**owner, "base": base, "in_place": in_place}))
        os.replace(partial, path)

    @staticmethod
    def _copy_rows(con: duckdb.DuckDBPyConnection, source: Path, years: list[int], keep_years: bool) -> None:
        """Insert rows of YEAR_TABLES from `source`: of `years` (keep_years) or of all other years."""
        quoted = str(source).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS src (READ_ONLY)")
        try:
            for table in YEAR_TABLES:
                schema, _, name = table.rpartition(".")
                schema = schema or "main"
                src_name = name
                for candidate in (name, RENAMED.get(table, "").rpartition(".")[2]):
                    src_cols = {r[0] for r in con.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' "
                        "AND schema_name = ? AND table_name = ?", [schema, candidate]).fetchall()}
                    if src_cols:
                        src_name = candidate
                        break
                if not src_cols:
                    continue  # a table the source file does not have
                dst = con.execute(
                    "SELECT column_name, is_nullable FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND schema_name = ? AND table_name = ?", [schema, name]).fetchall()
                required = [c for c, nullable in dst if not nullable and c not in src_cols]
                if required:
                    raise PublishError(
                        f"{table}: rows made by an earlier version lack the required column(s) {required}; "
                        "a column added to an existing table must be nullable (sql/schema/marts.sql).")
                cols = ", ".join(f'"{c}"' for c, _ in dst if c in src_cols)
                op = "IN" if keep_years else "NOT IN"
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM src.{schema}.{src_name} "
                            f"WHERE year {op} (SELECT unnest(?::INTEGER[]))", [years])
        finally:
            con.execute("DETACH src")

    def publish(self, run_id: str, years: list[int], log=print) -> Path:
        """Make the run's build the published marts file, atomically, keeping the old one as previous."""
        build = self.build_path(run_id)
        if not build.exists():
            raise PublishError(f"{build}: the run's build file is missing; nothing was published.")
        owner = json.loads(self._owner_path(run_id).read_text())
        lock = FileLock(str(self.marts_dir / ".publish.lock"))
        try:
            lock.acquire(timeout=5)
        except Timeout:
            log("Another run is publishing to this marts folder; waiting for it to finish.")
            try:
                lock.acquire(timeout=PUBLISH_LOCK_TIMEOUT_S)
            except Timeout as exc:
                raise PublishError(f"{self.marts_dir}: another run held the publish lock for "
                                   f"{PUBLISH_LOCK_TIMEOUT_S} s; nothing was published. Retry later.") from exc
        try:
            if owner["in_place"] and owner["base"] == self._published_state():
                ready = build  # nobody published since the build was copied: it is the whole new file
                con = connect(ready)
                con.execute("CHECKPOINT")
                con.close()
            else:
                ready = self._merge(run_id, build, years)
            record_release_changes(ready, self.published, self.build_dir / f"{run_id}.release-base.duckdb")
            _fsync(ready)
            if self.published.exists():
                link = self.build_dir / f"{run_id}.previous"
                link.unlink(missing_ok=True)
                os.link(self.published, link)
                os.replace(link, self.previous)
            os.replace(ready, self.published)
            _fsync(self.marts_dir)
        finally:
            lock.release()
        self.discard(run_id)
        return self.published

    def _merge(self, run_id: str, build: Path, years: list[int]) -> Path:
        """A fresh file: other years from the current published file, the run's years from its build."""
        fresh = self.build_dir / f"{run_id}.publish.duckdb"
        fresh.unlink(missing_ok=True)
        con = connect(fresh)
        try:
            apply_schema(con)
            write_reference_tables(con)
            if self.published.exists():
                snapshot = self.build_dir / f"{run_id}.snapshot.duckdb"
                shutil.copyfile(self.published, snapshot)
                self._copy_rows(con, snapshot, years, keep_years=False)
                snapshot.unlink()
            self._copy_rows(con, build, years, keep_years=True)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return fresh

    def discard(self, run_id: str) -> None:
        for path in self.build_dir.glob(f"{run_id}.*"):
            path.unlink(missing_ok=True)

    def _remove_stale_builds(self) -> None:
        """Leftovers of runs whose process is gone (killed, crashed); never another live run's files."""
        host = socket.gethostname()
        for owner in self.build_dir.glob("*.owner"):
            try:
                info = json.loads(owner.read_text())
            except (OSError, ValueError):
                continue
            if info.get("host") == host and not _alive(int(info.get("pid", -1))):
                self.discard(owner.name.removesuffix(".owner"))


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_marts(marts_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published marts, as analysts open it."""
    path = Path(marts_dir) / MARTS_FILE_NAME
    if not path.exists():
        raise IplmError(f"{path} does not exist yet: run `iplm run --year <year>` first.")
    return connect(path, read_only=True)
