"""The publishing design under real processes (locks, kills and open files are per process).

Analysts hold read-only connections on `iplm.duckdb`; a run builds `.build/<run_id>.duckdb` and
publishes under `.publish.lock` by renaming a fresh file over the published one (warehouse.py).
Every `iplm` command here is a subprocess with its own environment, as a user or the scheduler
would start it; every wait has a timeout so a hang fails the test instead of blocking CI.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from iplm_pipeline.warehouse import REFERENCE_TABLES, YEAR_TABLES
from tests.builders import bps_table, write_library_year, write_rows, write_years

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
YEARS = [2022, 2023, 2024]
RUN_TIMEOUT_S = 120
SABU_RAIJUA, KUPANG = "5320", "5303"


# --------------------------------------------------------------------------- helpers
def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def wait_for(condition, *, timeout: float, what: str, proc: subprocess.Popen | None = None,
             interval: float = 0.01):
    """Poll `condition` until it returns something truthy; fail if `proc` ends first or on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process ended (exit {proc.returncode}) before {what}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Run:
    """An `iplm` subprocess whose output goes to files (no pipe to fill up and block it)."""

    proc: subprocess.Popen
    stdout: Path
    stderr: Path

    def finish(self, timeout: float = RUN_TIMEOUT_S) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            pytest.fail(f"`iplm` did not finish in {timeout} s:\n{self.err}")

    @property
    def err(self) -> str:
        return self.stderr.read_text(errors="replace")


