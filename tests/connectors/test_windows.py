"""Where each source's window ends: the last day that is over in the source's own time zone at
the run's moment (ExtractContext.last_complete_day), pinned around midnight there, through the
real connectors against stand-ins whose clocks read the same moment."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState, NothingToExtract, SourceConfig
from connectors.facebook_page import FacebookPage, FacebookPageConfig
from connectors.ga4 import GA4, GA4Config
from connectors.http import RetryPolicy
from connectors.hubspot import HubSpot, HubSpotConfig
from connectors.instagram import Instagram, InstagramConfig
from connectors.linkedin_page import LinkedInPage, LinkedInPageConfig
from orchestration.run_context import run_moment
from tests.fakes.ga4 import FakeGA4, daily_data
from tests.fakes.hubspot import PIPELINES, FakeHubSpot
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeGraph

TOKEN = "canary-window-token-1a2b3c"
CPH = ZoneInfo("Europe/Copenhagen")
FAST = RetryPolicy(attempts=1, backoff=0.01, jitter=0)
START = date(2026, 10, 20)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def context(moment: datetime) -> ExtractContext:
    """The run as of `moment`; its run date is the moment's date in Copenhagen."""
    return ExtractContext(
        run_date=moment.astimezone(CPH).date(),
        state=LandedState(),
        log=logging.getLogger("t"),
        moment=moment,
    )


def days_back(last: date, n: int = 40) -> list[date]:
    return [last - timedelta(days=i) for i in range(n)]


# ── the rule itself ────────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("zone", "moment", "last"),
    [
        # Meta: Pacific days (PST after 1 November 2026: UTC-8)
        ("America/Los_Angeles", utc(2026, 11, 3, 7, 59, 59), date(2026, 11, 1)),
        ("America/Los_Angeles", utc(2026, 11, 3, 8, 0, 0), date(2026, 11, 2)),
        # in summer (PDT, UTC-7) midnight comes an hour earlier in UTC
        ("America/Los_Angeles", utc(2026, 7, 3, 6, 59, 59), date(2026, 7, 1)),
        ("America/Los_Angeles", utc(2026, 7, 3, 7, 0, 0), date(2026, 7, 2)),
        # LinkedIn: UTC days
        ("UTC", utc(2026, 11, 2, 23, 59, 59), date(2026, 11, 1)),
        ("UTC", utc(2026, 11, 3, 0, 0, 0), date(2026, 11, 2)),
        # a GA4 property in Tokyo: its day ends while Copenhagen's run date is still running,
        # and a window never ends after the run date
        ("Asia/Tokyo", utc(2026, 11, 2, 14, 59, 59), date(2026, 11, 1)),
        ("Asia/Tokyo", utc(2026, 11, 2, 15, 0, 0), date(2026, 11, 2)),
        # a CRM has no settled days: records as they stand, to the run date
        (None, utc(2026, 11, 3, 1, 0, 0), date(2026, 11, 3)),
    ],
)
def test_the_last_complete_day_in_the_sources_zone(zone, moment, last):
    assert context(moment).last_complete_day(zone) == last


def test_a_window_ends_at_the_last_complete_day_and_a_source_starting_today_waits():
    config = SourceConfig(name="s", type="t", start_date=date(2026, 11, 3))
    ctx = context(utc(2026, 11, 3, 1, 0))  # 02:00 in Copenhagen on 3 November
    with pytest.raises(NothingToExtract, match="no day from 2026-11-03 is over yet"):
        ctx.window_for(config, zone="UTC")
    early = SourceConfig(name="s", type="t", start_date=date(2026, 10, 1))
    assert ctx.window_for(early, zone="UTC").end == date(2026, 11, 2)
    assert ctx.window_for(early, zone="America/Los_Angeles").end == date(2026, 11, 1)
    assert ctx.snapshot_day == date(2026, 11, 2)  # snapshots: as the previous day ended


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (None, datetime(2026, 11, 3, 14, 30, tzinfo=CPH)),  # now
        ("2026-11-03", datetime(2026, 11, 3, 14, 30, tzinfo=CPH)),  # today: now
        ("2026-11-01", datetime(2026, 11, 1, 0, 0, tzinfo=CPH)),  # a past day: as it began
        ("2026-11-01T02:00", datetime(2026, 11, 1, 2, 0, tzinfo=CPH)),  # local time
        ("2026-11-01T01:00:00+00:00", utc(2026, 11, 1, 1, 0)),  # an explicit offset
    ],
)
def test_as_of_gives_the_runs_moment(as_of, expected):
    now = datetime(2026, 11, 3, 14, 30, tzinfo=CPH)
    assert run_moment(as_of, "Europe/Copenhagen", now=now) == expected


