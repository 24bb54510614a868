"""BI readers never see half a publish, and a run killed mid-build loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import AS_OF, SCORECARD, published_tables, run_cli

pytestmark = pytest.mark.slow
SERVING = "data/demo/serving.duckdb"

READER = r"""
import json, sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]
reads, errors, states = 0, [], set()
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True) as con:
            log = con.execute(
                "select count(*), arg_max(run_id, published_at), arg_max(rows, published_at)"
                " from scorecard.publish_log").fetchall()[0]
            count, run_id, rows = log
            actual = {t: con.execute(f"select count(*) from scorecard.{t}").fetchall()[0][0]
                      for t in ("kpi_values", "metric_values", "perspective_scores")}
        expected = {t: dict(rows)[t] for t in actual}
        if actual != expected:  # a torn read: tables of one publish, log of another
            errors.append(f"run {run_id}: log says {expected}, tables hold {actual}")
        states.add(count)
        reads += 1
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
    time.sleep(0.02)
print(json.dumps({"reads": reads, "errors": errors[:10], "states": sorted(states)}))
"""


def test_readers_see_one_complete_publish_at_a_time(demo_copy, tmp_path):
    import json

    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(demo_copy / SERVING), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(3):
            # --full-refresh: with nothing new a run would skip its publish (decision 29)
            result = run_cli(
                "run", "--demo", "--full-refresh", "--as-of", AS_OF.isoformat(), cwd=demo_copy
            )
            assert result.returncode == 0, result.stderr[-2000:]
    finally:
        stop.touch()
        output = json.loads(reader.communicate(timeout=60)[0])
    assert output["errors"] == []
    assert output["reads"] > 50
    assert output["states"][0] >= 1 and output["states"][-1] == 4  # saw every publish land whole


def test_a_run_killed_during_dbt_loses_nothing_and_the_next_run_publishes(demo_copy):
    serving = demo_copy / SERVING
    before = serving.read_bytes()
    values = published_tables(serving)
    landed = {p for p in (demo_copy / "data/demo/landing").rglob("*.parquet")}
    process = subprocess.Popen(
        [str(SCORECARD), "run", "--demo", "--as-of", AS_OF.isoformat()],
        cwd=demo_copy,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
    )
    logs = demo_copy / "data/demo/artifacts/logs"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # wait until dbt is building models
        current = sorted(logs.glob("run-*.log"), key=lambda p: p.stat().st_mtime)
        if current and "START sql table model" in current[-1].read_text(errors="ignore"):
            break
        time.sleep(0.2)
    else:
        pytest.fail("dbt never started")
    os.killpg(process.pid, signal.SIGKILL)  # the run and dbt with it, no clean-up
    process.wait(timeout=30)

    assert serving.read_bytes() == before
    assert landed <= {p for p in (demo_copy / "data/demo/landing").rglob("*.parquet")}
    again = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert again.returncode == 0, again.stderr[-3000:]
    assert published_tables(serving) == values
