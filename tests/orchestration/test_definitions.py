"""The Dagster code location: one lineage graph from landing to the published scorecard."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.config import load_config
from orchestration.defs import JOB_NAME, build_definitions
from orchestration.run_context import WAREHOUSE_POOL
from tests.conftest import DEMO_DIR


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=tmp_path_factory.mktemp("d"))
    return build_definitions(config, demo=True)


def key(*path):
    return dg.AssetKey(list(path))


def test_asset_graph_keys_and_dependencies(defs):
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    landing = {k for k in keys if k.path[0] == "landing"}
    assert landing == {
        key("landing", "website", "daily_metrics"),
        key("landing", "website", "period_totals"),
        key("landing", "website", "property_quota"),
        key("landing", "website", "daily_breakdowns"),
        key("landing", "website", "period_breakdowns"),
        key("landing", "facebook", "page_insights"),
        key("landing", "facebook", "page_posts"),
        key("landing", "instagram", "account_insights"),
        key("landing", "instagram", "account_media"),
        key("landing", "linkedin", "organization_statistics"),
        key("landing", "linkedin", "organization_posts"),
        key("landing", "crm", "deals"),
        key("landing", "crm", "contacts"),
        key("landing", "crm", "deal_pipelines"),
        key("landing", "crm", "open_deal_snapshots"),
        key("landing", "ledger", "ledger_lines"),
        key("landing", "team", "manual_rows"),
        key("landing", "google_ads", "campaign_metrics"),
        key("landing", "meta_ads", "campaign_insights"),
        key("landing", "linkedin_ads", "campaign_analytics"),
        key("landing", "rates", "reference_rates"),
        key("landing", "kpi_notes", "comments"),
        key("landing", "kpi_plans", "actions"),
    }
    assert not {k for k in keys if k.path[0] == "dbt_source"}  # sources map to landing assets

    def parents(*path):
        return graph.get(key(*path)).parent_keys

    assert parents("warehouse", "stg_ga4__daily_metrics") == {
        key("landing", "website", "daily_metrics")
    }
    assert key("config", "catalog") in parents("warehouse", "stg_scorecard_config__kpis")
    assert key("warehouse", "int_metrics__web") in parents("warehouse", "int_metrics__daily")
    assert key("warehouse", "int_metrics__ads") in parents("warehouse", "int_metrics__daily")
    # money converts with the rates source's landing
    assert parents("warehouse", "stg_fx_rates__reference_rates") == {
        key("landing", "rates", "reference_rates")
    }
    assert key("warehouse", "int_metric_values") in parents("warehouse", "int_kpi_values")
    # the comment and action sheets feed their staging models, and those the published marts
    assert parents("warehouse", "stg_kpi_comments__comments") == {
        key("landing", "kpi_notes", "comments")
    }
    assert parents("warehouse", "stg_kpi_actions__actions") == {
        key("landing", "kpi_plans", "actions")
    }
    assert parents("serving", "scorecard") >= {
        key("warehouse", m)
        for m in (
            "fct_kpi_values",
            "fct_perspective_scores",
            "fct_overall_scores",
            "fct_metric_values",
            "fct_kpi_latest",
            "dim_kpis",
            "dim_objectives",
        )
    }
    # the HTML page is rendered from what was just published
    assert parents("serving", "scorecard_report") == {key("serving", "scorecard")}
    # every landing asset reaches the published scorecard
    upstream = graph.upstream_key_closure if hasattr(graph, "upstream_key_closure") else None
    serving_ancestors = set()
    frontier = {key("serving", "scorecard")}
    while frontier:
        k = frontier.pop()
        for p in graph.get(k).parent_keys:
            if p not in serving_ancestors:
                serving_ancestors.add(p)
                frontier.add(p)
    # every metric-bearing landing asset reaches the published scorecard (quota is operational)
    assert landing - {key("landing", "website", "property_quota")} <= serving_ancestors, upstream


def test_checks_guard_landing_and_marts(defs):
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    assert (key("landing", "website", "daily_metrics"), "raw_expectations") in checks
    assert (key("warehouse", "fct_kpi_values"), "gx_marts_kpi_values") in checks
    assert (key("warehouse", "fct_kpi_latest"), "gx_marts_latest_month_coverage") in checks
    assert any(name.startswith("primary_key_fct_kpi_values") for _, name in checks)  # dbt tests


def test_job_schedule_and_one_writer_pool(defs):
    job = defs.resolve_job_def(JOB_NAME)
    assert job.executor_def.name == "in_process"
    schedule = defs.resolve_schedule_def(f"{JOB_NAME}_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Copenhagen"
    graph = defs.resolve_asset_graph()
    pools = {
        k: graph.assets_def_for_key(k).node_def.pool
        for k in (key("warehouse", "fct_kpi_values"), key("serving", "scorecard"))
    }
    assert set(pools.values()) == {WAREHOUSE_POOL}


def test_schedule_runs_as_of_the_scheduled_moment(defs):
    schedule = defs.resolve_schedule_def(f"{JOB_NAME}_schedule")
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from orchestration.run_context import RunOptions

    scheduled = datetime(2026, 11, 3, 2, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    context = dg.build_schedule_context(scheduled_execution_time=scheduled)
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.run_key == "2026-11-03"  # one run per day, however late the tick
    # the run extracts as of the scheduled moment (which days are over then), not "now"
    options = RunOptions(**request.run_config["resources"]["run_options"]["config"])
    config = SimpleNamespace(timezone="Europe/Copenhagen")
    assert options.moment(config) == scheduled
    assert options.run_date(config).isoformat() == "2026-11-03"


def test_a_rest_api_source_joins_the_graph_from_config_alone(tmp_path):
    (tmp_path / "scorecard.yml").write_text(
        """
sources:
  - name: shop
    type: rest_api
    base_url: https://api.shop.example.com
    endpoints:
      - {name: orders, path: v1/orders, primary_key: [id], date_field: day,
         metrics: [{metric: shop.orders}]}
objectives: [{id: sales, perspective: financial, name: Sales}]
kpis: [{id: orders, name: Orders, objective: sales, type: metric, metric: shop.orders, target: 9}]
""",
        encoding="utf-8",
    )
    graph = build_definitions(load_config(tmp_path / "scorecard.yml")).resolve_asset_graph()
    landing = key("landing", "shop", "api_metric_records")
    assert {k for k in graph.get_all_asset_keys() if k.path[0] == "landing"} == {landing}
    assert graph.get(key("warehouse", "stg_rest_api__metric_records")).parent_keys == {landing}
    assert (
        key("warehouse", "stg_rest_api__metric_records")
        in graph.get(key("warehouse", "int_metrics__rest_api")).parent_keys
    )


def test_a_backfill_can_be_launched_from_the_ui_with_the_last_two_weeks_prefilled(defs):
    from datetime import timedelta

    from orchestration.defs import BACKFILL_JOB
    from orchestration.run_context import RunOptions, business_today

    job = defs.resolve_job_def(BACKFILL_JOB)
    assert job.executor_def.name == "in_process"
    assert job.asset_layer.executable_asset_keys == (
        defs.resolve_job_def(JOB_NAME).asset_layer.executable_asset_keys
    )
    # the launchpad starts from the job's run config: a backfill of the last two weeks
    options = RunOptions(**job.run_config["resources"]["run_options"]["config"])
    config = load_config(DEMO_DIR / "balanced_scorecard.yml")
    today = business_today(config)
    assert options.full_refresh
    assert options.backfill_window().start == today - timedelta(days=14)
    assert options.backfill_window().end == today - timedelta(days=1)