def test_as_of_that_is_not_a_date_or_a_time_is_refused():
    with pytest.raises(ValueError):
        run_moment("3 Nov", "Europe/Copenhagen")


# ── through the connectors ────────────────────────────────────────────────────
@pytest.fixture
def graph(httpserver, monkeypatch):
    monkeypatch.setenv("WINDOW_TOKEN", TOKEN)
    fake = FakeGraph(token=TOKEN)
    fake.install(httpserver)
    return fake


def meta_connector(kind, graph):
    keys = {"name": kind, "access_token": "env:WINDOW_TOKEN", "base_url": graph.base}
    if kind == "facebook":
        c = FacebookPage(FacebookPageConfig(page_id="555", start_date=START, **keys))
    else:
        c = Instagram(InstagramConfig(account_id="777", start_date=START, **keys))
    c.policy = FAST
    return c


@pytest.mark.parametrize("kind", ["facebook", "instagram"])
@pytest.mark.parametrize(
    ("moment", "last"),
    [
        (utc(2026, 11, 3, 7, 59, 59), date(2026, 11, 1)),  # 23:59:59 on 2 Nov in Los Angeles
        (utc(2026, 11, 3, 8, 0, 0), date(2026, 11, 2)),  # midnight there: 2 Nov is over
    ],
)
def test_meta_sources_extract_pacific_days_that_are_over(graph, kind, moment, last):
    graph.now = moment
    every_day = days_back(date(2026, 11, 3))
    graph.insights["555"] = {
        m: dict.fromkeys(every_day, 10.0)
        for m in ("page_media_view", "page_post_engagements", "page_follows")
    } | {"page_daily_follows_unique": dict.fromkeys(every_day, 1.0)}
    graph.insights["777"] = {
        m: dict.fromkeys(every_day, 10.0) for m in ("views", "total_interactions", "follower_count")
    }
    graph.fields["777"] = {"followers_count": 500}
    # a post at noon of each Pacific day, the running day's included (later ones not yet)
    graph.posts["555"] = graph.posts["777"] = [
        datetime(d.year, d.month, d.day, 12, tzinfo=ZoneInfo("America/Los_Angeles"))
        for d in every_day
    ]
    c = meta_connector(kind, graph)
    [batch] = c.extract(c.streams[0], context(moment))
    assert batch.window.end == last
    rows = batch.records.to_pylist()
    dated = [r for r in rows if r["metric"] != "followers_count"]
    assert max(r["date"] for r in dated) == last
    posts = {r["date"]: r["value"] for r in rows if r["metric"] == "posts_published"}
    assert posts[last] == 1 and last + timedelta(days=1) not in posts
    asked = [r["args"] for r in graph.requests if r["path"].endswith("/insights")]
    assert max(date.fromisoformat(a["until"]) for a in asked) == last + timedelta(days=1)
    if kind == "instagram":  # the snapshot keeps its own day: as yesterday (Copenhagen) ended
        [snapshot] = [r for r in rows if r["metric"] == "followers_count"]
        assert snapshot["date"] == date(2026, 11, 2) and snapshot["value"] == 500


@pytest.mark.parametrize(
    ("moment", "last"),
    [
        (utc(2026, 11, 2, 23, 59, 59), date(2026, 11, 1)),
        (utc(2026, 11, 3, 0, 0, 0), date(2026, 11, 2)),
    ],
)
def test_linkedin_extracts_utc_days_that_are_over(httpserver, monkeypatch, moment, last):
    monkeypatch.setenv("WINDOW_TOKEN", TOKEN)
    fake = FakeLinkedIn(token=TOKEN, organization="42", now=moment)
    url = fake.install(httpserver)
    fake.shares = {d: {"impressionCount": 7} for d in days_back(date(2026, 11, 3))}
    fake.posts = [utc(d.year, d.month, d.day, 9) for d in days_back(date(2026, 11, 2))]
    config = LinkedInPageConfig(
        name="linkedin",
        organization_id="42",
        access_token="env:WINDOW_TOKEN",
        base_url=url,
        start_date=START,
    )
    c = LinkedInPage(config)
    c.policy = FAST
    [batch] = c.extract(c.streams[0], context(moment))
    rows = batch.records.to_pylist()
    assert batch.window.end == last
    assert max(r["date"] for r in rows if r["metric"] == "impressionCount") == last
    posts = {r["date"]: r["value"] for r in rows if r["metric"] == "posts_published"}
    assert max(posts) == last and posts[last] == 1