@dataclass
class Workspace:
    root: Path
    raw: Path
    marts: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    @property
    def published(self) -> Path:
        return self.marts / "iplm.duckdb"

    @property
    def previous(self) -> Path:
        return self.marts / "iplm.previous.duckdb"

    @property
    def build_dir(self) -> Path:
        return self.marts / ".build"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(IPLM_RAW_DIR=str(self.raw), IPLM_MARTS_DIR=str(self.marts))
        return env

    def start(self, *args: str) -> Run:
        self.root.mkdir(parents=True, exist_ok=True)
        n = len(list(self.root.glob("iplm-*.err")))
        out, err = self.root / f"iplm-{n}.out", self.root / f"iplm-{n}.err"
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen([sys.executable, "-m", "iplm_pipeline.cli", *args], cwd=PROJECT_ROOT,
                                    env=self.env(), stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        self.started.append(proc)
        return Run(proc, out, err)

    def stop_all(self) -> None:
        """Kill the `iplm` processes this workspace started that still run (a test failed mid-way)."""
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)

    def run(self, *args: str) -> tuple[int, str]:
        """Run `iplm *args` to the end: (exit code, stderr then stdout)."""
        run = self.start(*args)
        code = run.finish()
        return code, run.err + run.stdout.read_text(errors="replace")

    def query(self, sql: str, params=None, path: Path | None = None) -> list[tuple]:
        with duckdb.connect(str(path or self.published), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def builds(self) -> list[Path]:
        """Runs' build files (`<run_id>.duckdb`), not their snapshot or publish files."""
        if not self.build_dir.is_dir():
            return []
        return sorted(p for p in self.build_dir.glob("*.duckdb") if "." not in p.stem)


def year_tables_in(ws: Workspace, path: Path | None = None) -> list[str]:
    """Every table (not view) of the file with a `year` column, as schema.table ('main.' left off)."""
    rows = ws.query("SELECT DISTINCT schema_name, table_name FROM duckdb_columns() JOIN duckdb_tables() "
                    "USING (database_name, schema_name, table_name) "
                    "WHERE database_name = current_database() AND column_name = 'year' ORDER BY ALL",
                    path=path)
    return [name if schema == "main" else f"{schema}.{name}" for schema, name in rows]


def snapshot(ws: Workspace, where: str) -> dict[str, list[tuple]]:
    """Full contents of every table with a `year` column, restricted by `where`."""
    return {t: ws.query(f"SELECT * FROM {t} WHERE {where} ORDER BY ALL") for t in year_tables_in(ws)}


def years_in(ws: Workspace, table: str = "iplm_regency", path: Path | None = None) -> list[int]:
    return [r[0] for r in ws.query(f"SELECT DISTINCT year FROM {table} ORDER BY 1", path=path)]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Workspace:
    """Raw data for 2022-2024 and a marts folder where `iplm run --year 2023` has published."""
    root = tmp_path_factory.mktemp("template")
    ws = Workspace(root, root / "raw", root / "marts")
    write_years(ws.raw, YEARS)
    try:
        code, err = ws.run("run", "--year", "2023", "-q")
    finally:
        ws.stop_all()
    assert code == 0, err
    assert years_in(ws) == [2023]
    return ws


def copy_workspace(template: Workspace, root: Path, *, published: bool) -> Workspace:
    ws = Workspace(root, root / "raw", root / "marts")
    shutil.copytree(template.raw, ws.raw)
    ws.marts.mkdir(parents=True)
    if published:
        shutil.copy2(template.published, ws.published)
    return ws


@pytest.fixture
def ws(template, tmp_path) -> Iterator[Workspace]:
    """A private copy of the template: raw data and the published 2023 marts."""
    ws = copy_workspace(template, tmp_path, published=True)
    yield ws
    ws.stop_all()


@pytest.fixture
def fresh(template, tmp_path) -> Iterator[Workspace]:
    """A private copy of the template's raw data, nothing published yet."""
    ws = copy_workspace(template, tmp_path, published=False)
    yield ws
    ws.stop_all()


# --------------------------------------------------------------------------- 1. readers
READER = r"""
import json, os, sys, time
import duckdb

path, out, stop, mode = sys.argv[1:]
sql = "SELECT year, count(*) FROM iplm_regency GROUP BY year ORDER BY year"
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
with open(out, "a", buffering=1) as f:
    while True:
        stopping = os.path.exists(stop)
        try:
            if held is not None:
                rows = held.execute(sql).fetchall()
            else:  # a new connection per query: sees whichever file the name points at
                with duckdb.connect(path, read_only=True) as con:
                    rows = con.execute(sql).fetchall()
            f.write(json.dumps({"t": time.time(), "rows": rows}) + "\n")
        except Exception as exc:
            f.write(json.dumps({"t": time.time(), "error": repr(exc)}) + "\n")
        if stopping:
            break
        time.sleep(0.05)
"""


def test_readers_are_never_blocked_while_a_run_publishes(ws):
    script = ws.root / "reader.py"
    script.write_text(READER)
    stop = ws.root / "stop"
    before = sha256(ws.published)
    readers = {}
    for mode in ("hold", "reconnect"):
        out = ws.root / f"reader-{mode}.jsonl"
        readers[mode] = (subprocess.Popen([sys.executable, str(script), str(ws.published), str(out), str(stop), mode],
                                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE), out)
    try:
        for mode, (proc, out) in readers.items():
            wait_for(lambda out=out: out.exists() and out.read_text().count("\n") >= 1,
                     timeout=60, what=f"the {mode} reader's first query", proc=proc)
        started = time.time()
        code, err = ws.run("run", "--year", "2024", "-q")
        ended = time.time()
        time.sleep(0.2)  # a few more queries on the new file
    finally:
        stop.touch()
        for proc, _ in readers.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
    assert code == 0, err

    results = {}
    for mode, (proc, out) in readers.items():
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert proc.returncode == 0, proc.stderr.read().decode()
        errors = [r["error"] for r in lines if "error" in r]
        assert errors == [], f"the {mode} reader failed: {errors[:3]}"
        assert lines[0]["t"] < started and lines[-1]["t"] > ended, f"{mode} did not read across the run"
        results[mode] = [[tuple(row) for row in r["rows"]] for r in lines]

    old, new = [(2023, 22)], [(2023, 22), (2024, 22)]
    # The held connection keeps its snapshot: the file it opened, through the rename.
    assert {tuple(r) for r in results["hold"]} == {tuple(old)}
    # New connections see the old file, then the new one, and never anything in between.
    seen = results["reconnect"]
    assert set(map(tuple, seen)) <= {tuple(old), tuple(new)}
    assert seen[0] == old and seen[-1] == new
    flips = sum(1 for a, b in zip(seen, seen[1:], strict=False) if a != b)
    assert flips == 1, "the published file went back and forth"

    # A new connection after the run: 2024 published, 2023 carried over unchanged.
    assert years_in(ws) == [2023, 2024]
    assert ws.query("SELECT count(*) FROM iplm_regency WHERE year = 2024 AND iplm IS NOT NULL") == [(3,)]
    assert sha256(ws.previous) == before  # the replaced file, kept as iplm.previous.duckdb
    assert ws.builds() == []


# --------------------------------------------------------------------------- 2. SIGKILL
def test_run_killed_mid_build_leaves_the_published_file_and_is_cleaned_up_by_the_next(ws):
    before = sha256(ws.published)
    # Insurance against a run too fast to catch: while the test holds the publish lock, the run
    # cannot publish, so "killed before publishing" holds whatever the timing.
    lock = FileLock(str(ws.marts / ".publish.lock"))
    lock.acquire(timeout=10)
    try:
        run = ws.start("run", "--year", "2024")
        build = wait_for(ws.builds, timeout=90, what="the run's build file", proc=run.proc, interval=0.005)
        os.kill(run.proc.pid, signal.SIGKILL)
        assert run.finish(timeout=30) == -signal.SIGKILL
    finally:
        lock.release()
    killed = build[0].name.removesuffix(".duckdb")
    assert "marts_file" not in run.err  # killed before the publishing step began
    leftovers = sorted(p.name for p in ws.build_dir.glob(f"{killed}.*"))
    assert f"{killed}.duckdb" in leftovers and f"{killed}.owner" in leftovers, leftovers

    assert sha256(ws.published) == before
    assert years_in(ws) == [2023]  # read-only, as analysts open it
    assert not ws.previous.exists()

    code, err = ws.run("run", "--year", "2024", "-q")
    assert code == 0, err
    assert list(ws.build_dir.glob(f"{killed}.*")) == []  # the dead run's files are gone
    assert ws.builds() == []
    assert years_in(ws) == [2023, 2024]
    assert sha256(ws.previous) == before


# --------------------------------------------------------------------------- 3. backfill, per-year method
def test_backfill_uses_each_years_method_and_a_rerun_replaces_only_its_year(fresh):
    ws = fresh
    code, err = ws.run("backfill", "--from", "2022", "--to", "2024", "-q")
    assert code == 0, err
    assert ws.builds() == []

    # Every table with a year column is one publishing carries over (or rewrites as reference);
    # any other would be emptied by each publish.
    tables = year_tables_in(ws)
    assert set(tables) - set(YEAR_TABLES) - set(REFERENCE_TABLES) == set(), "not in warehouse.YEAR_TABLES"
    for table in ("iplm_regency", "iplm_province", "iplm_national", "data_completeness", "staging.perpustakaan",
                  "staging.bps", "staging.bps_tables", "source_files", "quarantine"):
        assert years_in(ws, table) == YEARS, table

    rows = ws.query("SELECT year, uplm7, method_status FROM iplm_regency WHERE bps_code = ? ORDER BY year",
                    [SABU_RAIJUA])
    (y22, uplm7_2022, status_2022), *capped = rows
    # 31 725 members against a standard of 2% x 93 330 people: ~17 uncapped.
    assert y22 == 2022 and uplm7_2022 == pytest.approx(31_725 / (0.02 * 93_330)) and uplm7_2022 > 1
    assert status_2022 == "approximate"
    assert capped == [(2023, 1.0, "final"), (2024, 1.0, "final")]
    assert ws.query("SELECT max(uplm7) FROM iplm_regency WHERE year = 2022")[0][0] > 1
    assert ws.query("SELECT max(greatest(uplm1, uplm2, uplm3, uplm4, uplm5, uplm6, uplm7)) "
                    "FROM iplm_regency WHERE year IN (2023, 2024)")[0][0] == 1.0

    others_before = snapshot(ws, "year <> 2024")
    year_before = snapshot(ws, "year = 2024")
    # New 2024 library data only: Kupang's members jump (25 000 vs a standard of 7 603).
    write_library_year(ws.raw, 2024, kupang_members="5.000")
    code, err = ws.run("run", "--year", "2024", "-q")
    assert code == 0, err

    assert snapshot(ws, "year <> 2024") == others_before
    year_after = snapshot(ws, "year = 2024")
    changed = {t for t in year_after if year_after[t] != year_before[t]}
    assert {"iplm_regency", "staging.perpustakaan", "source_files"} <= changed
    assert ws.query("SELECT year, uplm7 FROM iplm_regency WHERE bps_code = ? ORDER BY year", [KUPANG]) == [
        (2022, pytest.approx(250 / (0.02 * 380_150))), (2023, pytest.approx(250 / (0.02 * 380_150))),
        (2024, 1.0)]


# --------------------------------------------------------------------------- 4. concurrent runs
def test_concurrent_runs_for_different_years_both_publish(ws):
    # Both runs reach the publish step while the lock is taken, then race for it on release.
    lock = FileLock(str(ws.marts / ".publish.lock"))
    lock.acquire(timeout=10)
    try:
        runs = [ws.start("run", "--year", str(year)) for year in (2022, 2024)]
        for run in runs:
            wait_for(lambda run=run: "waiting for it to finish" in run.err, timeout=90,
                     what="the run to wait for the publish lock", proc=run.proc, interval=0.05)
    finally:
        lock.release()
    codes = [run.finish() for run in runs]
    for run, code in zip(runs, codes, strict=True):
        assert code == 0, run.err
        assert "Could not set lock" not in run.err and "Traceback" not in run.err, run.err
        assert "marts_file: published" in run.err

    assert years_in(ws) == [2022, 2023, 2024]  # no lost update; 2023 carried over
    for table in ("iplm_regency", "staging.perpustakaan", "source_files"):
        assert years_in(ws, table) == YEARS, table
    # The file the second publish replaced holds the first publish: 2023 and exactly one new year.
    assert years_in(ws, path=ws.previous) in ([2022, 2023], [2023, 2024])
    assert ws.builds() == []


# --------------------------------------------------------------------------- 5. failing run
def test_failing_run_leaves_the_published_file_and_no_build_file(ws):
    before = sha256(ws.published)
    write_rows(ws.raw / "bps" / "dosen" / "ntt.csv", bps_table(
        "Jumlah Dosen Menurut Kabupaten/Kota di Provinsi Nusa Tenggara Timur", [2020, 2021, 2022],
        [("Sabu Raijua", ["-", "-", "-"]), ("Kupang", ["120", "120", "12O"]),
         ("Kota Kupang", ["2.950", "2.950", "2.950"]), ("Nusa Tenggara Timur", ["…", "…", "…"])]))
    code, err = ws.run("run", "--year", "2024", "-q")
    assert code == 2, err
    assert "bps/dosen/ntt.csv" in err and "'12O' is not a number" in err
    assert sha256(ws.published) == before
    assert not ws.previous.exists()
    assert ws.builds() == []
    assert list(ws.build_dir.glob("*.owner")) == []

