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

Opening the published file read-write is not supported. If someone does and writes, DuckDB
keeps the writes in `iplm.duckdb.wal` until a checkpoint; that WAL belongs to the file beside
it, so publishing moves it aside together with that file (`iplm.previous.duckdb.wal`): left
beside the new file it would make every reader fail ("Failure while replaying WAL"). A run's
byte copy of the published file does not include the WAL: such writes never reach new marts.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from iplm_pipeline.config import MARTS_FILE_NAME
from iplm_pipeline.errors import EnvironmentProblem, IplmError, environment_code, environment_problem

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
progress_log = logging.getLogger("iplm.progress")


class PublishError(IplmError):
    """Publishing the marts failed; the published file is unchanged."""


def wal_of(path: Path) -> Path:
    """DuckDB's write-ahead log of a database file: `<file>.wal` beside it."""
    return path.with_name(path.name + ".wal")


@contextlib.contextmanager
def on_disk(path: Path, doing: str, *, only_duckdb: bool = False) -> Iterator[None]:
    """Turn a disk-level failure (OSError, DuckDB I/O or disk-full error) into an EnvironmentProblem.

    `only_duckdb`: for a block that also reads raw files, leave OSErrors alone (they name
    their own file) and convert only DuckDB's errors about the build file's disk.
    """
    try:
        yield
    except EnvironmentProblem:
        raise
    except OSError as exc:
        if only_duckdb:
            raise
        # A full disk is about where the data went (shutil's error names the copy's source).
        named = None if environment_code(exc) in ("ENOSPC", "EDQUOT", "EFBIG", "EIO") else exc.filename
        raise environment_problem(exc, named or path, doing) from exc
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) or environment_code(exc):
            # DuckDB names the file it failed on in quotes (it may be a raw file it was reading).
            quoted = re.search(r'"(/[^"]+)"', str(exc))
            raise environment_problem(exc, quoted.group(1) if quoted else path, doing) from exc
        raise


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
        with on_disk(self.build_dir, "creating the runs' build folder in the marts folder"):
            if self.marts_dir.exists() and not self.marts_dir.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(self.marts_dir))
            self.build_dir.mkdir(parents=True, exist_ok=True)
        with on_disk(path, "creating the run's build file (a copy of the published marts)"):
            with FileLock(str(path) + ".lock"):
                if not path.exists():
                    self._remove_stale_builds()
                    self._create_build(path, run_id, years)
            con = connect(path)
        try:
            with on_disk(path, "writing the run's build file", only_duckdb=True):
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
            if wal_of(self.published).exists():
                progress_log.warning(
                    f"{wal_of(self.published)}: someone opened the published marts read-write and wrote "
                    "without a checkpoint (opening them read-write is not supported). The run starts "
                    "from the published file without those writes, so they are not in the new marts; "
                    "publishing moves the WAL aside so readers of the new file do not trip over it.")
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
        with on_disk(self.marts_dir, "publishing the marts"):
            owner = json.loads(self._owner_path(run_id).read_text())
            lock = FileLock(str(self.marts_dir / ".publish.lock"))
            try:
                lock.acquire(timeout=5)
            except Timeout:
                log("Another run is publishing to this marts folder; waiting for it to finish.")
                try:
                    lock.acquire(timeout=PUBLISH_LOCK_TIMEOUT_S)
                except Timeout as exc:
                    raise EnvironmentProblem(
                        self.marts_dir / ".publish.lock",
                        f"another run held the publish lock for {PUBLISH_LOCK_TIMEOUT_S} s",
                        "Wait for that run to finish (or end it if it hangs), then run again. "
                        "Nothing was published: the marts are unchanged.") from exc
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
                self._replace_published(run_id, ready)
            finally:
                lock.release()
        self.discard(run_id)
        return self.published

    def _replace_published(self, run_id: str, ready: Path) -> None:
        """Rename `ready` over the published file, the replaced file (and its WAL) becoming previous.

        A WAL belongs to the file beside it. The order keeps every name readable at every step:
        the old previous's WAL goes first, then the published file becomes previous, then its WAL
        follows it (the published name briefly without its WAL reads as of its last checkpoint),
        then the new file takes the published name with no WAL beside it.
        """
        log = progress_log.warning  # on the terminal even with -q: a WAL means someone wrote by hand
        wal, previous_wal = wal_of(self.published), wal_of(self.previous)
        if not self.published.exists():
            if wal.exists():  # a WAL without its file: nothing can replay it
                os.replace(wal, self.marts_dir / f"{wal.name}.orphaned")
                log(f"{wal}: no database file beside it; moved to {wal.name}.orphaned.")
            os.replace(ready, self.published)
            _fsync(self.marts_dir)
            return
        wal_state = _wal_state(self.published) if wal.exists() else None
        previous_wal.unlink(missing_ok=True)
        link = self.build_dir / f"{run_id}.previous"
        link.unlink(missing_ok=True)
        os.link(self.published, link)
        os.replace(link, self.previous)
        if wal_state == "matches":
            os.replace(wal, previous_wal)
            log(f"{wal}: writes of a read-write session on the replaced marts file that were never "
                f"checkpointed; they are not in the new marts. Moved aside with that file: "
                f"{self.previous.name} + {previous_wal.name} (open it read-only to see them).")
        elif wal_state == "held":
            os.replace(wal, previous_wal)
            log(f"{self.published}: a process holds the marts read-write (not supported); its session "
                f"now continues on {self.previous.name} with its WAL, and none of its writes are in "
                "the new marts.")
        elif wal_state is not None:
            os.replace(wal, self.marts_dir / f"{wal.name}.orphaned")
            log(f"{wal}: did not match the published file ({wal_state}), so no reader could open the "
                f"marts; moved to {wal.name}.orphaned. The new marts are readable again.")
        os.replace(ready, self.published)
        _fsync(self.marts_dir)

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


