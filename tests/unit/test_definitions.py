"""Snapshot of the asset graph: a change to assets, dependencies, checks or partitions shows here."""

import re

import dagster as dg

from iplm_pipeline import catalog
from iplm_pipeline.definitions import defs as load_defs

defs = load_defs()
SOURCES = ["bps", "perpustakaan", "terbitan"]
GRAPH = {
    "bps": [],
    "perpustakaan": [],
    "terbitan": [],
    "iplm_regency": ["bps", "perpustakaan"],
    "iplm_province": ["bps", "perpustakaan"],
    "iplm_national": ["bps", "perpustakaan"],
    "data_completeness": ["iplm_regency", "perpustakaan"],
    "reconciliation": ["bps", "iplm_national", "iplm_province", "iplm_regency", "terbitan"],
    "library_region_mismatches": ["perpustakaan"],
    "iplm_targets": ["iplm_regency"],
    "tpbis_comparison": ["iplm_regency", "perpustakaan"],
    "iplm_trends": ["iplm_national", "iplm_province", "iplm_regency", "methodology_applied"],
    "release_changes": [],
    "iplm_regency_completeness": ["data_completeness", "iplm_regency"],
    "iplm_province_completeness": ["data_completeness", "iplm_province"],
    "iplm_detail": ["data_completeness", "iplm_national", "iplm_province", "iplm_regency", "methodology_applied"],
    "iplm_scores": ["bps", "perpustakaan"],
    "methodology_applied": [],
    "methodology_bps_columns": [],
    "quarantine": SOURCES,
    "source_files": SOURCES,
    "corrections_applied": SOURCES,
    "quarantine_summary": ["quarantine"],
    "regions": [],
    "methodology": [],
    "methodology_elements": [],
    "methodology_bands": [],
    "marts_file": sorted(["bps", "corrections_applied", "data_completeness", "iplm_detail",
                          "iplm_national", "iplm_province", "iplm_province_completeness", "iplm_regency",
                          "iplm_regency_completeness", "iplm_scores", "library_region_mismatches",
                          "perpustakaan", "methodology", "methodology_applied", "methodology_bands",
                          "methodology_bps_columns", "methodology_elements", "terbitan",
                          "quarantine", "quarantine_summary", "reconciliation", "regions", "source_files",
                          "iplm_targets", "tpbis_comparison"]),
}
GROUPS = {
    "staging": {"bps", "perpustakaan", "terbitan"},
    "marts": {"iplm_regency", "iplm_province", "iplm_national", "data_completeness", "reconciliation",
              "library_region_mismatches", "iplm_regency_completeness", "iplm_province_completeness", "iplm_detail",
              "iplm_scores", "methodology_applied", "iplm_targets", "tpbis_comparison", "iplm_trends"},
    "ledger": {"quarantine", "source_files", "corrections_applied", "quarantine_summary"},
    "reference": {"regions", "methodology", "methodology_elements", "methodology_bands", "methodology_bps_columns"},
    "publish": {"marts_file", "release_changes"},
}
# Tables of the DDL that are not for analysts.
NOT_ASSETS = {"schema_info", "staging.bps_tables"}
CHECKS = {
    ("bps", "rows_accounted"), ("perpustakaan", "rows_accounted"),
    ("terbitan", "rows_accounted"), ("reconciliation", "published_figures_match"),
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


def test_groups():
    graph = defs.resolve_asset_graph()
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert groups == GROUPS


def test_every_table_and_view_of_the_ddl_is_an_asset_with_its_columns():
    """An analyst finds every table of the marts file in the catalog, with the DDL's columns and comments."""
    graph = defs.resolve_asset_graph()
    by_table = {}
    for key in graph.get_all_asset_keys():
        metadata = graph.get(key).metadata
        if "dagster/table_name" in metadata:
            by_table[metadata["dagster/table_name"].removeprefix("iplm.").removeprefix("main.")] = metadata
    assert set(catalog.tables()) - NOT_ASSETS == set(by_table)
    for table, metadata in by_table.items():
        columns = metadata["dagster/column_schema"].columns
        assert [c.name for c in columns] == [c.name for c in catalog.tables()[table].columns], table
    regency = {c.name: c for c in by_table["iplm_regency"]["dagster/column_schema"].columns}
    assert regency["iplm"].type == "DECIMAL(8,2)" and regency["iplm"].description.startswith("IPLM = 100 x mean")
    assert regency["iplm"].constraints.nullable and not regency["year"].constraints.nullable


def test_column_descriptions_are_the_duckdb_comments():
    from iplm_pipeline.warehouse import apply_schema, connect

    con = connect()
    apply_schema(con)
    comments = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() "
                                "WHERE table_name = 'reconciliation'").fetchall())
    columns = {c.name: c.description for c in catalog.column_schema("reconciliation").columns}
    assert columns == {name: catalog.markdown(text) for name, text in comments.items()}
    assert "bps_aggregate:`<indicator>`" in columns["measure"]  # Markdown would drop a bare <indicator>


def test_assets_have_owner_code_reference_and_renderable_description():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:iplm"], key
        assert node.tags.get("iplm/stage") in ("staging", "marts", "publish"), key
        assert node.metadata["dagster/code_references"].code_references, key
        # Markdown would swallow `<year>` as an HTML tag: placeholders only inside code spans.
        schema = node.metadata.get("dagster/column_schema")
        texts = [node.description or "", *(c.description or "" for c in (schema.columns if schema else []))]
        for text in texts:
            assert not re.search(r"<[a-z_]+>", re.sub(r"`[^`]*`", "", text)), (key, text)
    assert graph.get(dg.AssetKey("perpustakaan")).tags["iplm/source"] == "perpustakaan"


def test_markdown_keeps_placeholders_visible():
    assert catalog.markdown("bps_aggregate:<indicator> and `data/raw/<year>/`") == \
        "bps_aggregate:`<indicator>` and `data/raw/<year>/`"


def test_row_counts_of_a_range_are_plottable_per_year():
    one = catalog.row_count_metadata({2024: 27})
    assert one == {"dagster/row_count": dg.MetadataValue.int(27)}
    several = catalog.row_count_metadata({2023: 20, 2024: 27})
    assert several["dagster/row_count"] == dg.MetadataValue.int(47)
    assert several["rows_2023"] == dg.MetadataValue.float(20.0) and several["rows_2024"] == dg.MetadataValue.float(27.0)


def test_a_new_folder_under_defs_needs_no_central_list():
    import inspect

    import iplm_pipeline.definitions as definitions

    source = inspect.getsource(definitions)
    assert "load_from_defs_folder" in source and "import iplm_pipeline.defs" not in source
    assert "from iplm_pipeline.defs" not in source
