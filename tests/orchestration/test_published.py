"""The published tables are declared once, by the marts in dbt (`meta.published_as`)."""

from __future__ import annotations

from orchestration.publish import published_tables
from tests.conftest import STAR_TABLES


def test_the_marts_declare_every_star_table_once_with_a_row_order():
    tables = published_tables()
    assert [t.name for t in tables] == [
        "kpis",
        "objectives",
        "perspectives",
        "kpi_values",
        "perspective_scores",
        "objective_scores",
        "overall_scores",
        "metric_values",
        "latest",
        "metric_breakdowns",
        "kpi_breakdowns",
        "metric_sources",
        "landing_batches",
        "social_posts",
        "kpi_comments",
        "kpi_actions",
        "status_changes",
    ]
    assert {t.name for t in tables} | {"publish_log"} >= STAR_TABLES  # the ★ contract
    by_name = {t.name: t for t in tables}
    assert by_name["kpi_values"].relation == "marts.fct_kpi_values"
    assert by_name["kpis"].model == "dim_kpis" and by_name["kpis"].order_by == "position"
    assert by_name["latest"].order_by == "kpi_id, grain"
    # the lineage `scorecard explain` reads sits beside the ★ tables, not among them
    assert {t.name for t in tables if t.schema != "scorecard"} == {
        "metric_sources",
        "landing_batches",
    }
    assert by_name["landing_batches"].qualified == "provenance.landing_batches"
    assert not {t.name for t in tables if t.schema == "provenance"} & STAR_TABLES
