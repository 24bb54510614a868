"""Run the real dbt project from tests: the whole build, or one connector's staging models
against a landing folder (what a generated connector test uses)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from connectors import registry
from connectors.landing import LandingStore
from orchestration.dbt_cli import connector_environment, dbt_command


def dbt(*args: str, env: dict, target_path: Path | None = None) -> subprocess.CompletedProcess:
    """The dbt command line on our project (output captured; check `returncode`)."""
    return subprocess.run(
        dbt_command(*args, target_path=target_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def build_staging(landing: Path, workdir: Path, *models: str) -> duckdb.DuckDBPyConnection:
    """`dbt build` of the given models (and their tests) on what `landing` holds; returns a
    read-only connection to the warehouse they were built in."""
    result = build(landing, workdir, *models)
    assert result.returncode == 0, result.stdout[-3000:]
    return duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True)


def build(landing: Path, workdir: Path, *models: str) -> subprocess.CompletedProcess:
    """`dbt build --select models` on `landing`, into `workdir`'s warehouse (check the result)."""
    store = LandingStore(landing)
    for connector in registry().values():
        for stream in connector.streams:
            store.ensure_schema_file(stream)
    env = {
        **os.environ,
        "SCORECARD_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SCORECARD_LANDING_DIR": str(landing),
        "SCORECARD_CONFIG_DIR": str(workdir / "config"),
        "DBT_LOG_PATH": str(workdir / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **connector_environment(),
    }
    return dbt("build", "--select", *models, env=env, target_path=workdir / "dbt_target")
