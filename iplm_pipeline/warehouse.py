"""The DuckDB marts file: private build files per run and atomic publishing.

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
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from iplm_pipeline.config import MARTS_FILE_NAME
from iplm_pipeline.errors import IplmError

# SQL files, schema, reference tables and the shared writer are modules of their own (this one
# builds and publishes); their names are re-exported for the callers that import them from here.
from iplm_pipeline.reference_tables import REFERENCE_TABLES, write_reference_tables  # noqa: F401
from iplm_pipeline.release import record_release_changes
from iplm_pipeline.schema import SCHEMA_FILES, apply_schema, file_schema_version, schema_version  # noqa: F401
from iplm_pipeline.sqlfiles import query_sql, run_sql, split_statements, sql_text  # noqa: F401
from iplm_pipeline.writer import replace_rows, write_source_year  # noqa: F401

# Tables whose rows belong to one IPLM year: publishing replaces the run's years only.
YEAR_TABLES = ("staging.bps", "staging.bps_tables", "staging.perpustakaan", "staging.terbitan",
               "iplm_regency", "iplm_province", "iplm_national", "quarantine", "source_files",
               "corrections_applied", "data_completeness", "reconciliation", "library_region_mismatches",
               "methodology_applied", "iplm_scores", "iplm_targets", "tpbis_comparison")
# Staging tables renamed to their source's name: rows of files made before the rename are carried over.
RENAMED = {"staging.bps": "staging.bps_values", "staging.perpustakaan": "staging.libraries",
           "staging.terbitan": "staging.published"}
PUBLISH_LOCK_TIMEOUT_S = 600


class PublishError(IplmError):
    """Publishing the marts failed; the published file is unchanged."""


def connect(path: Path | str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for pipeline work: no progress bar in the middle of the CLI's output."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    return con


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
