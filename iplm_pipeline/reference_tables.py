"""The reference tables written whole into every marts file: regions and the method registry."""

from __future__ import annotations

import duckdb
import pandas as pd

from iplm_pipeline.methodology import load_registry
from iplm_pipeline.regions import load_regions

REFERENCE_TABLES = ("regions", "methodology", "methodology_elements", "methodology_bands", "methodology_bps_columns")


def write_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    registry = load_registry()
    frames = {
        "regions": pd.DataFrame([r.__dict__ for r in load_regions().regions]),
        "methodology": registry.years_frame(),
        "methodology_elements": registry.elements_frame(),
        "methodology_bands": registry.bands_frame(),
        "methodology_bps_columns": registry.bps_columns_frame(),
    }
    for table, frame in frames.items():
        con.execute(f"DELETE FROM {table}")
        con.register("_ref", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _ref")
        con.unregister("_ref")
