"""How the pipeline invokes dbt: no `dbt --version` process per run, and one target folder per
warehouse that keeps dbt's parse state between runs of different scorecards."""

from __future__ import annotations

import importlib.metadata

import dagster_dbt.core.resource

from orchestration import dbt_cli


def test_the_dbt_version_comes_from_the_installed_package_not_a_process(monkeypatch):
    def no_process(*args, **kwargs):
        raise AssertionError(f"started a process: {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_process)
    resource = dbt_cli.dbt_resource()
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_each_dbt_environment_keeps_its_own_target_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_cli, "RUN_TARGETS", tmp_path / "runs")
    nightly = {"SCORECARD_WAREHOUSE": "/srv/a/warehouse.duckdb", "SCORECARD_LANDING_DIR": "/a"}
    other = {**nightly, "SCORECARD_WAREHOUSE": "/srv/b/warehouse.duckdb"}

    folder = dbt_cli.run_target(nightly)
    (folder / "partial_parse.msgpack").write_bytes(b"parse state")
    (folder / "run_results.json").write_text("{}")  # last night's results

    again = dbt_cli.run_target(dict(reversed(nightly.items())))
    assert again == folder
    assert (again / "partial_parse.msgpack").read_bytes() == b"parse state"
    assert not (again / "run_results.json").exists()  # never mistaken for this build's
    assert dbt_cli.run_target(other) != folder
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(
        [folder.name, dbt_cli.run_target(other).name]
    )
