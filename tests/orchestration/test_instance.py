"""Which Dagster instance `scorecard run` records in (decision 63), and how it gets back the
warehouse pool's slot from a run that was killed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import dagster as dg
import pytest

from orchestration.config import load_config
from orchestration.runner import HOST_TAG, PID_TAG, dagster_home, instance

CONFIG = """
timezone: UTC
paths: {warehouse: state/warehouse.duckdb}
sources:
  - {name: team, type: manual_metrics, path: inbox, metrics: {leads: sum}}
objectives:
  - {id: grow, perspective: financial, name: Grow}
kpis:
  - {id: leads, name: Leads, objective: grow, type: metric, metric: manual.leads, target: 100}
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    path = tmp_path / "project" / "scorecard.yml"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    return load_config(path)


def test_without_dagster_home_the_instance_is_in_the_artifacts_folder(config, tmp_path):
    home = dagster_home(config)
    assert home == tmp_path / "project" / "state" / "artifacts" / "dagster"
    assert "enabled: false" in (home / "dagster.yaml").read_text()  # telemetry off


def test_dagster_home_wins_and_its_dagster_yaml_is_kept(config, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    assert dagster_home(config) == tmp_path / "elsewhere"
    assert (tmp_path / "elsewhere" / "dagster.yaml").read_text() == (
        "telemetry: {enabled: false}\n"
    )


def test_a_killed_cli_run_is_marked_failed_and_gives_back_its_pool_slot(config):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with instance(config) as inst:
        storage = inst.event_log_storage
        assert storage.supports_global_concurrency_limits
        storage.set_concurrency_slots("duckdb_warehouse", 1)

        def started(pid: int, host: str) -> str:
            run = inst.create_run_for_job(
                dg.GraphDefinition("nightly_refresh").to_job(),
                tags={HOST_TAG: host, PID_TAG: str(pid)},
            )
            inst.handle_run_event(
                run.run_id,
                dg.DagsterEvent(
                    event_type_value="PIPELINE_START", job_name="nightly_refresh", message="go"
                ),
            )
            return run.run_id

        killed = started(dead.pid, socket.gethostname())
        assert storage.claim_concurrency_slot("duckdb_warehouse", killed, "dbt").is_claimed
        # another host's run, and a live one of ours: not ours to judge
        other = started(dead.pid, "another-host")
        alive = started(os.getpid(), socket.gethostname())
    with instance(config) as inst:
        assert inst.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        assert inst.get_run_by_id(other).status == dg.DagsterRunStatus.STARTED
        assert inst.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
        info = inst.event_log_storage.get_concurrency_info("duckdb_warehouse")
        assert info.active_slot_count == 0