@pytest.mark.parametrize(
    ("zone", "moment", "last"),
    [
        ("America/New_York", utc(2026, 11, 3, 4, 59, 59), date(2026, 11, 1)),
        ("America/New_York", utc(2026, 11, 3, 5, 0, 0), date(2026, 11, 2)),
        ("Europe/Copenhagen", utc(2026, 11, 2, 22, 59, 59), date(2026, 11, 1)),
        ("Europe/Copenhagen", utc(2026, 11, 2, 23, 0, 0), date(2026, 11, 2)),
    ],
)
def test_ga4_extracts_days_that_are_over_in_the_propertys_zone(
    httpserver, monkeypatch, zone, moment, last
):
    monkeypatch.setenv("WINDOW_TOKEN", TOKEN)
    fake = FakeGA4(token=TOKEN, time_zone=zone, now=moment)
    fake.data = {"111": daily_data(START, date(2026, 11, 5), base=100)}
    url = fake.install(httpserver)
    config = GA4Config(
        name="website",
        property_ids=["111"],
        access_token="env:WINDOW_TOKEN",
        api_endpoint=url,
        start_date=START,
    )
    c = GA4(config)
    c.policy = FAST
    ctx = context(moment)
    [batch] = c.extract(GA4.stream("daily_metrics"), ctx)
    assert batch.window.end == last
    assert max(r["date"] for r in batch.records.to_pylist()) == last
    ends = {
        r["body"]["dateRanges"][0]["endDate"]
        for r in fake.requests
        if r["body"].get("returnPropertyQuota")
    }
    assert ends == {last.isoformat()}  # today's intraday numbers are never asked for


def test_ga4_with_properties_in_two_zones_lands_the_days_over_in_both(httpserver, monkeypatch):
    monkeypatch.setenv("WINDOW_TOKEN", TOKEN)
    fake = FakeGA4(token=TOKEN, time_zone="Europe/Copenhagen", now=utc(2026, 11, 3, 1, 0))
    fake.data = {p: daily_data(START, date(2026, 11, 5), base=100) for p in ("111", "222")}
    url = fake.install(httpserver)
    zones = {"111": "Europe/Copenhagen", "222": "America/Los_Angeles"}
    original = fake.report

    def report(property_id, body):  # each property answers in its own zone
        fake.time_zone = zones[property_id]
        return original(property_id, body)

    fake.report = report
    config = GA4Config(
        name="website",
        property_ids=["111", "222"],
        access_token="env:WINDOW_TOKEN",
        api_endpoint=url,
        start_date=START,
    )
    c = GA4(config)
    c.policy = FAST
    [batch] = c.extract(GA4.stream("daily_metrics"), context(utc(2026, 11, 3, 1, 0)))
    # 02:00 in Copenhagen (2 Nov is over there) is 18:00 on 2 Nov in Los Angeles
    assert batch.window.end == date(2026, 11, 1)
    assert {r["property_id"] for r in batch.records.to_pylist()} == {"111", "222"}


def test_a_crm_is_read_to_the_run_date_and_its_snapshot_is_yesterdays(httpserver, monkeypatch):
    monkeypatch.setenv("WINDOW_TOKEN", TOKEN)
    moment = utc(2026, 11, 3, 1, 0)
    fake = FakeHubSpot(token=TOKEN, pipelines=PIPELINES, now=moment)
    url = fake.install(httpserver)
    fake.put(
        "deals",
        "1",
        amount=100,
        pipeline="default",
        dealstage="contractsent",
        createdate="2026-11-01T10:00:00.000Z",
        closedate="2026-12-01T10:00:00.000Z",
        hs_lastmodifieddate="2026-11-01T10:00:00.000Z",
    )
    config = HubSpotConfig(
        name="crm", access_token="env:WINDOW_TOKEN", base_url=url, start_date=START
    )
    c = HubSpot(config)
    c.policy = FAST
    [deals] = c.extract(HubSpot.stream("deals"), context(moment))
    assert deals.window.end == date(2026, 11, 3)
    [snapshot] = c.extract(HubSpot.stream("open_deal_snapshots"), context(moment))
    assert snapshot.window.start == snapshot.window.end == date(2026, 11, 2)
    assert snapshot.records.to_pylist()[0]["deal_id"] == "1"
