"""Where the pipeline reads and writes (SOURCES.md: IPLM_RAW_DIR, IPLM_MARTS_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
MARTS_FILE_NAME = "iplm.duckdb"


def raw_dir() -> Path:
    return Path(os.environ.get("IPLM_RAW_DIR") or PROJECT_ROOT / "data" / "raw").resolve()


def marts_dir() -> Path:
    return Path(os.environ.get("IPLM_MARTS_DIR") or PROJECT_ROOT / "data" / "marts").resolve()
