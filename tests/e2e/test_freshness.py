"""A source that stopped delivering new days (issue 22, item 3): its sheet still lands every
night, but its newest row is weeks old. Its `data_freshness` check fails (WARN), the run still
succeeds and publishes, and `scorecard status --json` shows its lag in days."""

from __future__ import annotations

import json
import textwrap

import dagster as dg
import duckdb
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

AS_OF = "2026-11-23"
CONFIG = """
timezone: Europe/Copenhagen
sources:
  - {name: team, type: manual_metrics, path: inbox/team, start_date: 2026-08-01,
     metrics: {trainings: sum}, owner: People team}
  - {name: panel, type: manual_metrics, path: inbox/panel, start_date: 2026-08-01,
     metrics: {panel_score: sum}, max_lag_days: 10}
objectives:
  - {id: learn, perspective: learning_growth, name: Learn}
kpis:
  - {id: trainings, name: Trainings, objective: learn, type: metric, metric: manual.trainings,
     target: 10, owner: People team}
  - {id: panel, name: Panel score, objective: learn, type: metric, metric: manual.panel_score,
     target: 50}
"""


def test_a_source_without_new_days_fails_its_freshness_check_and_still_publishes(tmp_path):
    (tmp_path / "scorecard.yml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    for name, metric, days in (
        ("team", "trainings", ["2026-10-05", "2026-11-02", "2026-11-16"]),
        # the panel stopped sending at the end of October (that month is still covered, so
        # no gate stops the publish: only the lag tells)
        ("panel", "panel_score", ["2026-09-30", "2026-10-31"]),
    ):
        inbox = tmp_path / "inbox" / name
        inbox.mkdir(parents=True)
        rows = [f"{d},{metric},{i + 3}" for i, d in enumerate(days)]
        (inbox / f"{name}.csv").write_text(
            "date,metric,value\n" + "\n".join(rows) + "\n", encoding="utf-8"
        )
    home = tmp_path / "dagster_home"
    run = run_cli("run", "--as-of", AS_OF, cwd=tmp_path, env={"DAGSTER_HOME": str(home)})
    assert run.returncode == 0, run.stdout + run.stderr

    # the publish happened
    with duckdb.connect(str(tmp_path / "data/serving.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from scorecard.publish_log").fetchone()[0] == 1

    # the check results as Dagster recorded them in the persistent instance
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_records_for_run(
            instance.get_runs(limit=1)[0].run_id,
            of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        ).records
        evaluations = {
            (
                e.event_log_entry.dagster_event.event_specific_data.asset_key.path[1],
                e.event_log_entry.dagster_event.event_specific_data.check_name,
            ): e.event_log_entry.dagster_event.event_specific_data
            for e in records
        }
        assert instance.get_runs(limit=1)[0].is_success
    panel = evaluations[("panel", "data_freshness")]
    assert not panel.passed and panel.severity == dg.AssetCheckSeverity.WARN
    assert panel.metadata["lag_days"].value == 23
    assert panel.metadata["newest_data_day"].value == "2026-10-31"
    team = evaluations[("team", "data_freshness")]
    assert team.passed and team.metadata["lag_days"].value == 7
    assert evaluations[("panel", "raw_expectations")].passed  # the data itself is sound

    status = run_cli("status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    sources = {s["source"]: s for s in json.loads(status.stdout)["sources"]}
    assert sources["panel"]["data_until"] == "2026-10-31"
    assert sources["panel"]["max_lag_days"] == 10
    assert sources["panel"]["stale"] is True
    assert sources["panel"]["lag_days"] >= 23  # status counts from today, the run from its date
    assert sources["team"]["data_until"] == "2026-11-16"
