"""Warehouse suites against a built demo warehouse, then against a tampered one."""

from __future__ import annotations

import duckdb
import pytest

from expectations import run_suites, warehouse_suites
from orchestration.config import load_config
from tests.conftest import AS_OF, DEMO_DIR

pytestmark = pytest.mark.slow


@pytest.fixture
def warehouse(demo_copy):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=demo_copy)
    return config, config.paths.warehouse


def by_name(gate):
    return {r.suite.name: r for r in gate.results}


def test_a_built_warehouse_passes_every_suite(warehouse):
    config, path = warehouse
    gate = run_suites(warehouse_suites(path, config, AS_OF))
    assert gate.success, [r.summary() for r in gate.failures()]
    assert {"metrics.completeness", "metrics.reconciliation", "marts.quality_flags"} <= set(
        by_name(gate)
    )


def test_reconciliation_catches_a_published_sum_that_differs_from_staging(warehouse):
    config, path = warehouse
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.fct_metric_values set value = value + 1"
            " where metric_id = 'finance.revenue' and grain = 'month' and period_start = date '2026-03-01'"
        )
    result = by_name(run_suites(warehouse_suites(path, config, AS_OF)))["metrics.reconciliation"]
    assert not result.success
    [example] = result.failed[0].examples
    assert example["metric_id"] == "finance.revenue" and example["period_start"].startswith(
        "2026-03-01"
    )
    assert example["published"] == pytest.approx(example["staged"] + 1)


def test_completeness_names_the_missing_source_account_and_day(warehouse):
    config, path = warehouse
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update intermediate.int_source_coverage set is_present = false"
            " where source_name = 'linkedin' and day = date '2026-02-02'"
        )
    result = by_name(run_suites(warehouse_suites(path, config, AS_OF)))["metrics.completeness"]
    assert not result.success
    assert result.failed[0].examples == [
        {
            "is_present": False,
            "source_name": "linkedin",
            "account_id": "2414183",
            "day": "2026-02-02T00:00:00",
        }
    ]


def test_latest_month_coverage_excuses_only_growth_kpis_with_no_month_before(warehouse):
    config, path = warehouse
    latest = "date '2026-10-01'"
    with duckdb.connect(str(path)) as con:
        # as in a scorecard's first complete month: no revenue the month before
        con.execute(
            "delete from marts.fct_metric_values where metric_id = 'finance.revenue'"
            " and grain = 'month' and period_start = date '2026-09-01'"
        )
        con.execute(
            "update marts.fct_kpi_values set value = null where kpi_id = 'revenue_growth'"
            f" and grain = 'month' and period_start = {latest}"
        )
    gate = by_name(run_suites(warehouse_suites(path, config, AS_OF)))
    assert gate["marts.latest_month_coverage"].success, gate[
        "marts.latest_month_coverage"
    ].summary()
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.fct_kpi_values set value = null where kpi_id = 'revenue'"
            f" and grain = 'month' and period_start = {latest}"
        )
    result = by_name(run_suites(warehouse_suites(path, config, AS_OF)))[
        "marts.latest_month_coverage"
    ]
    assert not result.success
    assert [e["kpi_id"] for e in result.failed[0].examples] == ["revenue"]
