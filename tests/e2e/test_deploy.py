"""Production, unattended: a real `dagster-daemon` with the shipped deploy/dagster.yaml
(PostgreSQL run, event-log and schedule storage) fires the scorecard's schedule and the run
succeeds; `scorecard run` from another folder, without DAGSTER_HOME, records its run in the
same instance (decision 63: `dagster` in the config's artifacts folder), so both show in the
UI and in one database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow

DAEMON = Path(sys.executable).parent / "dagster-daemon"
SCHEDULE = "nightly_refresh_schedule"

CONFIG = """
timezone: UTC
currency: EUR
organisation: Nordlys Outdoor
schedule: {cron: "* * * * *"}
sources:
  - {name: team, type: manual_metrics, path: inbox, start_date: 2026-08-01,
     metrics: {leads: sum}}
objectives:
  - {id: grow, perspective: financial, name: Grow}
kpis:
  - {id: leads, name: Leads, objective: grow, type: metric, metric: manual.leads, target: 100}
"""


@pytest.fixture
def database(postgres):
    """A fresh database on the test PostgreSQL server for this instance."""
    name = f"dagster_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres.url, autocommit=True) as con:
        con.execute(f"create database {name}")
    yield postgres.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres.url, autocommit=True) as con:
        con.execute(f"drop database {name} with (force)")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [r.dagster_run for r in instance.get_run_records()]


def test_the_daemon_runs_the_schedule_and_the_cli_run_lands_in_the_same_instance(
    tmp_path, database, monkeypatch
):
    started = time.monotonic()
    project = tmp_path / "project"
    (project / "inbox").mkdir(parents=True)
    config = project / "scorecard.yml"
    config.write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    (project / "inbox" / "leads.csv").write_text(
        "date,metric,value\n" + "".join(f"2026-{m:02d}-01,leads,{100 + m}\n" for m in range(8, 12)),
        encoding="utf-8",
    )
    # the production instance, where the CLI looks for it without DAGSTER_HOME
    home = project / "data" / "artifacts" / "dagster"
    home.mkdir(parents=True)
    shutil.copyfile(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    # the driver named, as in deploy/scorecard.env.example (SQLAlchemy 2.1 picks psycopg 3)
    secrets = {
        "SCORECARD_DAGSTER_PG_URL": database.replace("postgresql://", "postgresql+psycopg2://")
    }

    # 1. `scorecard run` from another folder, no DAGSTER_HOME (run_cli drops it): it lands the
    #    sheet, so the inbox sensor has nothing new and the schedule's run is the daemon's one
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cli = run_cli("run", "--config", str(config), cwd=elsewhere, env=secrets)
    assert cli.returncode == 0, cli.stderr[-3000:]
    cli_seconds = time.monotonic() - started
    monkeypatch.setenv("SCORECARD_DAGSTER_PG_URL", secrets["SCORECARD_DAGSTER_PG_URL"])
    [cli_run] = _runs(home)
    assert cli_run.status == dg.DagsterRunStatus.SUCCESS
    assert SCHEDULE not in cli_run.tags.get("dagster/schedule_name", "")
    assert not (elsewhere / "data").exists()  # nothing written where it was started

    # 2. the daemon, as the systemd unit starts it, fires the every-minute schedule
    log = (tmp_path / "daemon.log").open("w")
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DAGSTER_HOME", "SCORECARD_CONFIG", "SCORECARD_DEMO")
    }
    environment.update(
        DAGSTER_HOME=str(home),
        SCORECARD_CONFIG=str(config),
        NO_PROXY="127.0.0.1,localhost",
        **secrets,
    )
    daemon = subprocess.Popen(
        [str(DAEMON), "run", "-m", "orchestration.definitions"],
        cwd=project,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    daemon_started = time.monotonic()
    scheduled = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
            runs = [r for r in _runs(home) if r.tags.get("dagster/schedule_name") == SCHEDULE]
            # the first tick's run (a run key dedupes within one tick only: under load the
            # next minute's tick may queue another one behind it)
            if runs and runs[-1].status in (
                dg.DagsterRunStatus.SUCCESS,
                dg.DagsterRunStatus.FAILURE,
                dg.DagsterRunStatus.CANCELED,
            ):
                scheduled = runs[-1]
                break
            time.sleep(3)
    finally:
        _stop(daemon)
        log.close()
    schedule_seconds = time.monotonic() - daemon_started
    assert scheduled is not None, (
        "the schedule's run did not finish in 240 s:\n"
        + (tmp_path / "daemon.log").read_text()[-3000:]
    )
    assert scheduled.status == dg.DagsterRunStatus.SUCCESS, (tmp_path / "daemon.log").read_text()[
        -3000:
    ]
    # once a day: the run key is the scheduled moment's date
    assert date.fromisoformat(scheduled.tags["dagster/run_key"])

    # 3. both runs are in PostgreSQL: the one database the UI reads (besides them, at most
    #    runs of later ticks of the every-minute schedule)
    with psycopg.connect(database) as con:
        stored = {r[0] for r in con.execute("select run_id from runs").fetchall()}
    assert {cli_run.run_id, scheduled.run_id} <= stored
    others = [r for r in _runs(home) if r.run_id not in (cli_run.run_id, scheduled.run_id)]
    assert all(r.tags.get("dagster/schedule_name") == SCHEDULE for r in others), others

    # 4. and `scorecard status` from yet another folder reads the same scorecard
    status = run_cli("status", "--config", str(config), cwd=elsewhere, env=secrets)
    assert status.returncode == 0, status.stderr[-3000:]
    assert "Published" in status.stdout
    print(f"cli run {cli_seconds:.0f} s; daemon to finished scheduled run {schedule_seconds:.0f} s")
