"""`iplm inspect --source perpustakaan`: one library export read exactly as a run reads it.

The file is loaded through the same `load_library_year` as a run, alone in a scratch raw
folder and an in-memory DuckDB, so what is shown (columns found, rows kept, each quarantined
row with its reason) is what a run of that year would do with it, before deduplication against
the year's other files.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

from iplm_pipeline.corrections import load_corrections
from iplm_pipeline.regions import load_regions
from iplm_pipeline.warehouse import apply_schema, connect

from .ingest import load_library_year


def inspect_export(path: Path, year: int) -> dict:
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="iplm-inspect-") as scratch:
        raw = Path(scratch)
        folder = raw / "perpustakaan" / str(year)
        folder.mkdir(parents=True)
        shutil.copyfile(path, folder / path.name)  # a copy, so provenance reads perpustakaan/<year>/<file>
        con = connect()
        try:
            apply_schema(con)
            loaded = load_library_year(con, raw, year, load_regions(), load_corrections(raw))
            kept = con.execute(
                "SELECT row_number, npp, name, library_type, kemendagri_code, bps_code, collections, librarians, "
                "technicians, visits_per_day, snp, members, participation, updated_at, text_region_status "
                "FROM staging.perpustakaan WHERE year = ? ORDER BY row_number", [year]).df()
        finally:
            con.close()
    ledger = loaded.ledger.iloc[0].to_dict() if len(loaded.ledger) else {}
    quarantine = loaded.quarantine.sort_values("row_number")
    return {
        "file": str(path), "source": "perpustakaan", "year": year,
        "sheet": ledger.get("sheet"), "header_rows": [ledger.get("header_row")],
        "rows_read": int(ledger.get("rows_read", 0)), "rows_kept": int(ledger.get("rows_kept", 0)),
        "rows_quarantined": int(ledger.get("rows_quarantined", 0)), "rows_skipped": int(ledger.get("rows_skipped", 0)),
        "notes": [n for n in [ledger.get("notes")] if isinstance(n, str) and n],
        "quarantined": [{"row_number": int(r.row_number), "reason": r.reason, "column": r.column_name,
                         "detail": r.detail} for r in quarantine.itertuples()],
        "rows": [{k: _plain(v) for k, v in row.items()} for row in kept.to_dict("records")],
    }


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        value = value.item()
    return int(value) if isinstance(value, float) and value.is_integer() else value
