"""Three consecutive nightly runs with every API source configured together — GA4, Facebook,
Instagram, LinkedIn and HubSpot on local stand-ins that answer as the platforms do (insights
only for days that are over in the platform's zone, posts with their timestamps, HubSpot's
calculated `hs_is_closed`) — plus a ledger inbox and a manual sheet. Every night publishes; the
run date moves forward and each source's lookback is re-extracted.

The nightly run is at 02:00 in Copenhagen (01:00 UTC in November). Then the UTC day before is
over (LinkedIn), but in Los Angeles (Meta, UTC-8) and New York (the GA4 property, UTC-5) it is
still the evening before: their last complete day is two days before the run date.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import run_local
from tests.fakes.ga4 import FakeGA4
from tests.fakes.hubspot import PIPELINES, FakeHubSpot, stamp
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeGraph

pytestmark = pytest.mark.slow
TOKENS = {
    "GA4_N": "canary-ga4-n-1b2c3d",
    "FB_N": "canary-fb-n-4e5f6a",
    "IG_N": "canary-ig-n-7b8c9d",
    "LI_N": "canary-li-n-0e1f2a",
    "HS_N": "canary-hs-n-3b4c5d",
}
PAGE, ACCOUNT, ORG, PROPERTY = "555", "17841400000000001", "2414183", "111"
CPH, PACIFIC = ZoneInfo("Europe/Copenhagen"), ZoneInfo("America/Los_Angeles")
FIRST = date(2026, 10, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(40)]  # to 9 November: the platforms' data
NIGHTS = [date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)]

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - {{name: website, type: ga4, property_ids: ["{prop}"], access_token: env:GA4_N, api_endpoint: {url}, start_date: 2026-10-01, lookback_days: 2}}
  - {{name: facebook, type: facebook_page, page_id: "{page}", access_token: env:FB_N, base_url: {url}, start_date: 2026-10-01, lookback_days: 2}}
  - {{name: instagram, type: instagram, account_id: "{account}", access_token: env:IG_N, base_url: {url}, start_date: 2026-10-01, lookback_days: 2}}
  - {{name: linkedin, type: linkedin_page, organization_id: "{org}", access_token: env:LI_N, base_url: {url}, start_date: 2026-10-01, lookback_days: 2}}
  - {{name: crm, type: hubspot, access_token: env:HS_N, base_url: {url}, start_date: 2026-10-01}}
  - name: ledger
    type: finance_files
    path: inbox/ledger
    start_date: 2026-10-01
    columns: {{date: Date, account: Account, amount: Amount}}
    accounts: {{revenue: ["4000-4999"], marketing_spend: ["6000-6099"]}}
  - {{name: team, type: manual_metrics, path: inbox/manual, start_date: 2026-10-01, metrics: {{training_hours: sum}}}}
objectives:
  - {{id: grow, perspective: financial, name: Grow revenue}}
  - {{id: audience, perspective: customer, name: An engaged audience, drives: [grow]}}
  - {{id: funnel, perspective: internal_process, name: A full funnel, drives: [grow]}}
  - {{id: learn, perspective: learning_growth, name: Learn, drives: [funnel]}}
kpis:
  - {{id: conversion, name: Conversion, objective: audience, type: ratio, numerator: web.key_events,
     denominator: web.sessions, scale: 100, unit: percent, target: 4}}
  - {{id: impressions, name: Impressions, objective: audience, type: metric, metric: social.impressions, target: 100000}}
  - {{id: posts, name: Posts, objective: audience, type: metric, metric: social.posts, target: 120}}
  - {{id: leads, name: Leads, objective: funnel, type: metric, metric: crm.leads_created, target: 90}}
  - {{id: won_revenue, name: Won revenue, objective: grow, type: metric, metric: crm.won_revenue, target: 20000}}
  - {{id: revenue, name: Revenue, objective: grow, type: metric, metric: finance.revenue, unit: currency, target: 5000}}
  - {{id: training, name: Training, objective: learn, type: metric, metric: manual.training_hours, target: 10}}
"""


def nightly(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=CPH)


