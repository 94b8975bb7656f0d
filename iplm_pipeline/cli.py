"""`iplm`: run, backfill, reconcile and query the IPLM marts from a terminal.

A thin layer over the Dagster definitions: every command that computes runs the
same `iplm_year` job in-process (fast, one build file per run), prints progress
per year and asset, and exits non-zero with a readable message, never a traceback, for a
data or environment problem: 1 an ERROR check failed, 2 bad input (or a refused or failing
query), 3 the environment (disk full, marts folder not writable, a lock held too long),
130 interrupted; 70 is a bug in iplm (the traceback is printed for the report).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import os
import sys
import time
import uuid
from pathlib import Path

from iplm_pipeline import config
from iplm_pipeline.errors import EnvironmentProblem, IplmError, environment_code, environment_problem

EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_BUG, EXIT_INTERRUPTED = 1, 2, 3, 70, 130

EXAMPLE_QUERY = ("SELECT regency_name, iplm, category FROM iplm_regency "
                 "WHERE year = {year} ORDER BY iplm DESC LIMIT 5")


def _progress_to_terminal(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    log = logging.getLogger("iplm.progress")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def _apply_dirs(args: argparse.Namespace) -> None:
    """The folders of this command: --raw-dir / --marts-dir, else IPLM_RAW_DIR / IPLM_MARTS_DIR or data/."""
    args.raw = Path(args.raw_dir).resolve() if getattr(args, "raw_dir", None) else config.raw_dir()
    args.marts = Path(args.marts_dir).resolve() if getattr(args, "marts_dir", None) else config.marts_dir()


def default_year(raw: Path) -> int:
    """The latest registered year that has library exports in the raw folder."""
    from iplm_pipeline.methodology import load_registry

    folder = raw / "perpustakaan"
    present = [y for y in load_registry().years if (folder / str(y)).is_dir()]
    if not present:
        raise IplmError(f"No data/raw/perpustakaan/<year>/ folder for a registered year under "
                        f"{raw}; pass --year or point IPLM_RAW_DIR at your data.")
    return present[-1]


EPHEMERAL_INSTANCE_ENV = "IPLM_EPHEMERAL_INSTANCE"


def instance_choice() -> str:
    """Where CLI runs are recorded, so the UI (`make dev`) shows them: `ephemeral`, `dagster_home`, `project`.

    IPLM_EPHEMERAL_INSTANCE=1: a throwaway instance (tests, benchmarks); else DAGSTER_HOME when
    set; else the project's own instance (dagster.yaml at the project root, stored in .dagster/).
    """
    if os.environ.get(EPHEMERAL_INSTANCE_ENV, "") not in ("", "0"):
        return "ephemeral"
    return "dagster_home" if os.environ.get("DAGSTER_HOME") else "project"


def run_instance():
    """The instance `instance_choice()` names (the project's: from dagster.yaml at the project root)."""
    import dagster as dg

    choice = instance_choice()
    if choice == "ephemeral":
        return dg.DagsterInstance.ephemeral()
    if choice == "dagster_home":
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.from_config(str(config.PROJECT_ROOT))


def materialise(years: list[int], *, raw: Path | None = None, marts: Path | None = None, log=print,
                method: str | None = None) -> int:
    """Run the `iplm_year` job for `years` in one in-process run; return the exit code.

    `raw` / `marts` configure the `iplm` resource through run config (default: env or data/).
    The run is recorded in `run_instance()`. `method` applies another registered method to the
    years' data instead of their own (every score row then says it is not the official method).
    """
    # dagster.yaml's folders (storage, compute logs) are relative to the project root, as for
    # `make dev`: a run recorded there runs from the project root (every path here is absolute).
    in_project = contextlib.chdir(config.PROJECT_ROOT) if instance_choice() == "project" else contextlib.nullcontext()
    with in_project:
        return _materialise(years, raw=raw, marts=marts, log=log, method=method)


def _materialise(years: list[int], *, raw: Path | None, marts: Path | None, log, method: str | None) -> int:
    import warnings

    import dagster as dg

    from iplm_pipeline.methodology import load_registry
    from iplm_pipeline.warehouse import Warehouse

    for year in years:
        # An unknown year, or a method not computable yet: a clear MethodologyError before anything runs.
        load_registry().get(year, method).require_computable()
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from iplm_pipeline.definitions import defs

    raw, marts = raw or config.raw_dir(), marts or config.marts_dir()
    failures: list[tuple[str, BaseException]] = []

    @dg.failure_hook
    def keep_exception(context: dg.HookContext) -> None:
        # The step's own exception object (the run's events carry only its text), in-process.
        if context.op_exception is not None:
            failures.append((context.op.name, context.op_exception))

    job = defs().resolve_job_def("iplm_year").with_hooks({keep_exception})
    run_id = str(uuid.uuid4())
    from iplm_pipeline.resources import METHOD_TAG

    tags = ({"dagster/asset_partition_range_start": str(years[0]),
             "dagster/asset_partition_range_end": str(years[-1])} if len(years) > 1 else {})
    if method:
        tags[METHOD_TAG] = method
    instance = run_instance()
    started = time.perf_counter()
    try:
        result = job.execute_in_process(
            partition_key=str(years[0]) if len(years) == 1 else None, tags=tags, run_id=run_id,
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                        "resources": {"iplm": {"config": {"raw_dir": str(raw), "marts_dir": str(marts)}}}})
    finally:
        with contextlib.suppress(OSError):  # a marts folder that cannot be listed has no leftovers
            Warehouse(marts).discard(run_id)  # no-op after a successful publish
    if not result.success:
        return _failed_run(result, failures)
    warned = [e for e in result.get_asset_check_evaluations() if not e.passed]
    log(f"Done in {time.perf_counter() - started:.1f} s"
        + (f" ({len(warned)} WARN check(s): see above and `iplm reconcile`)." if warned else "."))
    return 0


