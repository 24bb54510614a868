"""`scorecard explain`'s own rules, without a pipeline run (the demo tests: tests/e2e)."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.explain.collect import _previous, formula


@pytest.mark.parametrize(
    ("grain", "start", "previous"),
    [
        ("day", date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
        ("week", date(2026, 1, 5), (date(2025, 12, 29), date(2026, 1, 4))),
        ("month", date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
        ("month", date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
        ("quarter", date(2026, 1, 1), (date(2025, 10, 1), date(2025, 12, 31))),
        ("year", date(2024, 1, 1), (date(2023, 1, 1), date(2023, 12, 31))),
    ],
)
def test_the_previous_period_is_the_one_before_of_the_same_grain(grain, start, previous):
    assert _previous(grain, start) == previous


def kpi(kind, scale=1.0, offset=0.0, **metrics):
    return {
        "type": kind,
        "metric_id": metrics.get("metric"),
        "numerator_metric_id": metrics.get("numerator"),
        "denominator_metric_id": metrics.get("denominator"),
        "scale": scale,
        "value_offset": offset,
    }


def test_the_formula_names_the_metrics_scale_and_offset():
    assert formula(kpi("metric", metric="crm.leads_created")) == "crm.leads_created"
    romi = kpi("ratio", 100, -100, numerator="finance.revenue", denominator="finance.spend")
    assert formula(romi) == "100 × finance.revenue / finance.spend − 100"
    growth = kpi("growth", 100, metric="social.followers")
    assert formula(growth) == "100 × (social.followers / previous social.followers − 1)"
    assert formula(kpi("change", 1, 2.5, metric="crm.deals_won")) == (
        "(crm.deals_won − previous crm.deals_won) + 2.5"
    )
