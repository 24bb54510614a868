"""`scorecard run` with a `rest_api` source: five endpoints of one local JSON API, one per
pagination style, configured in scorecard.yml only. Their metrics are published in
`scorecard.metric_values`, KPIs are computed from them, and records the API restates replace
their earlier values on the next run. Orders are also broken down by a record field declared as
a dimension (`channel`), and a restated order moves to its new member."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from tests.conftest import run_local
from tests.fakes.rest_api import FakeApi

pytestmark = pytest.mark.slow
KEY = "canary-shop-key-1f2e3d4c5b"
DAYS = [date(2026, 10, 1) + timedelta(days=i) for i in range(33)]  # 1 Oct .. 2 Nov
OCTOBER = [d for d in DAYS if d.month == 10]

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - name: shop
    type: rest_api
    base_url: {url}
    auth: {{type: header, name: X-Shop-Key, value: env:SHOP_E2E_KEY}}
    start_date: 2026-10-01
    endpoints:
      - name: orders
        path: v1/orders
        records_path: data
        primary_key: [id]
        date_field: created_at
        incremental: {{start_param: updated_since, lookback_days: 3}}
        pagination: {{style: cursor, cursor_path: meta.next_cursor, cursor_param: starting_after}}
        metrics:
          - {{metric: shop.orders}}
          - {{metric: shop.revenue, field: total.amount, unit: currency}}
        dimensions: {{channel: source.channel}}
      - name: visits
        path: v1/visits
        records_path: results
        primary_key: [date]
        date_field: date
        pagination: {{style: offset, limit: 10}}
        metrics: [{{metric: shop.visits, field: visits}}]
      - name: signups
        path: v1/signups
        records_path: items
        primary_key: [id]
        date_field: signed_up
        pagination: {{style: page, size_param: per_page, size: 7}}
        metrics: [{{metric: shop.signups}}]
      - name: tickets
        path: v1/tickets
        primary_key: [number]
        date_field: opened
        date_format: "%d.%m.%Y"
        pagination: {{style: link_header}}
        metrics: [{{metric: support.tickets}}]
      - name: subscribers
        path: v1/subscribers
        records_path: records
        primary_key: [list, day]
        date_field: day
        pagination: {{style: next_url, next_url_path: links.next}}
        metrics: [{{metric: shop.subscribers, field: count, additivity: last}}]
objectives:
  - {{id: sales, perspective: financial, name: Online sales}}
  - {{id: audience, perspective: customer, name: A growing audience, drives: [sales]}}
  - {{id: service, perspective: internal_process, name: Calm support, drives: [audience]}}
kpis:
  - {{id: order_value, name: Average order value, objective: sales, type: ratio,
     numerator: shop.revenue, denominator: shop.orders, unit: currency, target: 80}}
  - {{id: conversion, name: Conversion rate, objective: sales, type: ratio, numerator: shop.orders,
     denominator: shop.visits, scale: 100, unit: percent, target: 2}}
  - {{id: signups, name: Sign-ups, objective: audience, type: metric, metric: shop.signups, target: 30}}
  - {{id: subscribers, name: Subscribers, objective: audience, type: metric, metric: shop.subscribers,
     target: 1000}}
  - {{id: tickets, name: Support tickets, objective: service, type: metric, metric: support.tickets,
     direction: lower_is_better, target: 20}}
"""


def orders() -> list[dict]:
    """Two orders a day (10·day DKK from the newsletter, channel email; 5 DKK without a
    channel), created 10:00 UTC."""
    out = []
    for d in DAYS:
        for suffix, amount in (("a", 10 * d.day), ("b", 5)):
            stamp = f"{d}T10:00:00Z"
            out.append(
                {
                    "id": f"{d}-{suffix}",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "total": {"amount": amount, "currency": "DKK"},
                    **({"source": {"channel": "email"}} if suffix == "a" else {}),
                }
            )
    return out


def epoch_ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, 9, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def shop(tmp_path, httpserver):
    api = FakeApi(auth=("header", "X-Shop-Key", KEY))
    url = api.install(httpserver)
    api.add("v1/orders", "cursor", orders())
    api.add("v1/visits", "offset", [{"date": str(d), "visits": 100} for d in DAYS])
    api.add("v1/signups", "page", [{"id": i, "signed_up": epoch_ms(d)} for i, d in enumerate(DAYS)])
    api.add(
        "v1/tickets",
        "link_header",
        [
            {"number": 100 + i, "opened": d.strftime("%d.%m.%Y")}
            for i, d in enumerate(DAYS)
            if d.day % 2
        ],
    )
    api.add(
        "v1/subscribers",
        "next_url",
        [{"list": "news", "day": str(d), "count": 1000 + d.day} for d in DAYS],
    )
    (tmp_path / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=url)), encoding="utf-8"
    )
    return tmp_path, api