def at(day: date, hour: int, zone=UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


@pytest.fixture
def platforms(tmp_path, httpserver):
    ga4 = FakeGA4(token=TOKENS["GA4_N"], time_zone="America/New_York", currency="DKK")
    ga4.data = {PROPERTY: {d: {"sessions": 100.0, "keyEvents": 5.0} for d in DAYS}}
    url = ga4.install(httpserver)
    graph = FakeGraph(token=TOKENS["FB_N"], tokens={TOKENS["IG_N"]})
    graph.insights[PAGE] = {
        "page_media_view": dict.fromkeys(DAYS, 1000),
        "page_post_engagements": dict.fromkeys(DAYS, 40),
        "page_follows": {d: 9000 + 3 * i for i, d in enumerate(DAYS)},
        "page_daily_follows_unique": dict.fromkeys(DAYS, 3),
    }
    graph.posts[PAGE] = [at(d, 12, PACIFIC) for d in DAYS]  # noon in Menlo Park, every day
    graph.insights[ACCOUNT] = {
        "views": dict.fromkeys(DAYS, 2000),
        "total_interactions": dict.fromkeys(DAYS, 90),
        "follower_count": dict.fromkeys(DAYS, 5),
    }
    graph.fields[ACCOUNT] = {"followers_count": 8000}
    graph.posts[ACCOUNT] = [at(d, h, PACIFIC) for d in DAYS for h in (9, 18)]
    graph.install(httpserver)
    linkedin = FakeLinkedIn(token=TOKENS["LI_N"], organization=ORG, now=nightly(NIGHTS[0]))
    linkedin.shares = {d: {"impressionCount": 500, "clickCount": 10, "likeCount": 6} for d in DAYS}
    linkedin.gains = {d: {"organicFollowerGain": 4, "paidFollowerGain": 1} for d in DAYS}
    linkedin.followers = 4000
    linkedin.posts = [at(d, 9) for d in DAYS]
    linkedin.install(httpserver)
    crm = FakeHubSpot(token=TOKENS["HS_N"], pipelines=PIPELINES)
    n = 0
    for d in DAYS:
        for hour in (10, 14, 16):  # three leads a day, during office hours
            n += 1
            moment = stamp(at(d, hour))
            crm.put("contacts", str(n), lifecyclestage="lead", createdate=moment,
                    lastmodifieddate=moment, email=f"lead{n}@example.com")  # fmt: skip
    crm.put("deals", "1", amount=10000, pipeline="default", dealstage="closedwon",
            createdate=stamp(at(date(2026, 10, 2), 9)), closedate=stamp(at(date(2026, 10, 12), 10)),
            hs_lastmodifieddate=stamp(at(date(2026, 10, 12), 10)))  # fmt: skip
    crm.put("deals", "2", amount=7000, pipeline="default", dealstage="contractsent",
            createdate=stamp(at(date(2026, 10, 10), 9)), closedate=stamp(at(date(2026, 12, 1), 10)),
            hs_lastmodifieddate=stamp(at(date(2026, 10, 10), 9)))  # fmt: skip
    crm.put("deals", "3", amount=3000, pipeline="7613042", dealstage="7613043",
            createdate=stamp(at(date(2026, 10, 20), 9)), closedate=stamp(at(date(2027, 1, 5), 10)),
            hs_lastmodifieddate=stamp(at(date(2026, 10, 20), 9)))  # fmt: skip
    crm.install(httpserver)
    (tmp_path / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=url, page=PAGE, account=ACCOUNT, org=ORG, prop=PROPERTY)),
        encoding="utf-8",
    )
    (tmp_path / "inbox/ledger").mkdir(parents=True)
    (tmp_path / "inbox/ledger/gl_october.csv").write_text(
        "Date,Account,Amount\n2026-10-05,4010,3000.00\n2026-10-20,4010,1500.00\n"
        "2026-10-21,6010,800.00\n",
        encoding="utf-8",
    )
    (tmp_path / "inbox/manual").mkdir(parents=True)
    (tmp_path / "inbox/manual/team.csv").write_text(
        "date,metric,value\n2026-10-05,training_hours,4\n2026-10-19,training_hours,8\n",
        encoding="utf-8",
    )
    return tmp_path, {"ga4": ga4, "graph": graph, "linkedin": linkedin, "crm": crm}


def night(root, fakes, day: date):
    """The nightly run of `day`, every platform's clock at the same moment."""
    for fake in fakes.values():
        fake.now = nightly(day)
        fake.requests.clear()
    return run_local(root, nightly(day).strftime("%Y-%m-%dT%H:%M"), TOKENS)


def day_values(serving, metric: str) -> dict[date, float]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return dict(
            con.execute(
                "select period_start, value from scorecard.metric_values"
                " where metric_id = ? and grain = 'day'",
                [metric],
            ).fetchall()
        )


def month_value(serving, metric: str, start=date(2026, 10, 1)) -> float:
    with duckdb.connect(str(serving), read_only=True) as con:
        [(value,)] = con.execute(
            "select value from scorecard.metric_values"
            " where metric_id = ? and grain = 'month' and period_start = ?",
            [metric, start],
        ).fetchall()
    return value


