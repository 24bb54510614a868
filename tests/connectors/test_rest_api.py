"""The declarative `rest_api` source against a local JSON API, for each pagination style and
auth kind, with incremental windows, record errors and config errors."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from connectors.base import ExtractContext, LandedState, Window
from connectors.http import AuthError, RetryPolicy, SourceError
from connectors.rest_api import RestApi
from connectors.rest_api.config import RestApiConfig
from orchestration.config import load_config
from orchestration.config.loader import ConfigFileError
from tests.fakes.rest_api import FakeApi

KEY = "canary-rest-key-7a6b5c4d3e"
RUN = date(2026, 11, 10)
# how each style's endpoint is configured: where the records are, and how it pages
STYLES = {
    "none": ("data", {"style": "none"}),
    "cursor": (
        "data",
        {"style": "cursor", "cursor_path": "meta.next_cursor", "cursor_param": "starting_after"},
    ),
    "offset": ("results", {"style": "offset", "limit": 3}),
    "page": ("items", {"style": "page", "size_param": "per_page", "size": 3}),
    "link_header": (None, {"style": "link_header"}),
    "next_url": ("records", {"style": "next_url", "next_url_path": "links.next"}),
}


def orders(n: int, day: date = date(2026, 11, 1)) -> list[dict]:
    return [
        {
            "id": i,
            "created_at": f"{day + timedelta(days=i % 4)}T23:30:00Z",
            "updated_at": f"{day + timedelta(days=i % 4)}T23:30:00Z",
            "total": {"amount": f"{10 * i}.50"},
        }
        for i in range(1, n + 1)
    ]


def endpoint(style: str, **extra) -> dict:
    records_path, pagination = STYLES[style]
    return {
        "name": "orders",
        "path": f"v1/{style}/orders",
        "records_path": records_path,
        "primary_key": ["id"],
        "date_field": "created_at",
        "pagination": pagination,
        "metrics": [
            {"metric": "shop.orders"},
            {"metric": "shop.revenue", "field": "total.amount", "unit": "currency"},
        ],
        **extra,
    }


def connector(url: str, endpoints: list[dict], auth=None, **keys) -> RestApi:
    config = RestApiConfig.model_validate(
        {
            "name": "shop",
            "type": "rest_api",
            "base_url": url,
            "auth": auth or {"type": "query", "name": "api_key", "value": "env:SHOP_KEY"},
            "endpoints": endpoints,
            "start_date": "2026-10-01",
            **keys,
        },
        context={"timezone": "Europe/Copenhagen"},
    )
    c = RestApi(config)
    c.policy = RetryPolicy(attempts=1, backoff=0.01, jitter=0)
    return c


def extract(c: RestApi, state: LandedState | None = None) -> list:
    ctx = ExtractContext(run_date=RUN, state=state or LandedState(), log=logging.getLogger("t"))
    return list(c.extract(c.streams[0], ctx))


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("SHOP_KEY", KEY)
    fake = FakeApi(auth=("query", "api_key", KEY))
    fake.url = fake.install(httpserver)
    return fake


@pytest.mark.parametrize("style", list(STYLES))
def test_every_pagination_style_reads_every_record_once(api, style):
    api.add(f"v1/{style}/orders", style, orders(8))
    [batch] = extract(connector(api.url, [endpoint(style)]))
    rows = batch.records.to_pylist()
    revenue = {r["record_key"]: r["value"] for r in rows if r["metric"] == "shop.revenue"}
    assert revenue == {str(i): 10 * i + 0.5 for i in range(1, 9)}
    assert sum(r["value"] for r in rows if r["metric"] == "shop.orders") == 8
    # 23:30 UTC is the next day in Copenhagen: timestamps become business days
    assert {r["date"] for r in rows if r["record_key"] == "1"} == {date(2026, 11, 3)}
    assert batch.window == Window(date(2026, 10, 1), RUN - timedelta(days=1))  # run date runs
    pages = [r for r in api.requests if r["path"] == f"v1/{style}/orders"]
    assert len(pages) == (1 if style == "none" else 3)  # 8 records, 3 a page
    assert all(r["args"]["api_key"] == KEY for r in pages)


@pytest.mark.parametrize(
    "auth, wire",
    [
        ({"type": "bearer", "token": "env:SHOP_KEY"}, ("bearer", KEY)),
        (
            {"type": "header", "name": "X-Api-Key", "value": "env:SHOP_KEY"},
            ("header", "X-Api-Key", KEY),
        ),
        ({"type": "query", "name": "key", "value": "env:SHOP_KEY"}, ("query", "key", KEY)),
    ],
)
def test_each_auth_kind_sends_the_key_where_the_api_expects_it(httpserver, monkeypatch, auth, wire):
    monkeypatch.setenv("SHOP_KEY", KEY)
    fake = FakeApi(auth=wire)
    url = fake.install(httpserver)
    fake.add("v1/cursor/orders", "cursor", orders(4))
    [batch] = extract(connector(url, [endpoint("cursor")], auth=auth))
    assert batch.records.num_rows == 8
    monkeypatch.setenv("SHOP_KEY", "wrong-key-0000")
    with pytest.raises(AuthError) as e:
        extract(connector(url, [endpoint("cursor")], auth=auth))
    assert "wrong-key-0000" not in str(e.value) and "credentials were rejected" in str(e.value)


def test_incremental_endpoint_asks_from_the_last_window_minus_its_lookback(api):
    api.add("v1/cursor/orders", "cursor", orders(8))
    incremental = {"start_param": "updated_since", "lookback_days": 2}
    c = connector(api.url, [endpoint("cursor", incremental=incremental)])
    [first] = extract(c)
    assert api.requests[0]["args"]["updated_since"] == "2026-10-01"  # start_date
    api.requests.clear()
    [second] = extract(c, LandedState(windows=(Window(date(2026, 10, 1), date(2026, 11, 4)),)))
    assert api.requests[0]["args"]["updated_since"] == "2026-11-02"
    assert second.window == Window(date(2026, 11, 2), RUN - timedelta(days=1))
    # the server only returns records updated since then: updated 2 Nov onwards
    assert {r["record_key"] for r in second.records.to_pylist()} == {"1", "2", "3", "5", "6", "7"}
    assert first.records.num_rows == 16


def test_records_outside_start_date_and_the_last_complete_day_are_skipped_and_nulls_kept(api):
    records = orders(4)
    records[0]["created_at"] = "2026-09-30"  # before start_date
    records[1]["created_at"] = "2026-12-01"  # after the run date
    records[3]["created_at"] = RUN.isoformat()  # the run date itself: not over yet
    records[2]["total"] = {"amount": None}  # no value: landed as null, not invented
    api.add("v1/none/orders", "none", records)
    [batch] = extract(connector(api.url, [endpoint("none")]))
    assert batch.records.to_pylist() == [
        {
            "endpoint": "orders",
            "record_key": "3",
            "date": date(2026, 11, 5),
            "metric": m,
            "value": v,
            "dimensions": None,  # the endpoint declares none
        }
        for m, v in (("shop.orders", 1.0), ("shop.revenue", None))
    ]


def test_a_value_that_is_not_a_number_names_endpoint_page_record_and_field(api):
    records = orders(5)
    records[4]["total"]["amount"] = "n/a"
    api.add("v1/cursor/orders", "cursor", records)
    with pytest.raises(SourceError) as e:
        extract(connector(api.url, [endpoint("cursor")]))
    assert str(e.value) == (
        "source shop: endpoint orders, page 2, record 2 '5': total.amount = 'n/a' is not a number"
    )


def test_wrong_records_path_and_a_server_that_does_not_advance_are_errors(api):
    api.add("v1/cursor/orders", "cursor", orders(5))
    with pytest.raises(
        SourceError,
        match=r"records_path 'items' is not in the response \(its "
        r"top-level keys: data, meta\)",
    ):
        extract(connector(api.url, [endpoint("cursor", records_path="items")]))
    # a cursor param the server ignores: page 2 would be page 1 again
    stuck = endpoint("cursor")
    stuck["pagination"] = {**stuck["pagination"], "cursor_param": "ignored"}
    stuck["pagination"]["cursor_path"] = "meta.next_cursor"
    api.collections["v1/cursor/orders"] = orders(9)
    c = connector(api.url, [stuck])
    with pytest.raises(SourceError, match="page 3 would repeat an earlier request"):
        extract(c)


def test_config_errors_name_the_key_path_and_what_is_expected(tmp_path):
    (tmp_path / "scorecard.yml").write_text(
        """
