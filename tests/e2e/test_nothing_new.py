"""A nightly run with nothing new skips dbt, the gates and the publish (decision 29), and
anything new — data, config, run date, a failed run before it, --full-refresh — rebuilds.

Real runs of the command line on the demo workspace: the demo connectors re-extract their
lookback windows every run, so "nothing new" here is the real case of batches that repeat
what landing already holds."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import duckdb
import pytest

from tests.conftest import AS_OF, newest_run, run_cli
from tests.e2e.test_operations import SERVING, demo_config, run

pytestmark = pytest.mark.slow
PAGE = "data/demo/scorecard.html"
UP_TO_DATE = "Up to date: nothing new since run"


def publishes(root) -> int:
    with duckdb.connect(str(root / SERVING), read_only=True) as con:
        return con.execute("select count(*) from scorecard.publish_log").fetchall()[0][0]


def snapshot(root) -> tuple:
    """The serving file and the page, byte for byte and with their modification times."""
    return tuple((p.read_bytes(), p.stat().st_mtime_ns) for p in (root / SERVING, root / PAGE))


def rebuilt(result, root, before: int) -> bool:
    assert result.returncode == 0, result.stderr[-3000:]
    if UP_TO_DATE in result.stderr:
        return False
    assert "✓ dbt_build" in result.stderr and "✓ serving__scorecard " in result.stderr
    assert publishes(root) == before + 1
    return True


BI_SERVER = """
import json, sys
import duckdb
held = duckdb.connect(sys.argv[1], read_only=True)
live = duckdb.connect(sys.argv[2], read_only=True)
for _ in range(2):
    print(json.dumps([held.execute(sys.argv[3]).fetchall(), live.execute(sys.argv[3]).fetchall()]))
    sys.stdout.flush()
    sys.stdin.readline()
