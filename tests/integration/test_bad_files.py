"""No silent wrong numbers: every case of the bad-file corpus through `iplm run`, as a subprocess.

The corpus is generated once per session by scripts/build_bad_corpus.py (the big cases, a 50 MB
cell and a 4 MB zip bomb, included, in a tmp folder). Each case runs on a copy of the small good
dataset (tests.builders.write_sabu_raijua) plus its bad file, against a marts folder that already
holds a good published year; the cases selected for this session run concurrently (as many as
there are cores, IPLM_CORPUS_JOBS to change it) so the corpus stays within a minute. Asserted per
case: the exit code, the file name and phrases in the message, never a traceback; for a stop,
the published marts byte-identical; for a run that goes on, the quarantined rows and the values
the manifest names, read from the marts read-only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
import pytest

from tests.builders import write_sabu_raijua

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2024
TIMEOUT_S = 180
RSS_KILL_MB = 3072  # a reader inflating the bomb is stopped before it takes the shared machine down


def _load_generator():
    spec = importlib.util.spec_from_file_location("build_bad_corpus", ROOT / "scripts" / "build_bad_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus_module = _load_generator()
CASES = {case.name: case for case in corpus_module.CASES}


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    cpu_s: float
    max_rss_mb: float
    wall_s: float
    killed: str | None
    sha_before: str
    sha_after: str | None
    marts: Path


def sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IPLM_RAW_DIR", "IPLM_MARTS_DIR", "DAGSTER_HOME")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(raw: Path, marts: Path, log: Path, *, watch_memory: bool = False) -> tuple:
    """`iplm run` as a subprocess; (exit code, stdout, stderr, cpu s, max RSS MB, wall s, killed)."""
    log.mkdir(parents=True, exist_ok=True)
    out, err = log / "stdout.txt", log / "stderr.txt"
    started = time.perf_counter()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "iplm_pipeline.cli", "run", "--year", str(YEAR), "-q",
                                 "--raw-dir", str(raw), "--marts-dir", str(marts)],
                                cwd=ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=o, stderr=e)
    done, killed = threading.Event(), []

    def watchdog() -> None:  # never poll() the child here: wait4 below must be the one to reap it
        try:
            watched = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.wait(0.05 if watch_memory else 1.0):
            try:
                rss = watched.memory_info().rss / 2**20 if watch_memory else 0
            except psutil.Error:
                return
            why = (f"over {TIMEOUT_S} s" if time.perf_counter() - started > TIMEOUT_S
                   else f"RSS {rss:.0f} MB" if rss > RSS_KILL_MB else None)
            if why and not done.is_set():
                killed.append(why)
                os.kill(proc.pid, signal.SIGKILL)
                return

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    guard.join()
    return (proc.returncode, out.read_text(errors="replace"), err.read_text(errors="replace"),
            usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, time.perf_counter() - started,
            killed[0] if killed else None)


@pytest.fixture(scope="session")
def corpus_runs(request, tmp_path_factory) -> dict[str, Outcome]:
    """Generate the corpus and the good published year once, then run the selected cases."""
    selected = {item.callspec.params["name"] for item in request.session.items
                if item.module.__name__ == __name__ and hasattr(item, "callspec")}
    needed = selected | {CASES[n].baseline for n in selected if CASES[n].baseline}
    top = tmp_path_factory.mktemp("bad_corpus")
    corpus = top / "corpus"
    manifest = {entry["name"]: entry for entry in corpus_module.build(corpus, big=True, only=needed)}
    base_raw = write_sabu_raijua(top / "base" / "raw")
    good_marts = top / "base" / "marts"
    code, _, stderr, *_ = run_cli(base_raw, good_marts, top / "base" / "log")
    assert code == 0, f"the good dataset does not run: {stderr[-3000:]}"
    published = good_marts / "iplm.duckdb"

    def one(name: str) -> Outcome:
        entry, folder = manifest[name], top / "cases" / name
        raw, marts = folder / "raw", folder / "marts"
        shutil.copytree(base_raw, raw)
        for path in entry["remove"]:
            target = raw / path
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        shutil.copytree(corpus / name / "raw", raw, dirs_exist_ok=True)
        marts.mkdir(parents=True)
        shutil.copy2(published, marts / "iplm.duckdb")
        before = sha256(marts / "iplm.duckdb")
        code, stdout, stderr, cpu, rss, wall, killed = run_cli(raw, marts, folder / "log",
                                                               watch_memory=entry["big"])
        return Outcome(code, stdout, stderr, cpu, rss, wall, killed, before, sha256(marts / "iplm.duckdb"), marts)

    jobs = int(os.environ.get("IPLM_CORPUS_JOBS", os.cpu_count() or 1))
    # The big cases first, so their memory peaks do not meet each other's at the end.
    order = sorted(needed, key=lambda n: (not CASES[n].big, n))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = dict(zip(order, pool.map(one, order), strict=True))
    # What each case did, for a look after the session (pytest --basetemp=DIR keeps it in DIR).
    summary = {"jobs": jobs, "wall_s": round(time.perf_counter() - started, 1), "cases": {
        name: {"exit": o.code, "cpu_s": round(o.cpu_s, 2), "max_rss_mb": round(o.max_rss_mb),
               "wall_s": round(o.wall_s, 1),
               "killed": o.killed, "stderr": o.stderr[-1500:]} for name, o in outcomes.items()}}
    (top / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return outcomes


def _same(actual, expected) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return actual is not None and math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file(name, corpus_runs):
    case, outcome = CASES[name], corpus_runs[name]
    said = outcome.stderr + outcome.stdout
    context = f"{case.what}\n--- stderr (exit {outcome.code}):\n{outcome.stderr[-4000:]}"
    assert outcome.killed is None, f"killed ({outcome.killed}): {context}"
    assert "Traceback" not in said, context
    assert outcome.code == case.exit_code, context
    if case.expect in ("error", "check"):
        assert outcome.sha_after == outcome.sha_before, f"the published marts changed: {context}"
        if case.file:
            assert Path(case.file).name in outcome.stderr, f"the message does not name {case.file}: {context}"
        for phrase in case.phrases:
            assert phrase in said, f"'{phrase}' not in the message: {context}"
    else:
        assert outcome.sha_after != outcome.sha_before, f"exit 0 but nothing was published: {context}"
        with duckdb.connect(str(outcome.marts / "iplm.duckdb"), read_only=True) as con:
            if case.file:
                assert con.execute("SELECT count(*) FROM source_files WHERE year = ? AND source_file = ?",
                                   [YEAR, case.file]).fetchone()[0] >= 1, f"{case.file} was not read: {context}"
            for q in case.quarantine:
                reasons = [r[0] for r in con.execute(
                    "SELECT reason FROM quarantine WHERE year = ? AND source_file = ? AND row_number = ?",
                    [YEAR, q["file"], q["row"]]).fetchall()]
                assert q["reason"] in reasons, f"{q}: quarantined as {reasons}\n{context}"
            for check in case.values:
                rows = [list(r) for r in con.execute(check["sql"]).fetchall()]
                expected = check["rows"]
                assert len(rows) == len(expected) and all(
                    len(a) == len(e) and all(_same(x, y) for x, y in zip(a, e, strict=True))
                    for a, e in zip(rows, expected, strict=True)), f"{check['sql']}\n-> {rows}, expected {expected}"
    if case.baseline:
        base = corpus_runs[case.baseline]
        extra_cpu, extra_rss = outcome.cpu_s - base.cpu_s, outcome.max_rss_mb - base.max_rss_mb
        assert extra_cpu < case.limits["extra_cpu_seconds"], (
            f"{extra_cpu:.2f} s of CPU more than {case.baseline} ({base.cpu_s:.2f} s)")
        assert extra_rss < case.limits["extra_rss_mb"], (
            f"{extra_rss:.0f} MB peak memory more than {case.baseline} ({base.max_rss_mb:.0f} MB)")


def test_the_big_cases_are_what_they_claim(tmp_path):
    """The zip bomb is 4 MB inflating to 4 GB with true CRCs, the huge cell 50 MB: no subprocess needed."""
    import zipfile
    import zlib

    data, crc, size = corpus_module.bomb_member(b"<a>", b" x " * 999, 37, b"</a>")
    whole = b"<a>" + b" x " * 999 * 37 + b"</a>"
    assert zlib.decompress(data, -15) == whole and crc == zlib.crc32(whole) and size == len(whole)
    bomb = corpus_module.zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 4.5 * 2**20
    sheet = zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 3.9e9 and sheet.compress_size < 4.5 * 2**20
    corpus_module.build_huge_cell(tmp_path)
    assert (tmp_path / corpus_module.LIB / "huge_cell.csv").stat().st_size > 50 * 2**20
