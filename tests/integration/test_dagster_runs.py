"""`iplm` runs as Dagster sees them: recorded in the instance asked for, with row counts, and a
year range that skips a year without library exports."""

import shutil

import dagster as dg
import pytest

from iplm_pipeline.cli import instance_choice, main
from tests.builders import write_years
from tests.conftest import query

pytestmark = pytest.mark.slow


def record_in(home, monkeypatch) -> None:
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("IPLM_EPHEMERAL_INSTANCE")


def test_instance_choice(monkeypatch):
    monkeypatch.setenv("IPLM_EPHEMERAL_INSTANCE", "1")
    monkeypatch.setenv("DAGSTER_HOME", "/somewhere")
    assert instance_choice() == "ephemeral"
    monkeypatch.delenv("IPLM_EPHEMERAL_INSTANCE")
    assert instance_choice() == "dagster_home"
    monkeypatch.delenv("DAGSTER_HOME")
    assert instance_choice() == "project"  # .dagster/ beside dagster.yaml, what `make dev` shows


def test_cli_run_is_recorded_in_the_given_instance_with_row_counts(sabu_raw, tmp_path, monkeypatch):
    raw, marts = sabu_raw
    record_in(tmp_path / "dagster_home", monkeypatch)
    assert main(["run", "--year", "2024", "-q"]) == 0

    instance = dg.DagsterInstance.get()
    (run,) = instance.get_runs()
    assert run.run_config["resources"]["iplm"]["config"] == {"raw_dir": str(raw.resolve()),
                                                             "marts_dir": str(marts.resolve())}
    regency = instance.get_latest_materialization_event(dg.AssetKey("iplm_regency")).asset_materialization
    assert regency.partition == "2024"
    assert regency.metadata["dagster/row_count"].value == query(marts, "SELECT count(*) FROM iplm_regency")[0][0] > 0
    libraries = instance.get_latest_materialization_event(dg.AssetKey("perpustakaan")).asset_materialization
    ledger = query(marts, "SELECT count(*), sum(rows_read), sum(rows_kept), sum(rows_quarantined) FROM source_files "
                          "WHERE source = 'perpustakaan'")[0]
    assert tuple(libraries.metadata[k].value for k in ("files", "rows_read", "rows_kept", "rows_quarantined")) == ledger
    for key in ("quarantine_summary", "regions", "iplm_detail", "marts_file"):
        assert instance.get_latest_materialization_event(dg.AssetKey(key)), key


def test_a_backfill_leaves_out_years_without_exports_and_publishes_the_others(dirs, tmp_path, monkeypatch, capsys):
    raw, marts = dirs
    record_in(tmp_path / "dagster_home", monkeypatch)
    write_years(raw, [2023, 2024])
    assert main(["run", "--year", "2023", "-q"]) == 0
    before = query(marts, "SELECT bps_code, iplm FROM iplm_regency WHERE year = 2023 ORDER BY ALL")
    shutil.rmtree(raw / "perpustakaan" / "2023")
    capsys.readouterr()

    assert main(["backfill", "--from", "2022", "--to", "2024"]) == 0
    err = capsys.readouterr().err
    assert "[2022] skipped: no library exports" in err and "[2023] skipped: no library exports" in err
    assert err.count("skipped: no library exports") == 2  # once per year, not once per asset
    assert query(marts, "SELECT DISTINCT year FROM iplm_regency ORDER BY 1") == [(2023,), (2024,)]
    # The skipped year is left as published, in every table.
    assert query(marts, "SELECT bps_code, iplm FROM iplm_regency WHERE year = 2023 ORDER BY ALL") == before
    assert query(marts, "SELECT count(*) FROM source_files WHERE year = 2023 AND source = 'perpustakaan'") == [(1,)]
    # ... and is not in the backfill's run, so Dagster records no materialisation of it.
    latest, first = dg.DagsterInstance.get().get_runs()
    assert (first.tags["dagster/partition"], latest.tags["dagster/partition"]) == ("2023", "2024")


def test_a_range_run_from_the_ui_skips_a_year_without_exports_inside_the_run(dirs, tmp_path, monkeypatch, capsys):
    """A UI backfill of 2023-2024 is one run; 2023 has no exports: every asset skips it."""
    from iplm_pipeline.cli import materialise

    raw, marts = dirs
    record_in(tmp_path / "dagster_home", monkeypatch)
    write_years(raw, [2024])
    assert materialise([2023, 2024]) == 0
    assert capsys.readouterr().err.count("[2023] skipped: no library exports") == 1
    assert query(marts, "SELECT DISTINCT year FROM iplm_regency") == [(2024,)]
    # Dagster records the run's metadata for both years of the range; it says which one was skipped.
    event = dg.DagsterInstance.get().get_latest_materialization_event(dg.AssetKey("iplm_regency"))
    metadata = event.asset_materialization.metadata
    assert metadata["skipped_years"].value == "2023"
    assert metadata["dagster/row_count"].value == query(marts, "SELECT count(*) FROM iplm_regency")[0][0]


def test_a_single_year_without_exports_still_fails_with_the_located_error(dirs, capsys):
    raw, _ = dirs
    write_years(raw, [2024])
    assert main(["run", "--year", "2023"]) == 2
    assert "no library registration export for this year" in capsys.readouterr().err