def october(serving, kind: str, key: str) -> float:
    table, column = ("kpi_values", "kpi_id") if kind == "kpi" else ("metric_values", "metric_id")
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            f"select value from scorecard.{table}"
            f" where {column} = ? and grain = 'month' and period_start = '2026-10-01'",
            [key],
        ).fetchall()
    assert len(rows) == 1, (key, rows)
    return rows[0][0]


def october_members(serving, metric: str) -> dict[str, float]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return dict(
            con.execute(
                "select member, value from scorecard.metric_breakdowns where metric_id = ?"
                " and dimension = 'channel' and grain = 'month' and period_start = '2026-10-01'",
                [metric],
            ).fetchall()
        )


def test_rest_api_metrics_are_published_used_in_kpis_and_restatements_replace(shop):
    root, api = shop
    first = run_local(root, "2026-11-03", {"SHOP_E2E_KEY": KEY})
    assert first.returncode == 0, first.stderr + first.stdout
    serving = root / "data/serving.duckdb"
    revenue = sum(10 * d.day + 5 for d in OCTOBER)  # 5115
    assert october(serving, "metric", "shop.orders") == 62
    assert october(serving, "metric", "shop.revenue") == revenue
    assert october(serving, "metric", "shop.visits") == 3100
    assert october(serving, "metric", "shop.signups") == 31
    assert october(serving, "metric", "support.tickets") == 16  # odd days
    assert october(serving, "metric", "shop.subscribers") == 1031  # a stock: the last day
    # ratios of totals
    assert october(serving, "kpi", "order_value") == pytest.approx(revenue / 62)
    assert october(serving, "kpi", "conversion") == pytest.approx(100 * 62 / 3100)
    assert october(serving, "kpi", "subscribers") == 1031
    # by the declared field: orders without it are (not set), so the members add up
    email = sum(10 * d.day for d in OCTOBER)  # 4960
    assert october_members(serving, "shop.revenue") == {"email": email, "(not set)": 155}
    assert october_members(serving, "shop.orders") == {"email": 31, "(not set)": 31}
    # every style paged: 66 orders at 3 a page, 33 visits at 10, 33 sign-ups at 7
    calls = [r["path"] for r in api.requests]
    assert calls.count("v1/orders") == 22 and calls.count("v1/visits") == 4
    assert calls.count("v1/signups") == 5 and calls.count("v1/tickets") == 6
    assert calls.count("v1/subscribers") == 11
    assert all(
        r["args"].get("updated_since") == "2026-10-01"
        for r in api.requests
        if r["path"] == "v1/orders"
    )

    # the API restates: an order refunded from 50 to 20, an order moved from 31 Oct to 1 Nov,
    # a subscriber count corrected; the orders endpoint only returns what changed lately
    records = {o["id"]: o for o in api.collections["v1/orders"]}
    records["2026-10-05-a"]["total"]["amount"] = 20
    records["2026-10-05-a"]["source"] = {"channel": "paid_social"}  # re-attributed
    records["2026-10-31-b"]["created_at"] = "2026-11-01T10:00:00Z"
    for o in (records["2026-10-05-a"], records["2026-10-31-b"]):
        o["updated_at"] = "2026-11-03T12:00:00Z"
    api.collections["v1/subscribers"][30]["count"] = 2000
    api.requests.clear()
    second = run_local(root, "2026-11-04", {"SHOP_E2E_KEY": KEY})
    assert second.returncode == 0, second.stderr + second.stdout
    orders_calls = [r for r in api.requests if r["path"] == "v1/orders"]
    # the first night's window ended on 2 November, the last day over at its start: - 3 days
    assert orders_calls[0]["args"]["updated_since"] == "2026-10-30"
    assert october(serving, "metric", "shop.revenue") == revenue - 30 - 5
    assert october(serving, "metric", "shop.orders") == 61
    assert october(serving, "kpi", "order_value") == pytest.approx((revenue - 35) / 61)
    assert october(serving, "metric", "shop.subscribers") == 2000
    # the restated order moved to its new member with its new amount; the moved one left
    assert october_members(serving, "shop.revenue") == {
        "email": email - 50,
        "paid_social": 20,
        "(not set)": 150,
    }
    with duckdb.connect(str(serving), read_only=True) as con:
        november_first = con.execute(
            "select value from scorecard.metric_values where metric_id = 'shop.orders'"
            " and grain = 'day' and period_start = '2026-11-01'"
        ).fetchone()[0]
        published = con.execute("select * from scorecard.metric_values").fetchall()
    assert november_first == 3
    assert KEY not in repr(published)
    assert KEY not in (second.stdout + second.stderr)
