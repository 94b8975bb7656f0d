"""Which column of a published table holds what: header spellings as data.

The spellings live in `reference/published_headers.toml` (field -> header texts), because
every portal names the same column differently (`UPLM1`, `Pemerataan Layanan Perpustakaan`;
`SKOR IPLM`, `Nilai IPLM`) and a new download should need a line of data, not code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from iplm_pipeline.errors import IplmError

HEADERS_PATH = Path(__file__).parents[2] / "reference" / "published_headers.toml"
MEASURES = tuple(f"uplm{i}" for i in range(1, 8)) + ("iplm",)
UPLM = MEASURES[:7]
NAME_FIELDS = ("area", "province_name", "regency_name")
CODE_FIELDS = ("area_code", "province_code", "regency_code")
FIELDS = (*NAME_FIELDS, *CODE_FIELDS, *MEASURES, "category", "year", "unit", "ignored")


def header_key(text: object) -> str:
    """Case, accents, spaces, line breaks and punctuation ignored; a header of punctuation only
    (`#`) keeps its characters so that it is not mistaken for an empty cell."""
    raw = "" if text is None else str(text)
    decomposed = unicodedata.normalize("NFKD", raw).casefold()
    key = re.sub(r"[^0-9a-z]", "", decomposed)
    return key or re.sub(r"\s", "", decomposed)


class HeaderPatterns:
    def __init__(self, fields: dict[str, str], units: frozenset[str]):
        self.fields = fields  # header key -> field
        self.units = units  # unit keys an IPLM-only table may carry

    def field_of(self, header: object) -> str | None:
        key = header_key(header)
        return self.fields.get(key) if key else None


@cache
def load_header_patterns(path: Path = HEADERS_PATH) -> HeaderPatterns:
    with path.open("rb") as f:
        data = tomllib.load(f)
    fields: dict[str, str] = {}
    for field, spellings in data.get("fields", {}).items():
        if field not in FIELDS:
            raise IplmError(f"{path}: unknown field '{field}' (known: {', '.join(FIELDS)})")
        for spelling in spellings:
            key = header_key(spelling)
            if fields.get(key, field) != field:
                raise IplmError(f"{path}: the header '{spelling}' names both {fields[key]} and {field}; "
                                "a spelling may name one field only")
            fields[key] = field
    units = frozenset(header_key(u) if u else "" for u in data.get("units", {}).get("iplm", []))
    return HeaderPatterns(fields, units)
