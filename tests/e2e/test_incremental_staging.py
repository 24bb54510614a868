"""Incremental staging (GA4 daily metrics, HubSpot contacts, deals and open-deal snapshots)
gives exactly what a full rebuild from all of landing gives: the next night's run reads only
its new batches, and a `--full-refresh` of the same night publishes the same scorecard."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest
import yaml

from orchestration.project import DBT_PROJECT_DIR
from tests.conftest import AS_OF, DEMO_DIR, newest_run, published_tables, run_cli
from tests.e2e.test_explain import after_the_next_night_the_lookback_days_come_from_the_new_batch

pytestmark = pytest.mark.slow
WAREHOUSE = "data/demo/warehouse.duckdb"
SERVING = "data/demo/serving.duckdb"
INCREMENTAL = (
    "stg_ga4__daily_metrics",
    "stg_hubspot__contacts",
    "stg_hubspot__deals",
    "stg_hubspot__open_deal_snapshots",
)
LOGS = "data/demo/artifacts/logs"


def staged(root) -> dict[str, list[tuple]]:
    """The staged rows without their load stamps (the rebuild's run lands its own batches)."""
    out = {}
    with duckdb.connect(str(root / WAREHOUSE), read_only=True) as con:
        for model in INCREMENTAL:
            columns = [
                c[0]
                for c in con.execute(f"describe staging.{model}").fetchall()
                if c[0] not in ("extracted_at", "batch_id")
            ]
            out[model] = con.execute(
                f"select {', '.join(columns)} from staging.{model} order by all"
            ).fetchall()
    return out


def newest_stamp(root, model: str):
    with duckdb.connect(str(root / WAREHOUSE), read_only=True) as con:
        return con.execute(f"select max(extracted_at) from staging.{model}").fetchone()[0]


def ghosts(root, action: str) -> int:
    """A staged row no landed batch holds (a metric no map uses): a full rebuild drops it, an
    incremental build that reads only new batches leaves it alone."""
    with duckdb.connect(str(root / WAREHOUSE)) as con:
        if action == "add":
            con.execute(
                "insert into staging.stg_ga4__daily_metrics by name select 'website' as"
                " source_name, 'ghost' as property_id, date '2026-01-01' as metric_date,"
                " 'ghostMetric' as source_metric, 1.0 as value,"
                " timestamptz '2026-01-01 00:00:00+00' as extracted_at, 'ghost' as batch_id"
            )
        elif action == "remove":
            con.execute("delete from staging.stg_ga4__daily_metrics where property_id = 'ghost'")
        return con.execute(
            "select count(*) from staging.stg_ga4__daily_metrics where property_id = 'ghost'"
        ).fetchone()[0]


def newest_log(root) -> str:
    return max((root / LOGS).glob("run-*.log"), key=lambda p: p.stat().st_mtime).read_text()


def test_the_next_night_builds_incrementally_and_matches_a_full_rebuild(demo_copy):
    before = {m: newest_stamp(demo_copy, m) for m in INCREMENTAL}
    assert ghosts(demo_copy, "add") == 1
    night = (AS_OF + timedelta(days=1)).isoformat()
    nightly = run_cli("run", "--demo", "--as-of", night, cwd=demo_copy)
    assert nightly.returncode == 0, nightly.stderr[-3000:]
    # the night's re-extracted lookback and its new day were staged on top of what was there
    for model in INCREMENTAL:
        assert newest_stamp(demo_copy, model) > before[model], model
    assert ghosts(demo_copy, "count") == 1  # not rebuilt from all of landing
    assert ghosts(demo_copy, "remove") == 0
    incremental, published = staged(demo_copy), published_tables(demo_copy / SERVING)
    # `scorecard explain` says which of the night's two GA4 batches each day came from
    after_the_next_night_the_lookback_days_come_from_the_new_batch(demo_copy)

    invocation_folders = set((DBT_PROJECT_DIR / "target").glob("dbt_build-*"))
    rebuilt = run_cli("run", "--demo", "--full-refresh", "--as-of", night, cwd=demo_copy)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    # dbt reused the parse state the night's build left for this warehouse (no full parse),
    # and left no folder of its own behind in the project's target (7 MB a night, never removed)
    dbt_log = newest_log(demo_copy)
    assert "Running with dbt=" in dbt_log
    assert "Unable to do partial parsing" not in dbt_log
    assert set((DBT_PROJECT_DIR / "target").glob("dbt_build-*")) == invocation_folders
    full = staged(demo_copy)
    for model in INCREMENTAL:
        assert len(incremental[model]) == len(full[model]) > 0, model
        assert incremental[model] == full[model], model
    assert published_tables(demo_copy / SERVING) == published


def test_a_new_business_time_zone_restates_every_staged_crm_date(demo_copy):
    # contacts and deals stage incrementally, with dates in the business time zone: a night
    # with another zone must rebuild them from all of landing, not keep yesterday's dates
    config = yaml.safe_load((DEMO_DIR / "balanced_scorecard.yml").read_text())
    config["timezone"] = "Pacific/Auckland"  # 13 hours ahead of UTC in November
    path = demo_copy / "auckland.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    night = (AS_OF + timedelta(days=1)).isoformat()
    result = run_cli("run", "--demo", "--config", str(path), "--as-of", night, cwd=demo_copy)
    assert result.returncode == 0, result.stderr[-3000:]
    built_from = json.loads((newest_run(demo_copy) / "inputs.json").read_text())
    assert built_from["full_because"] == "the business time zone changed"
    with duckdb.connect(str(demo_copy / WAREHOUSE), read_only=True) as con:
        for model in ("stg_hubspot__contacts", "stg_hubspot__deals"):
            rows, wrong = con.execute(
                f"select count(*), count(*) filter (where created_date"
                f" <> cast(timezone('Pacific/Auckland', created_at) as date))"
                f" from staging.{model}"
            ).fetchone()
            assert rows > 0 and wrong == 0, (model, rows, wrong)
