"""Errors a user can act on.

Every error raised for bad input names where the problem is (file, sheet, row,
column), what was found, what was expected and what to do, because the people
who fix raw files are not the people who wrote the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a raw file, as a spreadsheet user would look for it (1-based rows)."""

    file: str | Path
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class IplmError(Exception):
    """Base class for errors the CLI prints without a traceback."""


class SourceError(IplmError):
    """A raw file breaks the source contract (docs: SOURCES.md)."""

    def __init__(self, location: Location, problem: str, expected: str, hint: str = ""):
        self.location = location
        self.problem = problem
        self.expected = expected
        self.hint = hint
        text = f"{location}: {problem}; expected {expected}."
        if hint:
            text += f" {hint}"
        super().__init__(text)


class SourceErrors(IplmError):
    """Several contract violations in one file, reported together so one edit fixes them all."""

    def __init__(self, errors: list[SourceError], limit: int = 20):
        self.errors = errors
        shown = "\n  ".join(str(e) for e in errors[:limit])
        more = f"\n  ... and {len(errors) - limit} more" if len(errors) > limit else ""
        super().__init__(f"{len(errors)} problem(s) in raw input:\n  {shown}{more}")


class RegionError(SourceError):
    """A region name or code that does not resolve to exactly one region in scope."""


class MethodologyError(IplmError):
    """No registered IPLM method for a year, or a malformed registry entry."""


class EnvironmentProblem(IplmError):
    """The machine, not the data, stopped the run: disk full, a folder that cannot be written,
    a lock held too long. The CLI exits 3. The message names the path, what happened and what
    to do; the published marts are unchanged (publishing is a rename, done last)."""

    def __init__(self, path: str | Path, happened: str, todo: str):
        self.path = Path(path)
        self.happened = happened
        self.todo = todo
        super().__init__(f"{path}: {happened}. {todo}")


# errno -> (what happened, what to do); `{doing}` is e.g. "writing the run's build file".
_OS_PROBLEMS = {
    "ENOSPC": ("no space left on the device while {doing}",
               "Free space on that disk (a run needs room for about two copies of the marts file in "
               ".build/) or point --marts-dir / IPLM_MARTS_DIR at a disk with room, then run again."),
    "EDQUOT": ("the disk quota is exhausted while {doing}",
               "Free space within your quota or point --marts-dir / IPLM_MARTS_DIR elsewhere, then run again."),
    "EFBIG": ("a file size limit was hit while {doing}",
              "Raise the file size limit (ulimit -f) or point --marts-dir / IPLM_MARTS_DIR elsewhere."),
    "EROFS": ("the file system is read-only (while {doing})",
              "Point --marts-dir / IPLM_MARTS_DIR at a writable folder, or remount this one read-write."),
    "EACCES": ("permission denied while {doing}",
               "Give the user running iplm write access to the folder, or point --marts-dir / "
               "IPLM_MARTS_DIR at a folder you can write."),
    "ENOTDIR": ("part of this path is a file, not a folder (while {doing})",
                "Point --marts-dir / IPLM_MARTS_DIR at a folder (it is created if missing)."),
    "EEXIST": ("this is a file, not a folder (while {doing})",
               "Point --marts-dir / IPLM_MARTS_DIR at a folder (it is created if missing)."),
    "EISDIR": ("this is a folder where a file was expected (while {doing})",
               "Move the folder away; iplm keeps its own files in the marts folder."),
    "ENOENT": ("a folder on this path does not exist and cannot be created here (while {doing})",
               "Point --marts-dir / IPLM_MARTS_DIR at a folder that exists or can be created."),
    "EIO": ("the disk reported an input/output error while {doing}",
            "Check the disk (dmesg, SMART) before trusting any file on it; then run again."),
}
_OS_PROBLEMS["EPERM"] = (_OS_PROBLEMS["EACCES"][0].replace("permission denied", "operation not permitted"),
                         _OS_PROBLEMS["EACCES"][1])
# DuckDB reports the same conditions as text inside its own exceptions.
_DUCKDB_TEXTS = {"No space left on device": "ENOSPC", "Disk quota exceeded": "EDQUOT",
                 "File too large": "EFBIG", "Read-only file system": "EROFS", "Permission denied": "EACCES",
                 "Not a directory": "ENOTDIR", "Input/output error": "EIO"}


def environment_code(exc: BaseException) -> str | None:
    """The errno name of an environment failure (an OSError or a DuckDB error about the disk), else None."""
    import errno

    if isinstance(exc, OSError) and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno]
    text = str(exc)
    for needle, code in _DUCKDB_TEXTS.items():
        if needle in text:
            return code
    return None


UNCHANGED = " Nothing was published: the marts are unchanged."


def environment_problem(exc: BaseException, path: str | Path, doing: str, *,
                        after: str = UNCHANGED, todo: str | None = None) -> EnvironmentProblem:
    """An EnvironmentProblem naming `path` for an OSError or DuckDB disk error raised while `doing`."""
    code = environment_code(exc)
    if code in _OS_PROBLEMS:
        happened, default_todo = _OS_PROBLEMS[code]
        happened = happened.format(doing=doing)
    else:
        happened = f"{_os_text(exc)} while {doing}"
        default_todo = "Fix the cause named here, then run again."
    todo = todo or default_todo
    problem = EnvironmentProblem(path, happened, todo + after)
    problem.__cause__ = exc
    return problem


def _os_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc).strip() or type(exc).__name__