"""
TRAINING = (
    "select value from scorecard.metric_values where metric_id = 'manual.training_hours'"
    " and grain = 'month' and period_start = '2026-11-01'"
)


def test_nothing_new_skips_the_rebuild_and_new_data_or_a_new_day_rebuilds(demo_copy):
    demo_config(demo_copy, extra="  live: data/demo/live.duckdb\n")
    day, count = AS_OF.isoformat(), publishes(demo_copy)
    assert rebuilt(run(demo_copy, "--as-of", day), demo_copy, count)
    count, files = count + 1, snapshot(demo_copy)

    again = run(demo_copy, "--as-of", day)
    assert again.returncode == 0, again.stderr[-3000:]
    # landing ran (the API sources re-extracted their lookback windows) ...
    assert "✓ land_website" in again.stderr and "✓ land_crm" in again.stderr
    # ... but nothing after it: no dbt build, no gate, no publish, no page
    assert UP_TO_DATE in again.stderr
    for step in ("warehouse_expectations", "serving__scorecard", "serving__scorecard_report"):
        assert f"- {step} skipped" in again.stderr
    assert "emitted no result" not in again.stderr
    folder = newest_run(demo_copy)
    assert (folder / "up_to_date.json").exists()
    assert not (folder / "dbt_results.json").exists() and not (folder / "published.json").exists()
    assert publishes(demo_copy) == count and snapshot(demo_copy) == files
    # it says where the scorecard is, and exits 0 like a publish
    serving = (demo_copy / SERVING).resolve()
    assert str(serving) in again.stderr.replace("\n", "")
    assert "Up to date: nothing new since the last publish" in again.stdout
    assert f"Scorecard (unchanged): {serving}" in again.stdout
    assert "Scorecard published" not in again.stdout
    assert f"Scorecard report: {(demo_copy / PAGE).resolve()}" in again.stdout
    # (the same up-to-date outcome in JSON, --quiet and --verbose: on later runs of this test
    # and the next, not on runs of their own)

    # a BI server (another process) keeps its connections open across the next publish
    bi = subprocess.Popen(
        [sys.executable, "-c", BI_SERVER, str(demo_copy / SERVING),
         str(demo_copy / "data/demo/live.duckdb"), TRAINING],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    [[(hours,)], live_before] = json.loads(bi.stdout.readline())
    assert live_before == [[hours]]

    # a new manual sheet lands new data: rebuilt and published
    (demo_copy / "data/demo/inbox/manual/extra.csv").write_text(
        "date,metric,value\n2026-11-02,training_hours,3\n", encoding="utf-8"
    )
    sheet = run(demo_copy, "--as-of", day)
    assert rebuilt(sheet, demo_copy, count)
    assert snapshot(demo_copy) != files
    # the connection to the serving file still reads the file it opened (the old scorecard);
    # the one to the live views file reads the new scorecard with its next query
    bi.stdin.write("again\n")
    bi.stdin.flush()
    held_after, live_after = json.loads(bi.stdout.readline())
    bi.stdin.close()
    bi.wait(timeout=60)
    with duckdb.connect(str(demo_copy / SERVING), read_only=True) as fresh:
        [(now,)] = fresh.execute(TRAINING).fetchall()
    assert now != hours  # the sheet's 2 November row speaks for that day now
    assert held_after == [[hours]] and live_after == [[now]]

    # the next day (provisional and complete periods move): rebuilt, then up to date again.
    # --verbose: what the steps say, under their progress lines (more than the run before
    # it printed, though that one rebuilt too)
    next_day = (AS_OF + timedelta(days=1)).isoformat()
    verbose = run_cli("--verbose", "run", "--demo", "--config", "scorecard.yml",
                      "--as-of", next_day, cwd=demo_copy)  # fmt: skip
    assert rebuilt(verbose, demo_copy, count + 1)
    assert "▶ land_website" in verbose.stderr
    assert "✓ land_website" in sheet.stderr and "    land_website: " not in sheet.stderr
    assert "    land_website: " in verbose.stderr  # a step's own log line
    assert len(verbose.stderr.splitlines()) > len(sheet.stderr.splitlines())
    # --quiet: no progress, only where the scorecard is (unchanged: up to date)
    files = snapshot(demo_copy)
    quiet = run_cli("--quiet", "run", "--demo", "--config", "scorecard.yml",
                    "--as-of", next_day, cwd=demo_copy)  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "▶" not in quiet.stderr and "Marketing Scorecard —" not in quiet.stderr
    assert f"Scorecard (unchanged): {serving}" in quiet.stdout
    assert publishes(demo_copy) == count + 2 and snapshot(demo_copy) == files
    assert (newest_run(demo_copy) / "up_to_date.json").exists()


def test_a_changed_config_a_failed_run_and_full_refresh_rebuild(demo_copy):
    demo_config(demo_copy)
    day, count = AS_OF.isoformat(), publishes(demo_copy)
    assert rebuilt(run(demo_copy, "--as-of", day), demo_copy, count)
    count += 1

    # a changed target: the catalog differs, so the published scores may
    config = demo_copy / "scorecard.yml"
    text = config.read_text(encoding="utf-8")
    changed = text.replace("  - id: revenue\n", "  - id: revenue\n    amber_from: 0.5\n", 1)
    assert changed != text
    config.write_text(changed, encoding="utf-8")
    assert rebuilt(run(demo_copy, "--as-of", day), demo_copy, count)
    assert rebuilt(run(demo_copy, "--full-refresh", "--as-of", day), demo_copy, count + 1)

    # a run that fails (a bad manual sheet is quarantined) publishes nothing; the run after
    # it finds the same landing as the last publish but must not call that "up to date"
    (demo_copy / "data/demo/inbox/manual/extra.csv").write_text(
        "date,metric,value\n2026-11-02,coffee,3\n", encoding="utf-8"
    )
    failed = run(demo_copy, "--as-of", day)
    assert failed.returncode == 1 and publishes(demo_copy) == count + 2
    after = run(demo_copy, "--as-of", day)
    assert rebuilt(after, demo_copy, count + 2)
    reason = json.loads((newest_run(demo_copy) / "inputs.json").read_text())["rebuild_because"]
    assert reason == "the previous run did not finish with a publish"

    # up to date again, the run told to log for a log shipper: every stderr line a JSON
    # object, the outcome on stdout
    files = snapshot(demo_copy)
    shipped = run_cli("--log-format", "json", "run", "--demo", "--config", "scorecard.yml",
                      "--as-of", day, cwd=demo_copy)  # fmt: skip
    assert not rebuilt(shipped, demo_copy, count + 3)
    assert publishes(demo_copy) == count + 3 and snapshot(demo_copy) == files
    lines = [json.loads(line) for line in shipped.stderr.splitlines() if line.strip()]
    events = {(line["event"], line.get("step")) for line in lines}
    assert ("step_success", "land_website") in events
    assert ("step_skipped", "serving__scorecard") in events
    assert any(e == "notice" for e, _ in events)  # the up-to-date notice
    assert all(line["run_id"] == lines[0]["run_id"] for line in lines if "run_id" in line)
    outcome = json.loads(shipped.stdout)
    serving = str((demo_copy / SERVING).resolve())
    assert outcome["published"] and outcome["up_to_date"] and outcome["serving"] == serving