def _wal_state(path: Path) -> str:
    """Whether the WAL beside `path` replays on it ("matches"), a live process holds the file
    read-write ("held"), or else DuckDB's reason why the WAL cannot be replayed."""
    try:
        duckdb.connect(str(path), read_only=True).close()  # replays the WAL in memory, writes nothing
    except duckdb.IOException as exc:
        if "Could not set lock" in str(exc):
            return "held"
        return str(exc).splitlines()[0]
    except duckdb.Error as exc:
        return str(exc).splitlines()[0]
    return "matches"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_marts(marts_dir: Path, *, sandboxed: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published marts, as analysts open it.

    `sandboxed`: DuckDB's `enable_external_access = false` (locked for the connection's life):
    no COPY TO, no reading or attaching other files, no INSTALL/LOAD; only the marts file.
    A stray WAL beside the file (a read-write session was killed) never makes this fail: a WAL
    that replays is used (with a warning: those writes are not the pipeline's), one that does not
    belong to the file is ignored by reading a private copy of the file.
    """
    path = Path(marts_dir) / MARTS_FILE_NAME
    if not path.exists():
        raise IplmError(f"{path} does not exist yet: run `iplm run --year <year>` first.")
    settings = {"enable_external_access": False} if sandboxed else {}
    try:
        con = duckdb.connect(str(path), read_only=True, config=settings)
    except duckdb.IOException as exc:
        text = str(exc)
        if "Could not set lock" in text:
            holder = text.split("Conflicting lock is held in", 1)[-1].split(". See also")[0].strip()
            raise EnvironmentProblem(
                path, f"another process holds the marts read-write, and DuckDB lets no reader in "
                      f"while a writer holds a file (held by {holder})",
                "Opening the marts read-write is not supported: close that session (or end that "
                "process). The next `iplm run` publishes a new file that readers can open anyway.") from exc
        if "WAL" not in text or not wal_of(path).exists():
            raise environment_problem(exc, path, "opening the marts read-only", after="") from exc
        con = _private_copy(path, settings, text.splitlines()[0])
    else:
        if wal_of(path).exists():
            progress_log.warning(
                f"{wal_of(path)}: someone opened the marts read-write and wrote without a checkpoint "
                "(not supported). These results include those writes, which the pipeline did not "
                "make; the next `iplm run` leaves them out and moves the WAL aside.")
    con.execute("SET enable_progress_bar = false")
    return con


def _private_copy(path: Path, settings: dict, reason: str) -> duckdb.DuckDBPyConnection:
    """Read a byte copy of `path` (without the stray WAL beside it) from a private temp folder."""
    import atexit
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="iplm-marts-"))
    copy = folder / path.name
    with on_disk(folder, "copying the marts to read them without the stray WAL"):
        shutil.copyfile(path, copy)
    atexit.register(shutil.rmtree, folder, True)
    con = duckdb.connect(str(copy), read_only=True, config=settings)
    progress_log.warning(
        f"{wal_of(path)}: a write-ahead log that does not belong to the published file ({reason}); "
        "it was left by a read-write session on a file since replaced. Reading the published file "
        "without it. The next `iplm run` moves it aside (or delete it: nothing in it can be replayed).")
    return con