def _failed_run(result, failures: list[tuple[str, BaseException]]) -> int:
    """Exit code of a failed run: re-raise the first step's own exception for main() to classify
    (bad input before an environment problem before anything else), or 1 for failed ERROR checks."""
    import dagster as dg

    stopped = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")
    interrupted = any(e.step_failure_data.error is not None and e.step_failure_data.error.cls_name in stopped
                      for e in result.get_step_failure_events())
    if interrupted or any(isinstance(exc, KeyboardInterrupt) for _, exc in failures):
        raise KeyboardInterrupt
    raised = [(step, exc) for step, exc in failures if not isinstance(exc, dg.DagsterError)]
    if raised:
        distinct = list({str(exc): (step, exc) for step, exc in raised}.values())
        distinct.sort(key=lambda se: 0 if isinstance(se[1], IplmError) and not isinstance(se[1], EnvironmentProblem)
                      else 1 if isinstance(se[1], EnvironmentProblem) else 2)
        for step, exc in distinct[1:]:
            print(f"iplm: also failed, {step}: {exc}", file=sys.stderr)
        step, exc = distinct[0]
        if isinstance(exc, csv.Error):  # the CSV reader's own error, e.g. a cell over its field limit
            raise IplmError(f"{step}: a raw CSV file could not be read ({exc}). A cell that long usually "
                            "means a stray quote joined many lines into one: check the quotes in that "
                            "step's raw files. Nothing was published: the marts are unchanged.") from exc
        raise exc
    blocked = [e for e in result.get_asset_check_evaluations()
               if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    if blocked:
        # The failing checks were printed with their offending rows as they ran.
        names = ", ".join(sorted({f"{e.asset_key.to_user_string()}.{e.check_name}" for e in blocked}))
        print(f"iplm: {len(blocked)} blocking ERROR check(s) failed: {names}\n"
              "Nothing was published: the marts are unchanged.", file=sys.stderr)
        return EXIT_CHECK_FAILED
    texts = [e.step_failure_data.error.to_string() for e in result.get_step_failure_events()
             if e.step_failure_data.error is not None]
    raise RuntimeError("the run failed without a step exception:\n" + "\n".join(texts))


def _where_to_look(year: int, marts_dir: Path) -> str:
    marts = marts_dir / config.MARTS_FILE_NAME
    query = EXAMPLE_QUERY.format(year=year)
    return (f"\nMarts: {marts}\n"
            f"Query them (read-only, safe while runs go on):\n"
            f"  .venv/bin/iplm query \"{query}\"\n"
            f"  or in Python: duckdb.connect('{marts}', read_only=True).sql(\"{query}\").show()\n")


def cmd_run(args: argparse.Namespace) -> int:
    year = args.year or default_year(args.raw)
    code = materialise([year], raw=args.raw, marts=args.marts, method=args.method)
    if code == 0:
        print(_where_to_look(year, args.marts))
    return code


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.to_year < args.from_year:
        raise IplmError(f"--to {args.to_year} is before --from {args.from_year}.")
    from iplm_pipeline.methodology import load_registry
    from iplm_pipeline.resources import has_library_exports, library_folder

    years = list(range(args.from_year, args.to_year + 1))
    for year in years:  # unknown year: a clear MethodologyError before anything runs
        load_registry().get(year, args.method).require_computable()
    present = [year for year in years if has_library_exports(args.raw, year)]
    if not present:  # nothing to skip to: the run fails with the located error of the first year
        return materialise(years, raw=args.raw, marts=args.marts, method=args.method)
    # Dagster records a range run's materialisations for every year of the range, so a year
    # without exports is left out of the runs (not just skipped inside one): one run per
    # stretch of consecutive years that have their exports.
    progress = logging.getLogger("iplm.progress")
    for year in years:
        if year not in present:
            progress.info(f"[{year}] skipped: no library exports in {library_folder(args.raw, year)}; "
                          f"its published rows are kept, the other years go on")
    for stretch in _consecutive(present):
        code = materialise(stretch, raw=args.raw, marts=args.marts, method=args.method)
        if code:
            return code
    print(_where_to_look(present[-1], args.marts))
    return 0


def _consecutive(years: list[int]) -> list[list[int]]:
    stretches: list[list[int]] = []
    for year in years:
        if stretches and stretches[-1][-1] == year - 1:
            stretches[-1].append(year)
        else:
            stretches.append([year])
    return stretches


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Mismatches and failed source checks of one year, compact, with what they imply."""
    from iplm_pipeline.warehouse import open_marts, query_sql

    year = args.year or default_year(args.raw)
    con = open_marts(args.marts)
    try:
        summary = con.execute("SELECT level, status, count(*) FROM reconciliation WHERE year = ? "
                              "GROUP BY ALL ORDER BY ALL", [year]).fetchall()
        if not summary:
            raise IplmError(f"No reconciliation rows for {year} in the marts: run `iplm run --year {year}` first.")
        mismatches = query_sql(con, "reports/reconcile_report.sql", year=year)
    finally:
        con.close()
    print(f"IPLM {year} reconciliation (rows per level and status):")
    for level, status, n in summary:
        print(f"  {level:<9} {status:<18} {n:>6}")
    if mismatches.empty:
        print("\nNo mismatches: every published figure and BPS aggregate agrees with the computation.")
        return 0
    print(f"\n{len(mismatches)} mismatch(es):")
    for r in mismatches.itertuples():
        what = f"{r.level} {r.bps_code} {r.area_name or ''}".strip()
        print(f"- {what} · {r.measure}: computed {_num(r.computed)}, published {_num(r.published)} "
              f"(difference {_num(r.difference)})")
        if r.detail:
            print(f"    {r.detail}")
    return 0


def _num(value) -> str:
    return "n/a" if value is None or value != value else f"{value:g}"


def cmd_synth(args: argparse.Namespace) -> int:
    from iplm_pipeline.synth import generate_country

    started = time.perf_counter()
    summary = generate_country(Path(args.out), args.year, scale=args.scale, fmt=args.format, seed=args.seed,
                               provinces=args.province or None, messy=not args.clean, layouts=args.layouts)
    files = len(summary.files)
    print(f"Wrote {files} files for IPLM {args.year} to {Path(args.out).resolve()} "
          f"({time.perf_counter() - started:.1f} s). Run them with:\n"
          f"  .venv/bin/iplm run --year {args.year} --raw-dir {args.out} --marts-dir <folder>")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from iplm_pipeline.outputs import load_year, resolve_province
    from iplm_pipeline.outputs.export import export, infer_format

    province = resolve_province(args.province) if args.province else None
    result = export(load_year(args.year), layout=args.layout, fmt=infer_format(Path(args.out), args.format),
                    out=Path(args.out), level=args.level, province=province)
    print(f"Wrote {result.rows} rows to {result.path.resolve()}\n  data dictionary: {result.dictionary.resolve()}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from iplm_pipeline.outputs import load_year, resolve_province
    from iplm_pipeline.outputs.report import build_report

    province = resolve_province(args.province)
    out = build_report(load_year(args.year), province, Path(args.out))
    print(f"Wrote the IPLM {args.year} report of {province.name} to {out.resolve()}")
    return 0


def cmd_chart(args: argparse.Namespace) -> int:
    from iplm_pipeline.outputs import load_year, resolve_province
    from iplm_pipeline.outputs.chart import build_chart

    province = resolve_province(args.province)
    out = build_chart(load_year(args.year), province, Path(args.out), element=args.element)
    print(f"Wrote the {args.element or 'IPLM'} {args.year} chart of {province.name} to {out.resolve()}")
    return 0


def add_output_commands(sub) -> None:
    """`iplm export|report|chart`: what analysts take away (iplm_pipeline/outputs/)."""
    from iplm_pipeline.outputs.export import FORMATS, LAYOUTS, LEVELS

    province_help = "province: BPS or Kemendagri code (53), name or alias (NTT, 'Nusa Tenggara Timur')"
    marts_help = "marts folder (default: $IPLM_MARTS_DIR or data/marts)"

    p = sub.add_parser("export", help="write one year's scores as CSV/Parquet/XLSX (Satu Data or long layout) "
                                      "with a data dictionary beside it")
    p.add_argument("--year", type=int, required=True, help="IPLM year")
    p.add_argument("--level", choices=LEVELS, default="all",
                   help="areas to export (default all: regencies, then their province, per province; nation last)")
    p.add_argument("--layout", choices=LAYOUTS, default="satudata")
    p.add_argument("--format", choices=FORMATS, help="default: from the --out suffix")
    p.add_argument("--out", required=True, help="file to write; <name>.dictionary.csv is written beside it")
    p.add_argument("--province", help=f"only this {province_help}")
    p.add_argument("--marts-dir", help=marts_help)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write one province's year as an Excel workbook (Tabel 44 recap, a sheet "
                                      "per area with its detail block, completeness, reconciliation, chart)")
    p.add_argument("--year", type=int, required=True, help="IPLM year")
    p.add_argument("--province", required=True, help=province_help)
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--marts-dir", help=marts_help)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("chart", help="draw one province's regency scores as a slide-size PNG")
    p.add_argument("--year", type=int, required=True, help="IPLM year")
    p.add_argument("--province", required=True, help=province_help)
    p.add_argument("--out", required=True, help="the .png file to write")
    p.add_argument("--element", choices=[f"uplm{n}" for n in range(1, 8)],
                   help="draw this UPLM (0-1) instead of the IPLM")
    p.add_argument("--marts-dir", help=marts_help)
    p.set_defaults(func=cmd_chart)


def cmd_years(args: argparse.Namespace) -> int:
    from iplm_pipeline.methodology import load_registry

    for year in load_registry().years:
        m = load_registry().get(year)
        shape = (("capped at " + f"{m.cap:g}" if m.cap is not None else "uncapped") if m.kind == "uplm"
                 else f"{len(m.dimensions)} dimensions" + ("" if not m.missing() else ", not computable yet"))
        print(f"{year}  {m.method_id:<22} {m.status:<12} {shape}")
        columns: dict[str, list[str]] = {}
        for indicator, c in m.bps_columns.items():
            columns.setdefault(f"BPS {c.period} ({c.status})", []).append(indicator)
        for what, indicators in columns.items():
            print(f"      {what}: {', '.join(indicators)}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Run SQL on the published marts, read-only and sandboxed: DuckDB's external access is off,
    so the SQL cannot read, write or attach any other file; results are written by Python."""
    import duckdb

    from iplm_pipeline.query import QUERY_FORMATS, query_error, write_result
    from iplm_pipeline.warehouse import open_marts

    out = Path(args.out) if args.out else None
    suffix = out.suffix.lstrip(".").lower() if out else ""
    fmt = args.format or {"": "table", "txt": "table"}.get(suffix, suffix)
    if fmt not in QUERY_FORMATS:
        raise IplmError(f"--out {out}: cannot tell the format from '{out.suffix}'; "
                        f"pass --format {'|'.join(QUERY_FORMATS)}.")
    if fmt == "parquet" and out is None:
        raise IplmError("--format parquet writes a binary file: pass --out FILE.")
    con = open_marts(args.marts, sandboxed=True)
    try:
        try:
            rel = con.sql(args.sql)
            if rel is None:  # a statement without a result (e.g. SET)
                return 0
            if fmt == "table" and out is None:
                rel.show(max_rows=args.max_rows, max_width=200)
                return 0
            table = rel.to_arrow_table()
        except duckdb.Error as exc:
            raise query_error(exc) from exc
    finally:
        con.close()
    write_result(table, fmt, out)
    if out is not None:
        print(f"Wrote {table.num_rows} row(s) × {table.num_columns} column(s) to {out} ({fmt}).",
              file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- inspect
def cmd_inspect(args: argparse.Namespace) -> int:
    """Parse one raw file exactly as a run would and show what was found (exit 2 when refused)."""
    import json

    path = Path(args.file)
    if not path.is_file():
        raise IplmError(f"{path}: no such file.")
    if args.source == "bps":
        from iplm_pipeline.defs.bps.ingest import INDICATORS, inspect_bps
        from iplm_pipeline.regions import load_regions

        if not args.indicator and not args.column:
            indicator = path.parent.name if path.parent.name in INDICATORS else None
            if indicator is None:
                raise IplmError(f"{path}: say which column to read: --indicator ({', '.join(INDICATORS)}) or "
                                "--column TEXT (the file is not in a bps/<indicator>/ folder).")
        else:
            indicator = args.indicator
        found = inspect_bps(path, load_regions(), indicator=indicator, column=args.column, year=args.year)
    elif args.source == "terbitan":
        from iplm_pipeline.defs.terbitan.ingest import inspect_published

        year = args.year or _year_of_folder(path)
        found = inspect_published(path, year)
    else:
        from iplm_pipeline.defs.perpustakaan.inspect import inspect_export

        year = args.year or _year_of_folder(path)
        found = inspect_export(path, year)
    found = {"file": str(path), "source": args.source, **found}
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=1, default=str))
    else:
        _print_inspection(found)
    return 0