timezone: Europe/Copenhagen
sources:
  - name: shop
    type: rest_api
    base_url: https://api.example.com
    auth: {type: header, name: X-Api-Key, value: plain-secret}
    endpoints:
      - name: orders
        path: v1/orders
        primary_key: [id]
        date_field: created_at
        pagination: {style: cursor, cursor_param: after}
        metrics:
          - {metric: revenue, field: amount}
          - {metric: web.sessions}
      - name: refunds
        path: v1/refunds
        primary_key: [id]
        date_field: day
        pagination: {style: pages}
        metrics:
          - {metric: shop.orders, additivity: last}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as e:
        load_config(tmp_path / "scorecard.yml")
    text = str(e.value)
    for expected in (
        ":7: sources[0] (shop).auth.value: value is a secret and must be written as env:NAME",
        ":13: sources[0] (shop).endpoints[0].pagination.cursor_path: is required but missing",
        ":15: sources[0] (shop).endpoints[0].metrics[0].metric: 'revenue' is not a metric id: "
        "write <namespace>.<metric>",
        ":16: sources[0] (shop).endpoints[0].metrics[1].metric: 'web.sessions': the namespace "
        "'web' belongs to the built-in metrics",
        ":21: sources[0] (shop).endpoints[1].pagination: Input tag 'pages' found using 'style' "
        "does not match any of the expected tags: 'none', 'cursor', 'offset', 'page', "
        "'link_header', 'next_url'",
        ":23: sources[0] (shop).endpoints[1].metrics[0]: a record count (no field) adds up",
    ):
        assert expected in text, text


