"""A nightly run with nothing new skips dbt, the gates and the publish (decision 29), and
anything new — data, config, run date, a failed run before it, --full-refresh — rebuilds.

Real runs of the command line on the demo workspace: the demo connectors re-extract their
lookback windows every run, so "nothing new" here is the real case of batches that repeat
what landing already holds."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest

from tests.conftest import AS_OF, newest_run
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


def test_nothing_new_skips_the_rebuild_and_new_data_or_a_new_day_rebuilds(demo_copy):
    demo_config(demo_copy)
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

    # a new manual sheet lands new data: rebuilt and published
    (demo_copy / "data/demo/inbox/manual/extra.csv").write_text(
        "date,metric,value\n2026-11-02,training_hours,3\n", encoding="utf-8"
    )
    assert rebuilt(run(demo_copy, "--as-of", day), demo_copy, count)
    assert snapshot(demo_copy) != files

    # the next day (provisional and complete periods move): rebuilt, then up to date again
    next_day = (AS_OF + timedelta(days=1)).isoformat()
    assert rebuilt(run(demo_copy, "--as-of", next_day), demo_copy, count + 1)
    assert not rebuilt(run(demo_copy, "--as-of", next_day), demo_copy, count + 2)


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
    assert not rebuilt(run(demo_copy, "--as-of", day), demo_copy, count + 3)
