"""Shared fixtures. Tests write raw inputs into temporary folders and never touch data/marts/."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from tests.builders import write_sabu_raijua

# `iplm` runs record in the project's Dagster instance (.dagster/) by default; tests, and the
# `iplm` processes they start (which inherit this), use a throwaway one instead.
os.environ["IPLM_EPHEMERAL_INSTANCE"] = "1"


def pytest_collection_modifyitems(session, config, items):
    # An empty collection means a broken test layout, not a pass: make it an error, never exit 5.
    if not items:
        raise pytest.UsageError("no tests were collected: the test layout is broken")


@pytest.fixture
def dirs(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(raw, marts) folders in tmp_path, wired through IPLM_RAW_DIR / IPLM_MARTS_DIR."""
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    raw.mkdir()
    monkeypatch.setenv("IPLM_RAW_DIR", str(raw))
    monkeypatch.setenv("IPLM_MARTS_DIR", str(marts))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return raw, marts


@pytest.fixture
def sabu_raw(dirs) -> tuple[Path, Path]:
    raw, marts = dirs
    write_sabu_raijua(raw)
    return raw, marts


def query(marts: Path, sql: str, params=None):
    with duckdb.connect(str(marts / "iplm.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
