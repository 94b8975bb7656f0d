"""Benchmark one national IPLM year: the pipeline end to end from CSV and XLSX, a bare baseline
(bench/baseline.py) on the same files, and a scale curve. Writes bench/results.md.

    .venv/bin/python bench/run.py            # full: scale 1, repeat 3, curve 0.25,0.5,1,2
    .venv/bin/python bench/run.py --smoke    # CI: scale 0.05, repeat 1 -> bench/out/results-smoke.md

Synthetic data come from `iplm_pipeline.synth.generate_country` and are cached under
bench/out/data/<format>-s<scale>-seed<seed>/ (generation is not timed). Every measured run is
its own subprocess, waited for with os.wait4: wall time from perf_counter around it, peak RSS
from that child's ru_maxrss. Exits 1 if a pipeline or baseline run fails, never on timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
YEAR = 2024
PACKAGES = ("duckdb", "pandas", "pandera", "dagster", "python-calamine", "pyarrow")

# The targets ("National scale: benchmark"), for one national year (scale 1).
TARGET_CSV_S = 15.0
TARGET_CSV_RATIO = 4.0  # the codebase issue: a national CSV year within 4x the bare baseline
TARGET_XLSX_S = 40.0
TARGET_RSS_MIB = 1.5 * 1024
TARGET_CSV_RSS_MIB = 600  # and under 600 MiB
LINEAR_EXPONENT_MAX = 1.15  # time growth exponent between successive curve points; 1 = linear
LINEAR_FIT_R2_MIN = 0.9  # below this, wall = a + b x rows does not describe the curve: too noisy


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


@dataclass
class Dataset:
    fmt: str
    scale: float
    seed: int
    raw_dir: Path
    library_rows: int  # every export row below a header: what the readers read
    expected: dict[str, float]  # generator's reference IPLM per regency BPS code
    generated_s: float


def dataset_name(fmt: str, scale: float, seed: int) -> str:
    return f"{fmt}-s{scale:g}-seed{seed}"


def ensure_data(fmt: str, scale: float, seed: int, data_root: Path = OUT / "data") -> Dataset:
    """Generate the synthetic year once; a `<name>.json` next to the folder marks it complete."""
    name = dataset_name(fmt, scale, seed)
    raw_dir, marker = data_root / name, data_root / f"{name}.json"
    if raw_dir.is_dir() and marker.is_file():
        info = json.loads(marker.read_text())
        log(f"reusing {raw_dir.relative_to(ROOT) if raw_dir.is_relative_to(ROOT) else raw_dir} "
            f"({info['library_rows']:,} library rows)")
    else:
        from iplm_pipeline.synth import generate_country

        log(f"generating {name} ...")
        partial = data_root / f"{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(raw_dir, ignore_errors=True)
        started = time.perf_counter()
        # classic BPS tables: the bare baseline (bench/baseline.py) reads only that layout
        summary = generate_country(partial, YEAR, scale=scale, fmt=fmt, seed=seed, layouts="classic")
        elapsed = time.perf_counter() - started
        partial.rename(raw_dir)
        info = {"library_rows": summary.rows_written["perpustakaan"],
                "expected": {code: a.score.iplm for code, a in summary.regencies.items()},
                "generated_s": round(elapsed, 1)}
        marker.write_text(json.dumps(info, indent=1))
        log(f"generated {name}: {info['library_rows']:,} library rows, "
            f"{len(summary.files)} files in {elapsed:.1f} s")
    return Dataset(fmt, scale, seed, raw_dir, info["library_rows"], info["expected"],
                   info["generated_s"])


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One measured subprocess."""
    wall_s: float
    rss_mib: float  # the child's peak resident set (ru_maxrss from wait4)
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class Series:
    """The repeats of one measurement: `kind` "pipeline" or "baseline", one format and scale."""
    kind: str
    fmt: str
    scale: float
    library_rows: int
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def wall_min(self) -> float:
        return min(r.wall_s for r in self.runs)

    @property
    def wall_max(self) -> float:
        return max(r.wall_s for r in self.runs)

    @property
    def rss(self) -> float:
        """Peak RSS over the repeats (MiB)."""
        return max(r.rss_mib for r in self.runs)

    @property
    def rows_per_s(self) -> float:
        return self.library_rows / self.wall

    @property
    def s_per_100k(self) -> float:
        return self.wall / self.library_rows * 100_000


