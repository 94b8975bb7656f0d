"""How `iplm` classifies failures into exit codes and messages (the processes: test_cli_errors.py)."""

from __future__ import annotations

import csv
import errno
import io
import sys

import duckdb
import pytest

from iplm_pipeline import cli
from iplm_pipeline.errors import EnvironmentProblem, environment_code, environment_problem
from iplm_pipeline.query import QUERY_REFUSED, _csv_cell, query_error, write_result


@pytest.mark.parametrize("exc, code", [
    (OSError(errno.ENOSPC, "No space left on device"), "ENOSPC"),
    (PermissionError(errno.EACCES, "Permission denied"), "EACCES"),
    (OSError(errno.EROFS, "Read-only file system"), "EROFS"),
    (duckdb.TransactionException('Failed to commit: Could not write file "/m/a.duckdb": No space left on device'),
     "ENOSPC"),
    (duckdb.IOException('Cannot open file "/m/new.duckdb": Read-only file system'), "EROFS"),
    (duckdb.CatalogException("Table with name x does not exist!"), None),
])
def test_environment_code_reads_errno_and_duckdb_text(exc, code):
    assert environment_code(exc) == code


def test_environment_problem_names_path_what_happened_and_what_to_do():
    problem = environment_problem(OSError(errno.ENOSPC, "No space left on device"), "/m/.build/x.duckdb",
                                  "writing the run's build file")
    text = str(problem)
    assert text.startswith("/m/.build/x.duckdb: no space left on the device while writing the run's build file.")
    assert "--marts-dir" in text and text.endswith("Nothing was published: the marts are unchanged.")


def run_main_raising(monkeypatch, capsys, exc: BaseException) -> tuple[int, str]:
    def command(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_years", command)  # build_parser() looks the command up by name
    code = cli.main(["years"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("exc, code, text", [
    (EnvironmentProblem("/m", "the file system is read-only", "Use another folder."), 3, "/m: the file system"),
    (PermissionError(errno.EACCES, "Permission denied", "/raw/x.csv"), 3, "/raw/x.csv: permission denied"),
    (duckdb.IOException('Could not write file "/m/a.duckdb": No space left on device'), 3, "no space left"),
    (csv.Error("field larger than field limit (131072)"), 2, "field larger than field limit"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_main_maps_stray_exceptions_to_documented_codes_without_traceback(monkeypatch, capsys, exc, code, text):
    got, err = run_main_raising(monkeypatch, capsys, exc)
    assert got == code
    assert text in err and "Traceback" not in err


def test_a_bug_is_exit_70_with_its_traceback(monkeypatch, capsys):
    got, err = run_main_raising(monkeypatch, capsys, ZeroDivisionError("oops"))
    assert got == 70
    assert "Traceback" in err and "bug in iplm" in err


def test_query_errors_refused_vs_failed():
    refused = query_error(duckdb.PermissionException("Permission Error: Cannot access file \"/etc/passwd\""))
    assert str(refused).startswith(QUERY_REFUSED)
    failed = query_error(duckdb.ParserException("Parser Error: syntax error at or near \"SELEC\""))
    assert str(failed) == 'the query failed: Parser Error: syntax error at or near "SELEC"'


@pytest.mark.parametrize("value, shown", [
    ("=1+1", "'=1+1"), ("+31 812", "'+31 812"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Kab. Sabu Raijua", "Kab. Sabu Raijua"), (45.52, 45.52), (None, None),
])
def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value, shown):
    assert _csv_cell(value) == shown


def test_csv_result_to_stdout_is_neutralised(monkeypatch):
    table = duckdb.sql("SELECT '=cmd|'' /C calc''!A0' AS evil, 1.5 AS x").to_arrow_table()
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    write_result(table, "csv", None)
    assert out.getvalue().splitlines() == ["evil,x", "'=cmd|' /C calc'!A0,1.5"]