def test_a_quiet_endpoint_lands_nothing_only_where_it_may_be_empty(api):
    api.add("v1/cursor/orders", "cursor", [])
    api.add("v1/none/orders", "none", orders(2))
    other = {**endpoint("none"), "name": "older"}
    c = connector(api.url, [endpoint("cursor", may_be_empty=True), other])
    batches = extract(c)
    assert [b.records.column("endpoint").unique().to_pylist() for b in batches] == [["older"]]
    assert not c.may_be_empty(c.streams[0])  # "older" may not be quiet
    # by default a window without records is a broken answer: its empty batch lands, for the
    # landing gate to fail on (tests/expectations/test_empty_landings.py)
    c = connector(api.url, [endpoint("cursor"), other])
    assert [b.records.num_rows for b in extract(c)] == [0, 4]
    assert connector(api.url, [endpoint("cursor", may_be_empty=True)]).may_be_empty(c.streams[0])


def test_declared_dimensions_land_each_records_member_with_every_row(api):
    """`dimensions: {channel: source.channel, ...}`: each metric row of a record carries its
    member of every declared dimension; a missing or empty field is no member (null), a number
    is its text."""
    records = orders(4)
    records[0]["source"] = {"channel": "email"}
    records[0]["shipping"] = {"country": "DK"}
    records[1]["source"] = {"channel": " paid_social "}
    records[1]["shipping"] = {"zone": 3.0}
    records[2]["source"] = {"channel": ""}
    api.add("v1/none/orders", "none", records)
    dims = {"channel": "source.channel", "country": "shipping.country", "zone": "shipping.zone"}
    [batch] = extract(connector(api.url, [endpoint("none", dimensions=dims)]))
    members = {
        r["record_key"]: {d["dimension"]: d["member"] for d in r["dimensions"]}
        for r in batch.records.to_pylist()
        if r["metric"] == "shop.revenue"
    }
    assert members == {
        "1": {"channel": "email", "country": "DK", "zone": None},
        "2": {"channel": "paid_social", "country": None, "zone": "3"},
        "3": {"channel": None, "country": None, "zone": None},
        "4": {"channel": None, "country": None, "zone": None},
    }
    records[3]["source"] = {"channel": {"name": "email"}}
    with pytest.raises(
        SourceError, match=r"record 4 '4': source.channel = \{'name': 'email'\} is "
    ):
        extract(connector(api.url, [endpoint("none", dimensions=dims)]))


def test_a_metric_is_broken_down_by_what_every_endpoint_feeding_it_declares(api):
    shop = endpoint("none", dimensions={"channel": "source.channel", "country": "country"})
    refunds = {
        **endpoint("cursor", dimensions={"channel": "source.channel"}),
        "name": "refunds",
        "metrics": [{"metric": "shop.revenue", "field": "total.amount", "unit": "currency"}],
    }
    c = connector(api.url, [shop, refunds])
    assert c.offered_dimensions() == ("channel", "country")
    # orders come from one endpoint (both dimensions); revenue also from refunds (channel only)
    assert c.breakdowns() == {"shop.orders": ("channel", "country"), "shop.revenue": ("channel",)}
    chosen = connector(api.url, [shop, refunds], breakdowns=["country"])
    assert chosen.breakdowns() == {"shop.orders": ("country",)}
    assert connector(api.url, [endpoint("none")]).breakdowns() == {}
