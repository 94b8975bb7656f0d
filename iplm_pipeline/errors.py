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
