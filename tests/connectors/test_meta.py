"""Facebook Page and Instagram connectors against a local Graph API."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState, Window
from connectors.facebook_page import FacebookPage, FacebookPageConfig
from connectors.http import RetryPolicy
from connectors.instagram import Instagram, InstagramConfig
from connectors.meta import pacific_day
from tests.fakes.meta import FakeGraph

TOKEN = "canary-meta-token-8a7b6c5d"
FAST = RetryPolicy(attempts=3, backoff=0.01, jitter=0.0)


@pytest.mark.parametrize(
    ("end_time", "day"),
    [
        ("2025-03-08T08:00:00+0000", date(2025, 3, 7)),  # PST: midnight Pacific = 08:00 UTC
        ("2025-03-09T08:00:00+0000", date(2025, 3, 8)),  # the last PST day
        ("2025-03-10T07:00:00+0000", date(2025, 3, 9)),  # clocks went forward: 07:00 UTC
        ("2025-11-02T07:00:00+0000", date(2025, 11, 1)),  # the last PDT day
        ("2025-11-03T08:00:00+0000", date(2025, 11, 2)),  # back to PST
    ],
)
def test_end_time_is_the_end_of_a_pacific_day(end_time, day):
    assert pacific_day(end_time) == day
    assert (
        datetime.strptime(end_time, "%Y-%m-%dT%H:%M:%S%z").date() != day
    )  # truncating UTC is wrong


@pytest.fixture
def graph(httpserver, monkeypatch):
    monkeypatch.setenv("META_TEST_TOKEN", TOKEN)
    fake = FakeGraph(token=TOKEN)
    fake.install(httpserver)
    return fake


def series(start: date, days: int, f) -> dict[date, float]:
    return {start + timedelta(days=i): f(i) for i in range(days)}


def facebook(graph, **kw):
    config = FacebookPageConfig(
        name="facebook",
        type="facebook_page",
        page_id="555",
        access_token="env:META_TEST_TOKEN",
        base_url=graph.base,
        start_date=kw.pop("start_date", date(2025, 3, 5)),
        **kw,
    )
    c = FacebookPage(config)
    c.policy = FAST
    return c


def nightly(run_date: date) -> datetime:
    """The nightly run's moment: 02:00 in Copenhagen, when the Pacific day before is not over."""
    return datetime.combine(run_date, time(2), tzinfo=ZoneInfo("Europe/Copenhagen"))


def run(graph, c, run_date, state=None):
    """Extract as the nightly run of `run_date` does, the platform's clock at the same moment."""
    graph.now = nightly(run_date)
    ctx = ExtractContext(
        run_date=run_date,
        state=state or LandedState(),
        log=logging.getLogger("t"),
        moment=graph.now,
    )
    [batch] = list(c.extract(c.streams[0], ctx))
    return batch.records.to_pylist()


def fb_insights(start, days):
    return {
        "page_media_view": series(start, days, lambda i: 1000 + i),
        "page_post_engagements": series(start, days, lambda i: 50 + i),
        "page_follows": series(start, days, lambda i: 9000 + 3 * i),
        "page_daily_follows_unique": series(start, days, lambda i: 3),
    }


def test_daily_values_land_on_their_pacific_day_across_the_dst_switch(graph):
    graph.insights["555"] = fb_insights(date(2025, 3, 1), 20)
    graph.posts["555"] = [
        datetime(2025, 3, 9, 6, 30, tzinfo=UTC),
        datetime(2025, 3, 9, 18, 0, tzinfo=UTC),
    ]
    rows = run(graph, facebook(graph), date(2025, 3, 12))
    views = {r["date"]: r["value"] for r in rows if r["metric"] == "page_media_view"}
    # at 02:00 on 12 March in Copenhagen it is 18:00 on 11 March in Los Angeles: the last
    # Pacific day that is over is 10 March
    assert views == {date(2025, 3, 5) + timedelta(days=i): 1004.0 + i for i in range(6)}
    posts = {r["date"]: r["value"] for r in rows if r["metric"] == "posts_published"}
    # 06:30 UTC on 9 March is still 8 March in Los Angeles (PST, UTC-8)
    assert (
        posts[date(2025, 3, 8)] == 1
        and posts[date(2025, 3, 9)] == 1
        and posts[date(2025, 3, 10)] == 0
    )


def test_long_windows_are_cut_into_90_day_calls(graph):
    graph.insights["555"] = fb_insights(date(2024, 1, 1), 400)
    rows = run(graph, facebook(graph, start_date=date(2024, 1, 1)), date(2024, 7, 18))
    calls = [r["args"] for r in graph.requests if r["path"].endswith("/insights")]
    spans = [(date.fromisoformat(a["until"]) - date.fromisoformat(a["since"])).days for a in calls]
    assert len(calls) == 3 and max(spans) <= 90
    days = {r["date"] for r in rows if r["metric"] == "page_follows"}
    assert len(days) == (date(2024, 7, 16) - date(2024, 1, 1)).days + 1  # no gap, no overlap


