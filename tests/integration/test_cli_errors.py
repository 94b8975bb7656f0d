"""`iplm` under data and environment problems: documented exit codes, never a traceback.

Exit codes: 0 ok, 1 an ERROR check failed, 2 bad input or a refused/failing query, 3 the
environment (disk full, marts folder not a folder or not writable, a held lock), 130
interrupted. Every command runs as a subprocess (`python -m iplm_pipeline.cli`), as a user
starts it. Disk-full and read-only cases use a real tmpfs or read-only bind mount inside a
private mount namespace (`unshare -m`: the mount dies with the process, nothing to clean
up); where the machine does not allow that, those tests skip and say why.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from tests.builders import LIBRARY_HEADER, sabu_raijua_libraries, write_rows, write_sabu_raijua

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120
IPLM = [sys.executable, "-m", "iplm_pipeline.cli"]
REFUSED = "iplm query only reads the marts; use `iplm export` to write files"


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def env_for(raw: Path, marts: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(IPLM_RAW_DIR=str(raw), IPLM_MARTS_DIR=str(marts))
    return env


def iplm(raw: Path, marts: Path, *args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run `iplm *args` to the end; every call asserts no traceback reached the user."""
    done = subprocess.run([*(prefix or []), *IPLM, *args], cwd=PROJECT_ROOT, env=env_for(raw, marts),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout, done.stdout
    return done


def plain_reader(path: Path, sql: str = "SELECT count(*) FROM iplm_regency") -> list:
    """An analyst's read-only connection, in its own process (DuckDB caches instances per process)."""
    code = (f"import duckdb, json; con = duckdb.connect({str(path)!r}, read_only=True); "
            f"print(json.dumps(con.sql({sql!r}).fetchall(), default=str))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout)


def in_private_mounts(shell: str) -> list[str]:
    """A command prefix running `shell` (mount commands), then `exec` the rest, in a new mount namespace."""
    return ["unshare", "-m", "sh", "-c", f"{shell} && exec \"$@\"", "sh"]


def private_mounts_available(tmp_path: Path) -> str | None:
    """None if `unshare -m` + mount work here, else why not (the reason a test skips with)."""
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    probe = tmp_path / "mount-probe"
    probe.mkdir()
    done = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(str(probe))}"],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        return f"cannot mount in a private namespace here: {done.stderr.strip()}"
    return None


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """A raw folder (tests/builders.py, Kab. Sabu Raijua 2024) and marts where 2024 is published."""
    root = tmp_path_factory.mktemp("cli-errors")
    raw, marts = root / "raw", root / "marts"
    write_sabu_raijua(raw)
    done = iplm(raw, marts, "run", "--year", "2024", "-q")
    assert done.returncode == 0, done.stderr
    return raw, marts


@pytest.fixture
def ws(template, tmp_path) -> tuple[Path, Path]:
    """Private copy: the template's raw folder and a marts folder holding its published file."""
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    shutil.copytree(template[0], raw)
    marts.mkdir()
    shutil.copy2(template[1] / "iplm.duckdb", marts / "iplm.duckdb")
    return raw, marts


# --------------------------------------------------------------------------- marts folder (exit 3)
def test_marts_dir_that_is_a_file(ws, tmp_path):
    raw, _ = ws
    not_a_folder = tmp_path / "marts.txt"
    not_a_folder.write_text("not a folder")
    done = iplm(raw, not_a_folder, "run", "--year", "2024", "-q")
    assert done.returncode == 3, done.stderr
    assert str(not_a_folder) in done.stderr and "not a folder" in done.stderr
    assert "Nothing was published" in done.stderr
    assert not_a_folder.read_text() == "not a folder"


def test_marts_dir_below_a_file(ws, tmp_path):
    raw, _ = ws
    (tmp_path / "afile").write_text("x")
    done = iplm(raw, tmp_path / "afile" / "sub", "run", "--year", "2024", "-q")
    assert done.returncode == 3, done.stderr
    assert str(tmp_path / "afile") in done.stderr and "is a file, not a folder" in done.stderr


def test_marts_dir_that_cannot_be_created(ws):
    # sysfs refuses new folders even to root, so this holds in CI too.
    if not os.path.ismount("/sys"):
        pytest.skip("/sys is not mounted here")
    raw, _ = ws
    done = iplm(raw, Path("/sys/iplm-marts"), "run", "--year", "2024", "-q")
    assert done.returncode == 3, done.stderr
    assert "/sys/iplm-marts" in done.stderr
    assert "not permitted" in done.stderr or "permission denied" in done.stderr


def test_marts_dir_read_only(ws, tmp_path):
    raw, marts = ws
    before = sha256(marts / "iplm.duckdb")
    if os.geteuid() != 0:
        marts.chmod(0o555)
        prefix = None
    else:  # root ignores permission bits: a read-only bind mount is read-only for root too
        reason = private_mounts_available(tmp_path)
        if reason:
            pytest.skip(f"running as root and {reason}")
        m = shlex.quote(str(marts))
        prefix = in_private_mounts(f"mount --bind {m} {m} && mount -o remount,bind,ro {m}")
    try:
        done = iplm(raw, marts, "run", "--year", "2024", "-q", prefix=prefix)
        assert done.returncode == 3, done.stderr
        assert str(marts) in done.stderr
        assert "read-only" in done.stderr or "permission denied" in done.stderr
        # Reading still works on a read-only folder.
        done = iplm(raw, marts, "query", "SELECT count(*) AS n FROM iplm_regency", "--format", "csv", prefix=prefix)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["n", "22"]
    finally:
        marts.chmod(0o755)
    assert sha256(marts / "iplm.duckdb") == before


# --------------------------------------------------------------------------- disk full (exit 3)
def test_disk_full_while_duckdb_writes_the_build(ws, tmp_path):
    raw, _ = ws
    reason = private_mounts_available(tmp_path)
    if reason:
        pytest.skip(reason)
    marts = tmp_path / "tiny"
    marts.mkdir()
    # 256 KiB: the folders fit, the DuckDB build file does not (DuckDB reports it as text).
    prefix = in_private_mounts(f"mount -t tmpfs -o size=256k tmpfs {shlex.quote(str(marts))}")
    done = iplm(raw, marts, "run", "--year", "2024", "-q", prefix=prefix)
    assert done.returncode == 3, done.stderr
    assert "no space left on the device" in done.stderr and str(marts) in done.stderr
    assert "Nothing was published" in done.stderr


def test_disk_full_while_copying_the_published_file(ws, tmp_path):
    raw, marts = ws
    reason = private_mounts_available(tmp_path)
    if reason:
        pytest.skip(reason)
    published = marts / "iplm.duckdb"
    before = sha256(published)
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    # Room for the published file and a little more: the run's byte copy into .build/ fails.
    size_k = published.stat().st_size // 1024 + 64
    t, p = shlex.quote(str(tiny)), shlex.quote(str(published))
    prefix = in_private_mounts(f"mount -t tmpfs -o size={size_k}k tmpfs {t} && cp {p} {t}/")
    check = subprocess.run(
        [*prefix, "sh", "-c", f"{shlex.join(IPLM)} run --year 2024 -q; code=$?; "
                              f"sha256sum {t}/iplm.duckdb; ls -A {t}/.build; exit $code"],
        cwd=PROJECT_ROOT, env=env_for(raw, tiny), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=TIMEOUT_S)
    assert "Traceback" not in check.stderr, check.stderr
    assert check.returncode == 3, check.stderr
    assert "no space left on the device" in check.stderr
    assert f"{tiny}/.build/" in check.stderr  # where the data went, not the copy's source
    digest, *leftovers = check.stdout.split("\n")
    assert digest.split()[0] == before  # the published file is untouched
    assert [x for x in leftovers if x] == []  # the failed run's build files are gone


# --------------------------------------------------------------------------- bad input (exit 2)
def test_csv_cell_over_the_field_limit_is_bad_input_not_a_traceback(ws):
    raw, marts = ws
    before = sha256(marts / "iplm.duckdb")
    libraries = sabu_raijua_libraries()
    libraries[3][2] = "x" * 200_000  # Python's csv: "field larger than field limit (131072)"
    write_rows(raw / "perpustakaan" / "2024" / "ntt.csv", [["Data Perpustakaan"], [], LIBRARY_HEADER, *libraries])
    done = iplm(raw, marts, "run", "--year", "2024", "-q")
    assert done.returncode == 2, done.stderr
    # Either the CSV reader locates it (file, row) or main() names the step; both exit 2.
    assert "perpustakaan/2024/ntt.csv" in done.stderr or "library_registrations" in done.stderr
    assert sha256(marts / "iplm.duckdb") == before


# --------------------------------------------------------------------------- query
@pytest.mark.parametrize("sql, expected", [
    ("SELEC regency_name FROM iplm_regency", "Parser Error: syntax error"),
    ("SELECT no_such_column FROM iplm_regency", "Binder Error"),
    ("SELECT * FROM no_such_table", "Catalog Error"),
])
def test_query_sql_errors_print_duckdbs_message(template, sql, expected):
    done = iplm(*template, "query", sql)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr


def test_query_cannot_write_files(template, tmp_path):
    target = tmp_path / "out.csv"
    done = iplm(*template, "query", f"COPY iplm_regency TO '{target}' (HEADER)")
    assert done.returncode == 2, done.stderr
    assert REFUSED in done.stderr
    assert not target.exists()


def test_query_cannot_read_other_files(template):
    raw, _ = template
    for sql in ("SELECT * FROM read_csv('/etc/passwd')",
                f"SELECT * FROM read_csv('{raw / 'perpustakaan' / '2024' / 'ntt.csv'}')",
                "SELECT * FROM read_text('/etc/hostname')",
                "SELECT * FROM glob('/etc/*')"):
        done = iplm(*template, "query", sql)
        assert done.returncode == 2, (sql, done.stderr)
        assert REFUSED in done.stderr, sql
        assert "root:" not in done.stdout


def test_query_cannot_attach_install_load_or_change_its_settings(template, tmp_path):
    for sql in (f"ATTACH '{tmp_path / 'other.duckdb'}' AS other", "INSTALL httpfs", "LOAD httpfs",
                "SET enable_external_access = true", "CREATE TABLE scratch (i INTEGER)",
                "DELETE FROM iplm_regency"):
        done = iplm(*template, "query", sql)
        assert done.returncode == 2, (sql, done.stderr)
        assert REFUSED in done.stderr, sql
    assert not (tmp_path / "other.duckdb").exists()
    assert plain_reader(template[1] / "iplm.duckdb") == [[22]]


def test_query_formats(template, tmp_path):
    sql = ("SELECT regency_name, iplm, '=HYPERLINK(\"http://x\")' AS formula, '-1+2' AS minus, "
           "'@SUM(A1)' AS at, '\tx' AS tab, 'plain' AS text, [1, 2] AS list "
           "FROM iplm_regency WHERE year = 2024 AND bps_code = '5320'")
    out = tmp_path / "r.csv"
    done = iplm(*template, "query", sql, "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "regency_name,iplm,formula,minus,at,tab,text,list"
    assert lines[1] == ("Kabupaten Sabu Raijua,45.52,\"'=HYPERLINK(\"\"http://x\"\")\",'-1+2,'@SUM(A1),'\tx,"
                        "plain,\"[1, 2]\"")

    done = iplm(*template, "query", sql, "--format", "json")
    assert done.returncode == 0, done.stderr
    [record] = json.loads(done.stdout)
    assert record["iplm"] == 45.52 and record["formula"].startswith("=")  # JSON is data, not a sheet
    assert record["list"] == [1, 2]

    parquet = tmp_path / "r.parquet"
    done = iplm(*template, "query", "SELECT * FROM iplm_regency", "--out", str(parquet))
    assert done.returncode == 0, done.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    assert table.num_rows == 22 and "uplm7" in table.column_names

    done = iplm(*template, "query", "SELECT 1", "--format", "parquet")
    assert done.returncode == 2 and "--out" in done.stderr


def test_query_wide_results_are_never_truncated_in_a_file(template, tmp_path):
    columns = ", ".join(f"repeat('v{i}', 60) AS column_with_a_long_name_{i}" for i in range(40))
    sql = f"SELECT {columns} FROM range(100)"
    for fmt in ("csv", "table"):
        out = tmp_path / f"wide.{fmt}.txt"
        done = iplm(*template, "query", sql, "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
        text = out.read_text(encoding="utf-8")
        assert "…" not in text and "..." not in text
        assert text.count("v39" * 60) == 100
        assert "column_with_a_long_name_39" in text


def test_query_out_in_a_missing_folder_is_an_environment_problem(template, tmp_path):
    done = iplm(*template, "query", "SELECT 1", "--out", str(tmp_path / "missing" / "r.csv"))
    assert done.returncode == 3, done.stderr
    assert str(tmp_path / "missing" / "r.csv") in done.stderr


# --------------------------------------------------------------------------- a WAL beside the published file
WRITER = r"""
import sys, time
import duckdb

con = duckdb.connect(sys.argv[1])  # read-write: not supported, and exactly what this test does
con.execute("SET checkpoint_threshold = '1GB'")  # keep the write in the WAL
con.execute("UPDATE iplm_regency SET iplm = 99.99 WHERE bps_code = '5320'")
print("written", flush=True)
time.sleep(600)
"""


def start_writer(tmp_path: Path, published: Path) -> subprocess.Popen:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(published)], stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True)
    line = writer.stdout.readline()
    if line.strip() != "written":
        writer.kill()
        writer.wait(timeout=30)
        pytest.fail(f"the writer did not write (exit {writer.poll()})")
    return writer


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


SABU = "SELECT iplm FROM iplm_regency WHERE year = 2024 AND bps_code = '5320'"


def test_a_killed_read_write_session_leaves_a_wal_and_run_repairs_it(ws, tmp_path):
    raw, marts = ws
    published, wal = marts / "iplm.duckdb", marts / "iplm.duckdb.wal"
    writer = start_writer(tmp_path, published)
    kill(writer)
    assert wal.exists() and wal.stat().st_size > 0

    # Readers through iplm work, and say that the results include writes iplm did not make.
    done = iplm(raw, marts, "query", SABU, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["iplm", "99.99"]
    assert "iplm.duckdb.wal" in done.stderr and "read-write" in done.stderr

    done = iplm(raw, marts, "run", "--year", "2024", "-q")
    assert done.returncode == 0, done.stderr
    assert "not in the new marts" in done.stderr  # the lost writes are said, even with -q

    # The new file has no WAL beside it: every reader works, and the hand-made write is not in it.
    assert not wal.exists()
    assert plain_reader(published, SABU) == [["45.52"]]
    # The WAL went with the file it belongs to: the replaced file still shows the write.
    assert (marts / "iplm.previous.duckdb.wal").exists()
    assert plain_reader(marts / "iplm.previous.duckdb", SABU) == [["99.99"]]
    # A second run replaces previous and drops the old previous's WAL with it.
    done = iplm(raw, marts, "run", "--year", "2024", "-q")
    assert done.returncode == 0, done.stderr
    assert not (marts / "iplm.previous.duckdb.wal").exists()
    assert plain_reader(marts / "iplm.previous.duckdb", SABU) == [["45.52"]]


def test_a_wal_of_an_older_file_breaks_plain_readers_but_not_iplm(ws, tmp_path):
    """The failure publishing used to cause: a WAL beside a file it does not belong to."""
    raw, marts = ws
    published, wal = marts / "iplm.duckdb", marts / "iplm.duckdb.wal"
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy2(published, old / "iplm.duckdb")
    kill(start_writer(tmp_path, old / "iplm.duckdb"))
    # The published name now points at a later checkpoint of that file, as after a publish.
    subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(published)!r}).execute('CHECKPOINT')"
                    f".execute('CREATE TABLE later AS SELECT 1').close()"], check=True, timeout=60)
    shutil.copy2(old / "iplm.duckdb.wal", wal)
    with pytest.raises(AssertionError, match="WAL"):
        plain_reader(published)

    done = iplm(raw, marts, "query", SABU, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["iplm", "45.52"]
    assert "does not belong to the published file" in done.stderr
    done = iplm(raw, marts, "reconcile", "--year", "2024")
    assert done.returncode == 0, done.stderr

    done = iplm(raw, marts, "run", "--year", "2024", "-q")
    assert done.returncode == 0, done.stderr
    assert not wal.exists() and (marts / "iplm.duckdb.wal.orphaned").exists()
    assert plain_reader(published) == [[22]]
    assert plain_reader(marts / "iplm.previous.duckdb") == [[22]]


def test_a_live_read_write_session_blocks_readers_clearly_and_a_run_frees_them(ws, tmp_path):
    raw, marts = ws
    published = marts / "iplm.duckdb"
    writer = start_writer(tmp_path, published)
    try:
        done = iplm(raw, marts, "query", "SELECT 1")
        assert done.returncode == 3, done.stderr
        assert "holds the marts read-write" in done.stderr and f"PID {writer.pid}" in done.stderr

        done = iplm(raw, marts, "run", "--year", "2024", "-q")
        assert done.returncode == 0, done.stderr
        assert plain_reader(published, SABU) == [["45.52"]]  # the new file: readers get in again
    finally:
        kill(writer)
    assert plain_reader(marts / "iplm.previous.duckdb", SABU) == [["99.99"]]


# --------------------------------------------------------------------------- locks and interrupts
def test_interrupted_run_exits_130_and_publishes_nothing(ws, tmp_path):
    raw, marts = ws
    before = sha256(marts / "iplm.duckdb")
    err = tmp_path / "run.err"
    lock = FileLock(str(marts / ".publish.lock"))
    lock.acquire(timeout=10)  # the run stops at publishing, waiting, whatever its speed
    try:
        with err.open("w") as e:
            run = subprocess.Popen([*IPLM, "run", "--year", "2024"], cwd=PROJECT_ROOT, env=env_for(raw, marts),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e)
        deadline = time.monotonic() + TIMEOUT_S
        while "waiting for it to finish" not in err.read_text():
            assert run.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the run never reached the publish lock"
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        code = run.wait(timeout=60)
    finally:
        lock.release()
        if run.poll() is None:
            kill(run)
    text = err.read_text()
    assert code == 130, text
    assert "Traceback" not in text and "interrupted" in text
    assert sha256(marts / "iplm.duckdb") == before
    assert list((marts / ".build").glob("*.duckdb")) == []


def test_publish_lock_timeout_is_an_environment_problem(ws, monkeypatch, capsys):
    # In-process: the 600 s wait is shortened; the lock is held by another FileLock (flock is
    # per open file, so it blocks this process's own publish like another process would).
    raw, marts = ws
    import iplm_pipeline.warehouse as warehouse
    from iplm_pipeline.cli import main

    monkeypatch.setenv("IPLM_RAW_DIR", str(raw))
    monkeypatch.setenv("IPLM_MARTS_DIR", str(marts))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(warehouse, "PUBLISH_LOCK_TIMEOUT_S", 0.2)
    before = sha256(marts / "iplm.duckdb")
    lock = FileLock(str(marts / ".publish.lock"))
    lock.acquire(timeout=10)
    try:
        assert main(["run", "--year", "2024", "-q"]) == 3
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert ".publish.lock" in err and "held the publish lock" in err and "Traceback" not in err
    assert sha256(marts / "iplm.duckdb") == before
