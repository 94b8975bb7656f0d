"""Snapshot of the asset graph: a change to assets, dependencies, checks or partitions shows here."""

import dagster as dg

from iplm_pipeline.definitions import defs

GRAPH = {
    "bps_indicators": [],
    "library_registrations": [],
    "published_scores": [],
    "iplm_regency": ["bps_indicators", "library_registrations"],
    "iplm_province": ["bps_indicators", "library_registrations"],
    "iplm_national": ["bps_indicators", "library_registrations"],
    "data_completeness": ["iplm_regency", "library_registrations"],
    "reconciliation": ["bps_indicators", "iplm_national", "iplm_province", "iplm_regency", "published_scores"],
    "library_region_mismatches": ["library_registrations"],
    "iplm_targets": ["iplm_regency"],
    "tpbis_comparison": ["iplm_regency", "library_registrations"],
    "marts_file": ["bps_indicators", "data_completeness", "iplm_national", "iplm_province", "iplm_regency",
                   "iplm_targets", "library_region_mismatches", "library_registrations", "published_scores",
                   "reconciliation", "tpbis_comparison"],
}
CHECKS = {
    ("bps_indicators", "rows_accounted"), ("library_registrations", "rows_accounted"),
    ("published_scores", "rows_accounted"), ("reconciliation", "published_figures_match"),
    *((mart, check) for mart in ("iplm_regency", "iplm_province", "iplm_national")
      for check in ("unique_keys", "scores_in_bounds")),
    ("iplm_regency", "required_inputs"),
}


def test_asset_graph():
    graph = defs.resolve_asset_graph()
    actual = {key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
              for key in graph.get_all_asset_keys()}
    assert actual == GRAPH


def test_checks_and_which_ones_block_publishing():
    graph = defs.resolve_asset_graph()
    specs = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert set(specs) == CHECKS
    warn_only = {key for key, spec in specs.items() if not spec.blocking}
    assert warn_only == {("reconciliation", "published_figures_match")}


def test_every_asset_is_partitioned_by_registered_year():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).partitions_def.get_partition_keys() == ["2022", "2023", "2024", "2025"], key


def test_job_runs_in_process_and_schedule_is_off_by_default():
    job = defs.resolve_job_def("iplm_year")
    assert job.executor_def is dg.in_process_executor
    schedule = defs.resolve_schedule_def("annual_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 6 1 7 *"


def test_annual_schedule_runs_last_year_when_its_exports_are_in(tmp_path, monkeypatch):
    import datetime as dt

    schedule = defs.resolve_schedule_def("annual_schedule")
    monkeypatch.setenv("IPLM_RAW_DIR", str(tmp_path))

    def evaluate(year):
        context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(year, 7, 1),
                                            repository_def=defs.get_repository_def())
        return schedule.evaluate_tick(context)

    assert "No library exports" in evaluate(2025).skip_message
    (tmp_path / "perpustakaan" / "2024").mkdir(parents=True)
    (tmp_path / "perpustakaan" / "2024" / "export.csv").write_text("NPP\n")
    requests = evaluate(2025).run_requests
    assert [r.partition_key for r in requests] == ["2024"]
    assert "no registered method" in evaluate(2027).skip_message