def measure(cmd: list[str], env: dict[str, str]) -> Run:
    """Run `cmd` to completion; wall time around it, peak RSS from wait4's rusage of the child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss / 1024, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def pipeline_cmd(raw_dir: Path, marts_dir: Path, quiet: bool = True) -> list[str]:
    return [sys.executable, "-m", "iplm_pipeline.cli", "run", "--year", str(YEAR),
            "--raw-dir", str(raw_dir), "--marts-dir", str(marts_dir), *(["-q"] if quiet else [])]


def baseline_cmd(raw_dir: Path, scores_csv: Path) -> list[str]:
    return [sys.executable, str(BENCH / "baseline.py"), str(raw_dir), "--out", str(scores_csv)]


def bench_env() -> dict[str, str]:
    """The caller's environment without an instance or folders that would redirect the CLI."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "IPLM_RAW_DIR", "IPLM_MARTS_DIR")}
    return {**env, "IPLM_EPHEMERAL_INSTANCE": "1"}  # a throwaway instance, as measured so far


def report_failure(label: str, run: Run) -> None:
    tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-25:])
    log(f"FAILED {label}: exit {run.returncode}\n{tail}")


# --------------------------------------------------------------------------- cross-check

TOLERANCE = 0.01 + 1e-9


@dataclass
class CrossCheck:
    fmt: str
    scale: float
    regencies: int  # regencies in the generated year
    pipeline_scored: int  # iplm_regency rows with an IPLM
    agree_baseline: int  # |pipeline - baseline| <= 0,01
    agree_expected: int  # |pipeline - generator's reference| <= 0,01
    median_diff: float = 0.0  # median |pipeline - baseline| over regencies both scored
    max_diff: float = 0.0


def cross_check(ds: Dataset, marts_dir: Path, baseline_csv: Path) -> CrossCheck:
    import duckdb

    with duckdb.connect(str(marts_dir / "iplm.duckdb"), read_only=True) as con:
        pipeline = dict(con.execute(
            "SELECT bps_code, iplm::DOUBLE FROM iplm_regency WHERE year = ?", [YEAR]).fetchall())
    baseline = {}
    for line in baseline_csv.read_text().splitlines()[1:]:
        code, value = line.split(",")
        baseline[code] = float(value) if value else None

    def agree(a: float | None, b: float | None) -> bool:
        return a is not None and b is not None and abs(a - b) <= TOLERANCE

    diffs = [abs(v - baseline[c]) for c, v in pipeline.items()
             if v is not None and baseline.get(c) is not None] or [math.nan]
    return CrossCheck(
        ds.fmt, ds.scale, len(ds.expected), sum(v is not None for v in pipeline.values()),
        sum(agree(v, baseline.get(c)) for c, v in pipeline.items()),
        sum(agree(pipeline.get(c), v) for c, v in ds.expected.items()),
        statistics.median(diffs), max(diffs))


# --------------------------------------------------------------------------- orchestration

STAGE_LINE = r"\[\d{4}\] (\w+)[^:\n]*:.*\((\d+(?:\.\d+)?) s\)\s*$"


def stage_timings(stderr: str, stdout: str) -> list[tuple[str, float]]:
    """(asset, seconds) from the CLI's progress lines, then ("run total (`Done in`)", seconds)."""
    stages = [(m.group(1), float(m.group(2)))
              for m in re.finditer(STAGE_LINE, stderr + "\n" + stdout, re.M)]
    done = re.search(r"Done in (\d+(?:\.\d+)?) s", stdout + stderr)
    if done:
        stages.append(("run total (`Done in`)", float(done.group(1))))
    return stages