def _year_of_folder(path: Path) -> int:
    name = path.resolve().parent.name
    if name.isdigit() and len(name) == 4:
        return int(name)
    raise IplmError(f"{path}: give --year (the file is not in a <year>/ folder).")


def _print_inspection(found: dict) -> None:
    print(f"{found['file']}")
    for key in ("layout", "sheet", "header_rows", "provinces", "decimal_convention"):
        if found.get(key) not in (None, [], ""):
            print(f"  {key.replace('_', ' ')}: {found[key]}")
    for column in found.get("columns", []) if isinstance(found.get("columns"), list) else []:
        print(f"  column '{column['header']}': year {column['year']} (from the {column['year_from']}); "
              f"{column['why']}; x{column['unit_multiplier']}"
              + (f" ('{column['unit_from']}')" if column.get("unit_from") else "")
              + f"; {column['decimal_convention']}")
    if isinstance(found.get("columns"), dict):
        for measure, header in found["columns"].items():
            print(f"  {measure}: '{header}'")
    for key in ("rows_read", "rows_kept", "rows_quarantined", "rows_skipped"):
        if key in found:
            print(f"  {key.replace('_', ' ')}: {found[key]}")
    for note in found.get("notes", []):
        print(f"  note: {note}")
    for q in found.get("quarantined", [])[:20]:
        print(f"  quarantined row {q['row_number']}: {q['reason']} ({q['detail'][:80]})")
    rows = found.get("rows", [])
    if rows:
        keys = [k for k in rows[0] if k not in ("value_status",)]
        print("  " + "  ".join(keys))
        for r in rows:
            print("  " + "  ".join("" if r[k] is None else str(r[k]) for k in keys))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iplm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def dirs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--raw-dir", help="raw data folder (default: $IPLM_RAW_DIR or data/raw)")
        p.add_argument("--marts-dir", help="marts folder (default: $IPLM_MARTS_DIR or data/marts)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")

    def method(p: argparse.ArgumentParser) -> None:
        p.add_argument("--method", help="apply this registered method (e.g. capped-2023) instead of the year's own; "
                                        "every row then says it is not the official method")

    p = sub.add_parser("run", help="materialise every asset for one IPLM year and publish the marts")
    p.add_argument("--year", type=int, help="IPLM year (default: latest registered year with exports)")
    method(p)
    dirs(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("backfill", help="materialise a range of IPLM years in one run")
    p.add_argument("--from", dest="from_year", type=int, required=True)
    p.add_argument("--to", dest="to_year", type=int, required=True)
    method(p)
    dirs(p)
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser("reconcile", help="print the mismatches between computed and published figures")
    p.add_argument("--year", type=int, help="IPLM year (default: latest registered year with exports)")
    p.add_argument("--raw-dir", help=argparse.SUPPRESS)
    p.add_argument("--marts-dir", help="marts folder (default: $IPLM_MARTS_DIR or data/marts)")
    p.set_defaults(func=cmd_reconcile)

    # -- `iplm diff`: what the last publish changed (release_changes, iplm_pipeline/release.py)
    def cmd_diff(args: argparse.Namespace) -> int:
        from iplm_pipeline.release import summary_lines
        from iplm_pipeline.warehouse import open_marts

        con = open_marts(args.marts)
        try:
            print("\n".join(summary_lines(con, max_lines=args.max_lines)))
        finally:
            con.close()
        return 0

    p = sub.add_parser("diff", help="summarise what the last publish changed against the file it replaced")
    p.add_argument("--max-lines", type=int, default=20, help="rows listed per section (default 20)")
    p.add_argument("--marts-dir", help="marts folder (default: $IPLM_MARTS_DIR or data/marts)")
    p.set_defaults(func=cmd_diff)
    # -- end of `iplm diff`

    p = sub.add_parser("synth", help="write a synthetic country in the raw-file layout (for tests and benchmarks)")
    p.add_argument("--year", type=int, required=True, help="IPLM year")
    p.add_argument("--out", required=True, help="folder to write (raw layout: bps/, perpustakaan/, terbitan/)")
    p.add_argument("--scale", type=float, default=1.0, help="libraries relative to a national year (~220 000)")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--province", action="append", help="restrict to a province (name or Kemendagri code); repeatable")
    p.add_argument("--clean", action="store_true", help="no messy rows (duplicates, junk, odd headers)")
    p.add_argument("--layouts", choices=("classic", "real", "mixed"), default="mixed",
                   help="BPS table layouts: classic tables, bps.go.id's real ones (dynamic, flattened, "
                        "national), or both (default)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("inspect", help="parse one raw file exactly as a run would and show what was found")
    p.add_argument("file")
    p.add_argument("--source", choices=("bps", "perpustakaan", "terbitan"), required=True)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--indicator", help="BPS indicator whose column to read (default: the file's folder)")
    which.add_argument("--column", help="read the column whose header matches TEXT (any BPS table)")
    p.add_argument("--year", type=int, help="bps: only this BPS column year; perpustakaan/terbitan: the IPLM "
                                            "year (default: the file's folder)")
    p.add_argument("--json", action="store_true", help="one JSON object with a `rows` list")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("years", help="list the registered IPLM methods per year")
    p.set_defaults(func=cmd_years)
    add_output_commands(sub)

    p = sub.add_parser("query", help="run a read-only SQL query on the published marts")
    p.add_argument("sql")
    p.add_argument("--max-rows", type=int, default=40, help="rows shown by --format table on the terminal")
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"),
                   help="table (default, on the terminal), csv, json (records), parquet (needs --out)")
    p.add_argument("--out", metavar="FILE",
                   help="write the whole result to FILE (format from --format or the extension)")
    p.add_argument("--marts-dir", help="marts folder (default: $IPLM_MARTS_DIR or data/marts)")
    p.set_defaults(func=cmd_query)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _apply_dirs(args)
    _progress_to_terminal(getattr(args, "quiet", False))
    try:
        return args.func(args)
    except EnvironmentProblem as exc:
        print(f"iplm: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except IplmError as exc:
        unchanged = ("" if args.command not in ("run", "backfill") or "Nothing was published" in str(exc)
                     else " Nothing was published: the marts are unchanged.")
        print(f"iplm: {exc}{unchanged}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("iplm: interrupted; the published marts are unchanged.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except csv.Error as exc:  # the CSV reader's own error outside a run's steps
        print(f"iplm: a CSV file could not be read ({exc}). Nothing was published: the marts are "
              "unchanged.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `iplm query ... | head`: the reader left, which is fine
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """An environment failure nobody wrapped (OSError, DuckDB disk error): 3 with its path; else a bug."""
    import traceback

    import duckdb

    if isinstance(exc, OSError) or (isinstance(exc, duckdb.Error) and (
            isinstance(exc, duckdb.IOException) or environment_code(exc))):
        path = getattr(exc, "filename", None) or "(a file iplm was using)"
        print(f"iplm: {environment_problem(exc, path, 'working on it')}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    traceback.print_exc()
    print("iplm: internal error: this is a bug in iplm, not a problem with your data; please report "
          "it with the traceback above. Nothing was published unless the run said so.", file=sys.stderr)
    return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