def test_three_nights_with_every_api_source_each_publish(platforms):
    root, fakes = platforms
    serving = root / "data/serving.duckdb"
    published = []
    for i, run_date in enumerate(NIGHTS):
        if i == 1:  # between the first and second night, platforms restate and CRM moves
            fakes["graph"].insights[PAGE]["page_media_view"][date(2026, 10, 31)] = 1500
            fakes["ga4"].data[PROPERTY][date(2026, 11, 1)]["sessions"] = 130.0
            fakes["crm"].put("deals", "2", amount=7000, pipeline="default",
                             dealstage="closedwon", createdate=stamp(at(date(2026, 10, 10), 9)),
                             closedate=stamp(at(date(2026, 11, 3), 15)),
                             hs_lastmodifieddate=stamp(at(date(2026, 11, 3), 15)))  # fmt: skip
        result = night(root, fakes, run_date)
        assert result.returncode == 0, f"night {run_date}:\n" + result.stderr[-4000:]
        with duckdb.connect(str(serving), read_only=True) as con:
            published = con.execute(
                "select run_date from scorecard.publish_log order by published_at"
            ).fetchall()
        assert [d for (d,) in published] == NIGHTS[: i + 1]

        # each platform's newest landed day is its last complete day at 02:00 Copenhagen
        pacific_last = run_date - timedelta(days=2)  # 17:00 the day before in Los Angeles
        utc_last = run_date - timedelta(days=1)  # 01:00 UTC
        impressions = day_values(serving, "social.impressions")
        assert impressions[pacific_last] == 1000 + 2000 + 500  # Facebook, Instagram, LinkedIn
        assert impressions[utc_last] == 500  # LinkedIn only: Meta's day is not over
        assert max(impressions) == utc_last
        sessions = day_values(serving, "web.sessions")
        assert max(sessions) == run_date - timedelta(days=2)  # 20:00 the day before in New York
        posts = day_values(serving, "social.posts")
        assert posts[pacific_last] == 1 + 2 + 1 and posts[utc_last] == 1  # no partial day
        # no API source published anything for the running day
        with duckdb.connect(str(serving), read_only=True) as con:
            running = con.execute(
                "select metric_id from scorecard.metric_values where grain = 'day'"
                " and period_start >= ? and metric_id not like 'crm.%'",
                [run_date],
            ).fetchall()
        assert running == []
        # the platforms were never asked for a day that is not over in their own zone
        asked_ga4 = [
            r["body"]["dateRanges"][0]["endDate"]
            for r in fakes["ga4"].requests
            if r["body"].get("returnPropertyQuota")
        ]
        assert max(asked_ga4) == (run_date - timedelta(days=2)).isoformat()
        asked_meta = [  # the daily insights (a post's lifetime insights have no window)
            date.fromisoformat(r["args"]["until"])
            for r in fakes["graph"].requests
            if r["path"].endswith("/insights") and "until" in r["args"]
        ]
        assert max(asked_meta) == pacific_last + timedelta(days=1)  # `until` is exclusive

        if i == 1:
            # the lookback re-extracted 30 October onwards: the restatements are in
            since = {
                r["args"]["since"]
                for r in fakes["graph"].requests
                if r["path"].endswith("/insights")
                and r["args"].get("metric_type") is None
                and "since" in r["args"]
            }
            assert min(since) == "2026-10-30"  # last landed day 1 Nov - lookback 2
            assert day_values(serving, "web.sessions")[date(2026, 11, 1)] == 130
            assert day_values(serving, "crm.won_revenue")[date(2026, 11, 3)] == 7000

    # October, hand-computed, as published after the third night
    assert month_value(serving, "social.impressions") == 31 * 3500 + 500  # the 31 Oct restatement
    assert month_value(serving, "social.posts") == 31 * (1 + 2 + 1)
    assert month_value(serving, "social.engagements") == 31 * (40 + 90 + 10 + 6)
    assert month_value(serving, "web.sessions") == 31 * 100
    assert month_value(serving, "crm.leads_created") == 31 * 3
    assert month_value(serving, "crm.won_revenue") == 10000
    assert month_value(serving, "finance.revenue") == 4500
    assert month_value(serving, "manual.training_hours") == 12
    # open deals as each night found them: deal 2 was won on 3 November
    pipeline = day_values(serving, "crm.pipeline_value")
    assert pipeline[date(2026, 11, 2)] == 7000 + 3000 and pipeline[date(2026, 11, 4)] == 3000
    # tokens and personal data stay out of everything the runs wrote
    files = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    for token in TOKENS.values():
        assert not any(token.encode() in content for content in files)
    assert not any(b"@example.com" in content for content in files if b"PAR1" in content[:4])

    # a fourth night: LinkedIn has not computed 5 November's statistics yet (it answers
    # late sometimes); the volume check stops the run and says so first, in one line
    fakes["linkedin"].delayed = {date(2026, 11, 5)}
    before = serving.read_bytes()
    result = night(root, fakes, date(2026, 11, 6))
    assert result.returncode == 1
    first = next(line for line in result.stderr.splitlines() if line.startswith("Run failed"))
    assert first.startswith("Run failed: source linkedin, 2026-11-05: the latest complete day")
    assert first.endswith("; check landing.linkedin.organization_statistics.volume")
    assert "(rows 2, trailing_median 8.0)" in first  # its posts row and tonight's snapshot
    after = result.stderr[result.stderr.index(first) + len(first) :]
    assert "So nothing was published" in after and "expect_column_values_to_be_in_set" in after
    assert serving.read_bytes() == before