class Bench:
    def __init__(self, repeat: int, tmp_root: Path):
        self.repeat = repeat
        self.tmp_root = tmp_root
        self.env = bench_env()
        self.series: list[Series] = []
        self.checks: list[CrossCheck] = []
        self.stages: dict[str, list[tuple[str, float]]] = {}
        self.problems: list[str] = []  # failures that are not a non-zero exit

    def get(self, kind: str, fmt: str, scale: float) -> Series | None:
        return next((s for s in self.series
                     if (s.kind, s.fmt) == (kind, fmt) and math.isclose(s.scale, scale)), None)

    def pair(self, ds: Dataset) -> None:
        """Pipeline and baseline, alternating, `repeat` times; cross-check the last pair."""
        if self.get("pipeline", ds.fmt, ds.scale):
            return
        pipeline = Series("pipeline", ds.fmt, ds.scale, ds.library_rows)
        baseline = Series("baseline", ds.fmt, ds.scale, ds.library_rows)
        self.series += [pipeline, baseline]
        name = dataset_name(ds.fmt, ds.scale, ds.seed)
        for i in range(1, self.repeat + 1):
            marts = Path(tempfile.mkdtemp(prefix="marts-", dir=self.tmp_root))
            scores = marts.parent / f"{marts.name}-baseline.csv"
            run = measure(pipeline_cmd(ds.raw_dir, marts), self.env)
            pipeline.runs.append(run)
            log(f"pipeline {name} run {i}/{self.repeat}: {run.wall_s:.2f} s, "
                f"{run.rss_mib:.0f} MiB" + ("" if run.returncode == 0 else " FAILED"))
            if run.returncode:
                report_failure(f"pipeline {name}", run)
            run_b = measure(baseline_cmd(ds.raw_dir, scores), self.env)
            baseline.runs.append(run_b)
            log(f"baseline {name} run {i}/{self.repeat}: {run_b.wall_s:.2f} s, "
                f"{run_b.rss_mib:.0f} MiB ({run_b.stdout.strip()})"
                + ("" if run_b.returncode == 0 else " FAILED"))
            if run_b.returncode:
                report_failure(f"baseline {name}", run_b)
            if i == self.repeat and run.returncode == 0 and run_b.returncode == 0:
                self.check(ds, marts, scores)
            shutil.rmtree(marts, ignore_errors=True)
            scores.unlink(missing_ok=True)

    def warm_up(self, ds: Dataset) -> None:
        """One untimed pipeline and baseline run, so that the first measurement does not pay for
        a cold file cache (the venv's thousands of modules, shared libraries)."""
        marts = Path(tempfile.mkdtemp(prefix="marts-", dir=self.tmp_root))
        runs = [measure(pipeline_cmd(ds.raw_dir, marts), self.env),
                measure(baseline_cmd(ds.raw_dir, marts / "baseline.csv"), self.env)]
        shutil.rmtree(marts, ignore_errors=True)
        log(f"warm-up on {dataset_name(ds.fmt, ds.scale, ds.seed)} (not measured): "
            + ", ".join(f"{r.wall_s:.1f} s" + ("" if r.returncode == 0 else " FAILED") for r in runs))

    def check(self, ds: Dataset, marts: Path, scores: Path) -> None:
        name = dataset_name(ds.fmt, ds.scale, ds.seed)
        try:
            check = cross_check(ds, marts, scores)
        except Exception as error:  # a run that exits 0 without usable marts is a failure
            self.problems.append(f"cross-check {name}: {error}")
            log(f"FAILED cross-check {name}: {error}")
            return
        self.checks.append(check)
        log(f"cross-check {name}: {check.agree_baseline}/{check.pipeline_scored} regencies agree "
            f"with the baseline, {check.agree_expected}/{check.regencies} with the generator's "
            "expectation (to 0,01)")

    def stage_run(self, ds: Dataset) -> None:
        """One extra pipeline run with progress lines, for the per-asset timings (not in the medians)."""
        marts = Path(tempfile.mkdtemp(prefix="marts-", dir=self.tmp_root))
        run = measure(pipeline_cmd(ds.raw_dir, marts, quiet=False), self.env)
        shutil.rmtree(marts, ignore_errors=True)
        if run.returncode:
            report_failure(f"pipeline (stages) {dataset_name(ds.fmt, ds.scale, ds.seed)}", run)
            self.problems.append(f"stage-timing run {ds.fmt} scale {ds.scale:g} (exit {run.returncode})")
            return
        self.stages[ds.fmt] = [*stage_timings(run.stderr, run.stdout),
                               ("process wall time (with interpreter start-up, imports)", run.wall_s)]
        log(f"stages {ds.fmt}: " + ", ".join(f"{a} {s:.1f} s" for a, s in self.stages[ds.fmt]))


# --------------------------------------------------------------------------- machine