def test_a_retired_metric_is_isolated_and_reported_once(graph, caplog):
    graph.insights["555"] = fb_insights(date(2024, 1, 1), 400)
    graph.retired = {"page_media_view"}
    with caplog.at_level(logging.WARNING):
        rows = run(graph, facebook(graph, start_date=date(2024, 1, 1)), date(2024, 7, 18))
    metrics = {r["metric"] for r in rows}
    assert "page_media_view" not in metrics
    assert {"page_post_engagements", "page_follows", "page_daily_follows_unique"} <= metrics
    assert caplog.text.count("page_media_view was refused") == 1


def test_throttling_codes_and_usage_headers_slow_down_instead_of_failing(graph, caplog):
    graph.insights["555"] = fb_insights(date(2025, 3, 1), 20)
    graph.throttle_next = [17, 613]
    graph.usage = {"call_count": 95, "total_cputime": 10, "total_time": 12}
    with caplog.at_level(logging.WARNING):
        rows = run(graph, facebook(graph), date(2025, 3, 12))
    assert rows
    assert "throttled by the platform" in caplog.text and "usage at 95 %" in caplog.text


def test_published_posts_are_paged(graph):
    graph.insights["555"] = fb_insights(date(2025, 3, 1), 20)
    start = datetime(2025, 3, 5, 12, tzinfo=UTC)
    graph.posts["555"] = [start + timedelta(hours=2 * i) for i in range(60)]  # 12 per day, 5 days
    rows = run(graph, facebook(graph), date(2025, 3, 12))
    posts = [r for r in rows if r["metric"] == "posts_published"]
    assert sum(r["value"] for r in posts) == 60
    assert (
        len([r for r in graph.requests if r["path"].endswith("/published_posts")]) == 1
    )  # limit 100
    graph.requests.clear()
    graph.posts["555"] = [start + timedelta(minutes=30 * i) for i in range(250)]
    rows = run(graph, facebook(graph), date(2025, 3, 12))
    assert sum(r["value"] for r in rows if r["metric"] == "posts_published") == 250
    assert len([r for r in graph.requests if r["path"].endswith("/published_posts")]) == 3


def test_lookback_window(graph):
    graph.insights["555"] = fb_insights(date(2025, 3, 1), 20)
    state = LandedState(windows=(Window(date(2025, 3, 5), date(2025, 3, 10)),))
    run(graph, facebook(graph), date(2025, 3, 12), state)
    [call] = [r["args"] for r in graph.requests if r["path"].endswith("/insights")]
    # from the last landed day minus the lookback to the last Pacific day that is over
    assert call["since"] == "2025-03-07" and call["until"] == "2025-03-11"


def test_instagram_totals_series_snapshot_and_media(graph):
    account = "17841400000000001"
    graph.insights[account] = {
        "views": series(date(2025, 1, 1), 120, lambda i: 100 + i),
        "total_interactions": series(date(2025, 1, 1), 120, lambda i: 7),
        "follower_count": series(date(2025, 1, 1), 120, lambda i: 2),
    }
    graph.fields[account] = {"followers_count": 8123, "media_count": 10}
    graph.posts[account] = [
        datetime(2025, 3, 1, 20, tzinfo=UTC),
        datetime(2025, 2, 10, 20, tzinfo=UTC),
    ]
    config = InstagramConfig(
        name="instagram",
        type="instagram",
        account_id=account,
        access_token="env:META_TEST_TOKEN",
        base_url=graph.base,
        start_date=date(2025, 1, 20),
    )
    c = Instagram(config)
    c.policy = FAST
    rows = run(graph, c, date(2025, 3, 6))
    by = {(r["date"], r["metric"]): r["value"] for r in rows}
    assert by[(date(2025, 2, 1), "views")] == 100 + 31
    assert by[(date(2025, 2, 1), "total_interactions")] == 7
    gains = sorted(d for d, m in by if m == "follower_count")
    # follower_count reaches back 30 days before today in Los Angeles (5 March at the run)
    assert gains[0] == date(2025, 2, 3) and gains[-1] == date(2025, 3, 4)
    assert by[(date(2025, 3, 5), "followers_count")] == 8123  # tonight's snapshot, as of yesterday
    assert max(d for d, m in by if m != "followers_count") == date(2025, 3, 4)
    assert by[(date(2025, 3, 1), "posts_published")] == 1
    assert by[(date(2025, 2, 10), "posts_published")] == 1
