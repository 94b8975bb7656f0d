"""Numbers as sources write them: two conventions, decided from evidence, never guessed.

Indonesian notation (older publications, hand-made tables, the report) groups thousands with
`.` and marks decimals with `,`: `1.469.843`, `93,33`. bps.go.id exports write the decimal
point with no grouping: `1272.7`, `0.4604`. A file uses one of them. Many cells read the same
either way (`1234`, `-`), some only one way (`1.469.843` is Indonesian, `1272.7` is a decimal
point), and some read differently under the two (`0.298` is 298 or 0.298, `93.330` is 93 330
or 93.33). Those are read with the convention that the other cells of the column (or else of
the file) prove; when nothing proves it they are a located error, because a guess here turns
93 330 people into 93 330 000.

Both conventions allow spaces (also no-break and thin spaces) between digit groups (`1 507`).
As in BPS publications, `-`/`–`/`—` mean zero (nihil); `…`, `...`, `NA`, `NaN`, `n/a`, `x` or an
empty cell mean not available. Native spreadsheet numbers carry no ambiguity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

NIHIL = frozenset({"-", "–", "—"})
NOT_AVAILABLE = frozenset({"", "…", "...", "na", "n/a", "nan", "x"})
# Spaces that may group digits: ordinary, no-break, narrow no-break, thin, figure space.
# ASCII digits only: Python's \d also matches Arabic-Indic and other digits, which no source uses.
_GROUP_SPACES = re.compile(r"(?<=[0-9])[ \u00a0\u202f\u2009\u2007](?=[0-9])")
_INDONESIAN = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?")
_POINT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class Convention(Enum):
    INDONESIAN = "indonesian"  # 1.469.843 and 93,33
    POINT = "decimal point"  # 1272.7 and 0.4604, no grouping

    @property
    def example(self) -> str:
        return "1.469.843 or 93,33" if self is Convention.INDONESIAN else "1469843 or 93.33"


class Kind(Enum):
    NUMBER = "number"
    NIHIL = "nihil"  # '-': the quantity is zero
    MISSING = "missing"  # not available
    INVALID = "invalid"


@dataclass(frozen=True)
class Reading:
    """What one cell can mean: its kind and its value under each convention that reads it."""

    kind: Kind
    values: dict[Convention, float]  # NUMBER: one entry per convention that reads the text

    @property
    def ambiguous(self) -> bool:
        """Read by both conventions, to different values (`0.298`, `1.000`, `93.330`)."""
        return len(set(self.values.values())) > 1

    @property
    def proves(self) -> Convention | None:
        """The convention this cell alone decides: the only one that reads it."""
        return next(iter(self.values)) if len(self.values) == 1 else None


def clean(text: str) -> str:
    """Trim and drop the spaces that group digits."""
    return _GROUP_SPACES.sub("", text.replace("\u200b", "").strip())


def read(value: object) -> Reading:
    """The possible readings of one cell (text in either convention, or a native number)."""
    if isinstance(value, bool):
        return Reading(Kind.INVALID, {})
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return Reading(Kind.MISSING, {})
        return Reading(Kind.NUMBER, {c: float(value) for c in Convention})
    text = clean(str(value) if value is not None else "")
    if text in NIHIL:
        return Reading(Kind.NIHIL, {c: 0.0 for c in Convention})
    if text.casefold() in NOT_AVAILABLE:
        return Reading(Kind.MISSING, {})
    values = {}
    if _INDONESIAN.fullmatch(text):
        values[Convention.INDONESIAN] = float(text.replace(".", "").replace(",", "."))
    if _POINT.fullmatch(text):
        values[Convention.POINT] = float(text)
    return Reading(Kind.NUMBER, values) if values else Reading(Kind.INVALID, {})


def evidence(cells: Iterable[object]) -> dict[Convention, list[int]]:
    """Positions of the cells that only one convention reads, per convention."""
    found: dict[Convention, list[int]] = {c: [] for c in Convention}
    for i, cell in enumerate(cells):
        proven = read(cell).proves
        if proven is not None:
            found[proven].append(i)
    return found


@dataclass(frozen=True)
class Decision:
    """The convention of a column (None: no cell needs one) and why."""

    convention: Convention | None
    reason: str


class ConventionConflict(ValueError):
    """Cells of one column (or file) that only one convention each reads, but not the same one."""

    def __init__(self, examples: dict[Convention, list[str]]):
        self.examples = examples
        super().__init__("; ".join(f"{c.value}: {', '.join(e[:3])}" for c, e in examples.items()))


def decide(column: Sequence[object], fallback: Decision | None = None) -> Decision:
    """The convention of one column: its own evidence, else `fallback` (the file's decision).

    Raises ConventionConflict when the column's cells prove both conventions.
    """
    proof = evidence(column)
    ind, point = proof[Convention.INDONESIAN], proof[Convention.POINT]
    if ind and point:
        raise ConventionConflict({Convention.INDONESIAN: [str(column[i]) for i in ind],
                                  Convention.POINT: [str(column[i]) for i in point]})
    if ind or point:
        convention = Convention.INDONESIAN if ind else Convention.POINT
        cell = str(column[(ind or point)[0]])
        return Decision(convention, f"{convention.value} notation, proven by '{cell}' in this column")
    if fallback is not None and fallback.convention is not None:
        return Decision(fallback.convention, fallback.reason.replace("this column", "another column of the file"))
    return Decision(None, "no cell of the column needs a convention")


def decide_file(columns: Sequence[Sequence[object]]) -> Decision:
    """The convention all numeric cells of a file agree on (None if none proves any, or they disagree)."""
    proof = {c: 0 for c in Convention}
    first: dict[Convention, str] = {}
    for column in columns:
        for convention, positions in evidence(column).items():
            proof[convention] += len(positions)
            if positions and convention not in first:
                first[convention] = str(column[positions[0]])
    if proof[Convention.INDONESIAN] and proof[Convention.POINT]:
        return Decision(None, "the file mixes both conventions")
    for convention in Convention:
        if proof[convention]:
            return Decision(convention, f"{convention.value} notation, proven by '{first[convention]}' in this column")
    return Decision(None, "no cell of the file needs a convention")


def value(reading: Reading, convention: Convention | None) -> float | None:
    """The number a reading stands for under the decided convention (None = not available).

    Raises ValueError for text that is no number under the convention, or an ambiguous
    reading without a convention: callers turn both into located errors.
    """
    if reading.kind is Kind.MISSING:
        return None
    if reading.kind is Kind.INVALID:
        raise ValueError("not a number")
    if not reading.ambiguous:
        if convention is not None and convention not in reading.values:
            raise ValueError(f"not a number in {convention.value} notation")
        return next(iter(reading.values.values()))
    if convention is None:
        raise ValueError("ambiguous")
    return reading.values[convention]


def ambiguity_hint(text: str) -> str:
    """How to fix a file whose ambiguous cell nothing decides."""
    r = read(text)
    ind, point = r.values.get(Convention.INDONESIAN), r.values.get(Convention.POINT)
    return (f"'{text}' reads as {ind:g} in Indonesian notation and as {point:g} with a decimal point, and no "
            "other cell of the column or file shows which notation the file uses. Re-download the table from "
            "bps.go.id unchanged, or write the value without ambiguity (e.g. "
            f"'{_plain(ind)}' or '{_plain(point).replace('.', ',')}').")


def _plain(x: float) -> str:
    return f"{x:.0f}" if x.is_integer() else f"{x:g}"