def machine_info() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
        except OSError:
            pass
        return "unknown"

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    try:
        ram = f"{int(mem_kib) / 1024**2:.1f} GiB"
    except ValueError:
        ram = "unknown"
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    dagster_dir = Path(sysconfig.get_paths()["purelib"]) / "dagster"
    pyc = sum(1 for _ in dagster_dir.rglob("*.pyc"))
    py = sum(1 for _ in dagster_dir.rglob("*.py"))
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE")
    bytecode = (f"{'precompiled' if pyc else 'NOT precompiled'}: {pyc} .pyc for {py} .py files in "
                f"site-packages/dagster; PYTHONDONTWRITEBYTECODE={'set' if dont_write else 'unset'}"
                + (" (imports compile every module on each run: slower than CI's "
                   "`uv sync --compile-bytecode`)" if not pyc and dont_write else ""))
    git = "unknown"
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        head = rev.stdout.strip() if rev.returncode == 0 else ""
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.splitlines()
        git = (head + (f" with uncommitted changes in {len(dirty)} path(s)" if dirty else " (clean)")
               if head else f"not a git checkout ({ROOT})")
    except (OSError, subprocess.SubprocessError):
        pass
    os_name = first("/etc/os-release", "PRETTY_NAME").strip('"')
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "host": socket.gethostname(),
        "CPU": first("/proc/cpuinfo", "model name"),
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "RAM": ram,
        "OS": f"{os_name}; {platform.platform()}",
        "Python": f"{platform.python_version()} ({sys.executable})",
        "packages": ", ".join(versions),
        "bytecode": bytecode,
        "git": git,
    }


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    series: list[Series]
    checks: list[CrossCheck]
    stages: dict[str, list[tuple[str, float]]]
    machine: dict[str, str]
    started: str
    finished: str
    command: str
    main_scale: float
    repeat: int
    seed: int
    formats: list[str]
    curve: list[float]
    smoke: bool = False
    load: str = ""
    failures: list[str] = field(default_factory=list)

    def get(self, kind: str, fmt: str, scale: float) -> Series | None:
        return next((s for s in self.series
                     if (s.kind, s.fmt) == (kind, fmt) and math.isclose(s.scale, scale)), None)


def _s(x: float) -> str:
    return f"{x:.2f}"


def _ratio(report: Report, fmt: str, scale: float) -> float | None:
    p, b = report.get("pipeline", fmt, scale), report.get("baseline", fmt, scale)
    return p.wall / b.wall if p and b and p.ok and b.ok else None


def curve_points(report: Report, kind: str) -> list[Series]:
    return [s for scale in sorted(report.curve)
            if (s := report.get(kind, "csv", scale)) and s.ok]


def exponents(points: list[Series], attr: str) -> list[float]:
    """log(y2/y1) / log(rows2/rows1) between successive points: 1 = linear, 2 = quadratic."""
    return [math.log(getattr(b, attr) / getattr(a, attr)) / math.log(b.library_rows / a.library_rows)
            for a, b in itertools.pairwise(points)]


def linear_fit(points: list[Series]) -> tuple[float, float, float] | None:
    """wall = a + b x rows by least squares: (a seconds, b seconds per 100k rows, R^2)."""
    if len(points) < 3:
        return None
    xs = [p.library_rows / 100_000 for p in points]
    ys = [p.wall for p in points]
    slope, intercept = statistics.linear_regression(xs, ys)
    return intercept, slope, statistics.correlation(xs, ys) ** 2


