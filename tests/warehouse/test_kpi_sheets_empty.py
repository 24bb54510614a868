"""A scorecard without comment or action sources still publishes both tables, empty: their
staging reads the streams' typed schema files (dbt against real, empty landing)."""

from __future__ import annotations

import os

import duckdb

from connectors import registry
from connectors.landing import LandingStore
from orchestration.assets.warehouse import dbt_environment
from orchestration.config import load_config
from orchestration.config.catalog import write_catalog
from tests.conftest import AS_OF
from tests.dbt import dbt

CONFIG = """\
timezone: Europe/Copenhagen
sources:
  - {name: team, type: manual_metrics, path: inbox, metrics: {training_hours: sum}}
objectives:
  - {id: skills, perspective: learning_growth, name: Build skills}
kpis:
  - {id: training, name: Training hours, objective: skills, type: metric,
     metric: manual.training_hours, target: {month: 10}}
"""


def test_without_sheet_sources_the_comment_and_action_tables_build_empty(tmp_path):
    (tmp_path / "scorecard.yml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp_path / "scorecard.yml")
    assert not {s.type for s in config.sources} & {"kpi_comments", "kpi_actions"}
    store = LandingStore(config.paths.landing)
    for connector in registry().values():
        for stream in connector.streams:
            store.ensure_schema_file(stream)
    write_catalog(config, config.paths.artifacts_dir / "config", run_id="empty", run_date=AS_OF)
    config.paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **dbt_environment(config)}
    models = ("+fct_kpi_comments", "+fct_kpi_actions", "+dim_kpis")  # dim_kpis: relationships
    built = dbt("build", "--select", *models, "--indirect-selection", "cautious", env=env)
    assert built.returncode == 0, built.stdout[-3000:]
    with duckdb.connect(str(config.paths.warehouse), read_only=True) as con:
        for table, columns in {
            "fct_kpi_comments": [
                "kpi_id", "grain", "period_start", "period_end", "author", "text",
                "written_on", "source_name",
            ],
            "fct_kpi_actions": [
                "kpi_id", "action", "owner", "due_date", "status", "is_open", "is_overdue",
                "source_name",
            ],
        }.items():  # fmt: skip
            described = con.execute(f"describe marts.{table}").fetchall()
            assert [c[0] for c in described] == columns
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] == 0