def targets(report: Report) -> list[tuple[str, str, str]]:
    """(target, measured, status) for the issue's targets at scale 1 (one national year)."""
    na = "not evaluated (no scale-1 measurement)"
    rows = []

    def wall_target(label: str, fmt: str, limit: float):
        p = report.get("pipeline", fmt, 1.0)
        if not p:
            rows.append((label, "-", na))
        elif not p.ok:
            rows.append((label, "run failed", "**not met**"))
        else:
            rows.append((label, f"{p.wall:.2f} s (median of {len(p.runs)})",
                         "met" if p.wall < limit else "**not met**"))

    wall_target(f"One national year from CSV end to end < {TARGET_CSV_S:g} s", "csv", TARGET_CSV_S)
    ratio = _ratio(report, "csv", 1.0)
    rows.append((f"CSV within {TARGET_CSV_RATIO:g}x of the bare baseline",
                 "-" if ratio is None else f"{ratio:.2f}x "
                 f"({report.get('pipeline', 'csv', 1.0).wall:.2f} s / {report.get('baseline', 'csv', 1.0).wall:.2f} s)",
                 na if ratio is None else ("met" if ratio <= TARGET_CSV_RATIO else "**not met**")))
    csv_run = report.get("pipeline", "csv", 1.0)
    measured = csv_run is not None and csv_run.ok
    rows.append((f"Peak memory < {TARGET_CSV_RSS_MIB} MiB (pipeline, CSV, scale 1)",
                 f"{csv_run.rss:.0f} MiB" if measured else "-",
                 na if not measured else ("met" if csv_run.rss < TARGET_CSV_RSS_MIB else "**not met**")))
    wall_target(f"One national year from XLSX end to end < {TARGET_XLSX_S:g} s", "xlsx", TARGET_XLSX_S)
    national = [s for s in report.series if s.kind == "pipeline" and math.isclose(s.scale, 1.0) and s.ok]
    if national:
        worst = max(national, key=lambda s: s.rss)
        rows.append((f"Peak memory < {TARGET_RSS_MIB / 1024:g} GiB (pipeline, scale 1)",
                     f"{worst.rss:.0f} MiB ({worst.fmt.upper()})",
                     "met" if worst.rss < TARGET_RSS_MIB else "**not met**"))
    else:
        rows.append((f"Peak memory < {TARGET_RSS_MIB / 1024:g} GiB (pipeline, scale 1)", "-", na))
    points = curve_points(report, "pipeline")
    label = "Linear growth with scale (CSV pipeline)"
    if len(points) < 2 or max(p.scale for p in points) < 1:
        rows.append((label, "-", "not evaluated (curve does not reach scale 1)"))
    else:
        time_exp, rss_exp = exponents(points, "wall"), exponents(points, "rss")
        worst = max(time_exp + rss_exp)
        fit = linear_fit(points)
        measured = ("growth exponents between successive scales: time "
                    + ", ".join(f"{e:.2f}" for e in time_exp) + "; RSS "
                    + ", ".join(f"{e:.2f}" for e in rss_exp)
                    + (f"; linear fit R^2 = {fit[2]:.3f}" if fit else ""))
        if worst > LINEAR_EXPONENT_MAX:
            status = "**not met**"
        elif fit and fit[2] < LINEAR_FIT_R2_MIN:
            status = (f"inconclusive (R^2 < {LINEAR_FIT_R2_MIN}: timings too noisy to show a line; "
                      "re-run on a quiet machine)")
        else:
            status = "met"
        rows.append((label, measured, status))
    return rows


def render_markdown(report: Report) -> str:
    main = report.main_scale
    lines = [
        "# IPLM pipeline benchmark" + (" (smoke run)" if report.smoke else ""),
        "",
        f"Measured {report.started} to {report.finished} on `{report.machine.get('host', '?')}`, "
        f"with `{report.command}`." + (" A smoke run at a tiny scale: it only proves the "
                                       "benchmark works; its timings mean nothing." if report.smoke else ""),
        "Each figure is one subprocess waited for with `os.wait4`: wall time by `perf_counter` around "
        "it, peak RSS from its `ru_maxrss`. The pipeline is `python -m iplm_pipeline.cli run --year "
        f"{YEAR} --raw-dir DIR --marts-dir FRESH -q` (in-process executor, throwaway Dagster "
        "instance, a fresh marts folder per run), the baseline is `bench/baseline.py DIR` (DuckDB "
        "+ calamine, one SQL query, no validation, dedupe or Dagster); one untimed warm-up run "
        "of each on the smallest dataset comes first. Data: "
        f"`iplm_pipeline.synth.generate_country(..., {YEAR}, scale, fmt, seed={report.seed}, layouts=\"classic\")`, "
        "generated beforehand and not timed.",
        "",
    ]
    if report.failures:
        lines += ["**Failed runs:** " + "; ".join(report.failures), ""]
    lines += ["## Targets (issue: National scale: benchmark)", "",
              "| target | measured | status |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {s} |" for t, m, s in targets(report)]
    lines += ["", f"Linear growth: the exponent k in time ~ rows^k (and RSS ~ rows^k) between "
              f"successive curve points must stay <= {LINEAR_EXPONENT_MAX} (a fixed start-up cost "
              f"makes k < 1 at small scales; 2 would be quadratic), and the least-squares line "
              f"wall = a + b x rows must fit with R^2 >= {LINEAR_FIT_R2_MIN}, else the curve is too "
              "noisy to judge.", ""]

    lines += [f"## One year at scale {main:g} (median of {report.repeat}; min-max in brackets)", "",
              "| run | format | library rows | wall s | min-max s | peak RSS MiB | rows/s | pipeline / baseline |",
              "|---|---|---:|---:|---|---:|---:|---:|"]
    for fmt in report.formats:
        for kind in ("pipeline", "baseline"):
            s = report.get(kind, fmt, main)
            if not s:
                continue
            if not s.ok:
                lines.append(f"| {kind} | {fmt.upper()} | {s.library_rows:,} | FAILED | | | | |")
                continue
            ratio = _ratio(report, fmt, main) if kind == "pipeline" else None
            lines.append(f"| {kind} | {fmt.upper()} | {s.library_rows:,} | {_s(s.wall)} | "
                         f"{_s(s.wall_min)}-{_s(s.wall_max)} | {s.rss:.0f} | {s.rows_per_s:,.0f} | "
                         + (f"{ratio:.2f}x" if ratio else "") + " |")
    lines.append("")

    if report.curve:
        lines += ["## Scale curve (CSV)", "",
                  "| scale | library rows | pipeline s | pipeline s / 100k rows | marginal s / 100k rows "
                  "| pipeline RSS MiB | baseline s | baseline s / 100k rows | baseline RSS MiB | ratio |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        previous = None
        for scale in sorted(report.curve):
            p, b = report.get("pipeline", "csv", scale), report.get("baseline", "csv", scale)
            if not p or not b:
                continue
            if not (p.ok and b.ok):
                lines.append(f"| {scale:g} | {p.library_rows:,} | FAILED | | | | | | | |")
                continue
            marginal = ("" if previous is None else
                        _s((p.wall - previous.wall) / (p.library_rows - previous.library_rows) * 100_000))
            lines.append(f"| {scale:g} | {p.library_rows:,} | {_s(p.wall)} | {_s(p.s_per_100k)} | "
                         f"{marginal} | {p.rss:.0f} | {_s(b.wall)} | {_s(b.s_per_100k)} | {b.rss:.0f} | "
                         f"{p.wall / b.wall:.2f}x |")
            previous = p
        for kind in ("pipeline", "baseline"):
            fit = linear_fit(curve_points(report, kind))
            if fit:
                lines.append(f"\nLinear fit, {kind}: wall = {fit[0]:.2f} s + {fit[1]:.2f} s per 100k "
                             f"rows (R^2 = {fit[2]:.4f}).")
        lines.append("")

    if report.checks:
        lines += ["## Correctness cross-check (last run of each pair)", "",
                  "Regency IPLMs of the pipeline's marts (`iplm_regency`) against the baseline's and "
                  "against the generator's reference calculation, agreeing to 0,01. The baseline "
                  "skips dedupe and quarantine, so a regency holding planted duplicates or junk rows "
                  "differs from it (the larger the scale, the more regencies hold some: at scale 1 "
                  "most do). Most differences are hundredths; a duplicated regency library in a small "
                  "regency moves it by points. The generator's figures are the ones the pipeline "
                  "must hit.", "",
                  "| format | scale | regencies | pipeline scored | = baseline | median / max abs. difference "
                  "| = generator |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for c in sorted(report.checks, key=lambda c: (c.fmt, c.scale)):
            lines.append(f"| {c.fmt.upper()} | {c.scale:g} | {c.regencies} | {c.pipeline_scored} | "
                         f"{c.agree_baseline} | {c.median_diff:.2f} / {c.max_diff:.2f} | {c.agree_expected} |")
        lines.append("")

    if report.stages:
        fmts = [f for f in report.formats if f in report.stages]
        assets = list(dict.fromkeys(a for f in fmts for a, _ in report.stages[f]))
        lines += [f"## Pipeline stages at scale {main:g} (one extra run with progress lines, not in "
                  "the figures above)", "",
                  "| asset | " + " | ".join(f"{f.upper()} s" for f in fmts) + " |",
                  "|---|" + "---:|" * len(fmts)]
        for asset in assets:
            cells = [next((f"{s:.1f}" for a, s in report.stages[f] if a == asset), "") for f in fmts]
            lines.append(f"| {asset} | " + " | ".join(cells) + " |")
        lines += ["", "Assets without a time are not listed. The process wall time minus the run total "
                  "is the fixed cost of starting Python and importing Dagster, pandas, Pandera and "
                  "DuckDB before the run begins.", ""]

    lines += ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in report.machine.items()]
    if report.load:
        lines.append(f"- load average (1 min) at start / end: {report.load}")
    lines += ["", "Timings on a shared or busy machine are noisy; the load average above says how "
              "busy it was.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="tiny scale (0.05), repeat 1, curve 0.02,0.05 -> bench/out/results-smoke.md")
    parser.add_argument("--scale", type=float, help="scale of the main measurement (default 1, smoke 0.05)")
    parser.add_argument("--scale-curve", help="CSV scale curve (default 0.25,0.5,1,2; smoke 0.02,0.05)")
    parser.add_argument("--no-curve", action="store_true", help="skip the scale curve")
    parser.add_argument("--repeat", type=int, help="runs per measurement, median reported (default 3, smoke 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--no-stages", action="store_true",
                        help="skip the extra run per format that records per-asset timings")
    parser.add_argument("--out", type=Path,
                        help="results file (default bench/results.md; smoke bench/out/results-smoke.md)")
    args = parser.parse_args(argv)
    args.scale = args.scale or (0.05 if args.smoke else 1.0)
    args.repeat = args.repeat or (1 if args.smoke else 3)
    curve = args.scale_curve or ("0.02,0.05" if args.smoke else "0.25,0.5,1,2")
    args.curve = [] if args.no_curve else sorted({float(x) for x in curve.split(",") if x.strip()})
    args.formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    if not args.formats or set(args.formats) - {"csv", "xlsx"}:
        parser.error("--formats takes csv and/or xlsx")
    if args.repeat < 1 or args.scale <= 0 or any(s <= 0 for s in args.curve):
        parser.error("--repeat, --scale and curve scales must be positive")
    args.out = args.out or (OUT / "results-smoke.md" if args.smoke else BENCH / "results.md")
    return args


def command_line(argv: list[str] | None) -> str:
    def rel(path: str) -> str:
        p = Path(path).absolute()
        return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else path

    script = rel(sys.argv[0]) if sys.argv and sys.argv[0].endswith(".py") else "bench/run.py"
    return shlex.join([rel(sys.executable), script, *(sys.argv[1:] if argv is None else argv)])


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started, load_start = now(), os.getloadavg()[0]
    log(f"{'smoke' if args.smoke else 'full'} benchmark: scale {args.scale:g}, formats "
        f"{','.join(args.formats)}, repeat {args.repeat}, curve {args.curve or 'off'}, seed {args.seed}")

    # all data first, so that generation never overlaps a measurement
    main_sets = {fmt: ensure_data(fmt, args.scale, args.seed) for fmt in args.formats}
    curve_sets = [main_sets["csv"] if "csv" in main_sets and math.isclose(s, args.scale)
                  else ensure_data("csv", s, args.seed) for s in args.curve]

    OUT.mkdir(parents=True, exist_ok=True)
    tmp_root = Path(tempfile.mkdtemp(prefix="runs-", dir=OUT))
    bench = Bench(args.repeat, tmp_root)
    try:
        bench.warm_up(min([*main_sets.values(), *curve_sets], key=lambda ds: ds.library_rows))
        for ds in main_sets.values():
            bench.pair(ds)
        for ds in curve_sets:
            bench.pair(ds)
        if not args.no_stages:
            for ds in main_sets.values():
                bench.stage_run(ds)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)

    failures = bench.problems + [
        f"{s.kind} {s.fmt} scale {s.scale:g} (exit {', '.join(str(r.returncode) for r in s.runs)})"
        for s in bench.series if not s.ok]
    report = Report(series=bench.series, checks=bench.checks, stages=bench.stages,
                    machine=machine_info(), started=started, finished=now(),
                    command=command_line(argv), main_scale=args.scale, repeat=args.repeat,
                    seed=args.seed, formats=args.formats, curve=args.curve, smoke=args.smoke,
                    load=f"{load_start:.2f} / {os.getloadavg()[0]:.2f}", failures=failures)
    text = render_markdown(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    log(f"wrote {args.out}" + (f"; {len(failures)} failed: " + "; ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
