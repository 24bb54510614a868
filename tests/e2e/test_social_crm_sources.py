"""`scorecard run` with Facebook, Instagram, LinkedIn and HubSpot pointed at local servers
that speak each platform's wire format. Social and CRM KPIs are checked against hand-computed
values; no token and no personal data may appear anywhere."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import run_local
from tests.fakes.hubspot import PIPELINES, FakeHubSpot, stamp
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeGraph

pytestmark = pytest.mark.slow
TOKENS = {
    "FB_E2E": "canary-fb-7d1e2a3b4c",
    "IG_E2E": "canary-ig-5f6a7b8c9d",
    "LI_E2E": "canary-li-0a1b2c3d4e",
    "HS_E2E": "canary-hs-9e8d7c6b5a",
}
PAGE, ACCOUNT, ORG = "555", "17841400000000001", "2414183"
OCTOBER = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
DAYS = [date(2026, 10, 1) + timedelta(days=i) for i in range(41)]  # to 10 November
PERSONAL = ["example.com", "Firstname", "Lastname", "+45 5555"]

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - {{name: facebook, type: facebook_page, page_id: "{page}", access_token: env:FB_E2E, base_url: {url}, start_date: 2026-10-01}}
  - {{name: instagram, type: instagram, account_id: "{account}", access_token: env:IG_E2E, base_url: {url}, start_date: 2026-10-01}}
  - {{name: linkedin, type: linkedin_page, organization_id: "{org}", access_token: env:LI_E2E, base_url: {url}, start_date: 2026-10-01}}
  - {{name: crm, type: hubspot, access_token: env:HS_E2E, base_url: {url}, start_date: 2026-10-01}}
objectives:
  - {{id: revenue, perspective: financial, name: Revenue from deals}}
  - {{id: audience, perspective: customer, name: An engaged audience, drives: [revenue]}}
  - {{id: funnel, perspective: internal_process, name: A fast funnel, drives: [revenue]}}
kpis:
  - {{id: engagement_rate, name: Engagement rate, objective: audience, type: ratio, numerator: social.engagements,
     denominator: social.impressions, scale: 100, unit: percent, target: 4}}
  - {{id: instagram_rate, name: Instagram engagement rate, objective: audience, type: ratio,
     numerator: social.instagram.engagements, denominator: social.instagram.impressions, scale: 100, target: 4}}
  - {{id: follower_gains, name: New followers, objective: audience, type: metric, metric: social.follower_gains, target: 350}}
  - {{id: posts, name: Posts, objective: audience, type: metric, metric: social.posts, target: 120}}
  - {{id: leads, name: Leads, objective: funnel, type: metric, metric: crm.leads_created, target: 90}}
  - {{id: sales_cycle, name: Sales cycle, objective: funnel, type: ratio, numerator: crm.days_to_close,
     denominator: crm.deals_won, unit: days, direction: lower_is_better, target: 25}}
  - {{id: deals_won, name: Deals won, objective: revenue, type: metric, metric: crm.deals_won, target: 2}}
  - {{id: won_revenue, name: Won revenue, objective: revenue, type: metric, metric: crm.won_revenue, target: 25000}}
"""


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def night(day: date) -> datetime:
    """`--as-of DAY`: the moment the day began in Copenhagen (23:00 UTC the day before)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Europe/Copenhagen"))


def run_night(root, fakes, day: date):
    for fake in fakes:
        fake.now = night(day)  # the platforms' clocks read the run's moment
    return run_local(root, day.isoformat(), TOKENS)


@pytest.fixture
def platforms(tmp_path, httpserver):
    graph = FakeGraph(token=TOKENS["FB_E2E"])
    graph.insights[PAGE] = {
        "page_media_view": {d: 1000 for d in DAYS},
        "page_post_engagements": {d: 40 for d in DAYS},
        "page_follows": {d: 9000 + 3 * i for i, d in enumerate(DAYS)},
        "page_daily_follows_unique": {d: 3 for d in DAYS},
    }
    graph.posts[PAGE] = [at(d, 12) for d in DAYS]
    graph.insights[ACCOUNT] = {
        "views": {d: 2000 for d in DAYS},
        "total_interactions": {d: 90 for d in DAYS},
        "follower_count": {d: 5 for d in DAYS},
    }
    graph.fields[ACCOUNT] = {"followers_count": 8000}
    graph.posts[ACCOUNT] = [at(d, h) for d in DAYS[:33] for h in (15, 20)]
    graph.tokens = {TOKENS["IG_E2E"]}  # Instagram calls the same Graph API with its own token
    url = graph.install(httpserver)
    linkedin = FakeLinkedIn(token=TOKENS["LI_E2E"], organization=ORG, now=night(date(2026, 11, 3)))
    linkedin.shares = {
        d: {
            "impressionCount": 500,
            "clickCount": 10,
            "likeCount": 6,
            "commentCount": 2,
            "shareCount": 2,
        }
        for d in DAYS
    }
    linkedin.gains = {d: {"organicFollowerGain": 4, "paidFollowerGain": 1} for d in DAYS}
    linkedin.followers = 4000
    linkedin.posts = [at(d, 9) for d in DAYS[:33]]
    linkedin.install(httpserver)
    crm = FakeHubSpot(token=TOKENS["HS_E2E"], pipelines=PIPELINES)
    n = 0
    for d in OCTOBER:
        for k in range(3):
            n += 1
            crm.put(
                "contacts",
                str(n),
                email=f"lead{n}@example.com",
                firstname=f"Firstname{n}",
                lastname=f"Lastname{n}",
                phone=f"+45 5555 {n:04d}",
                lifecyclestage="lead",
                createdate=stamp(at(d, 10 + k)),
                lastmodifieddate=stamp(at(d, 10 + k)),
            )
    for deal_id, created, stage, closed, amount, pipeline, is_closed in (
        (
            "1",
            at(date(2026, 10, 2), 9),
            "closedwon",
            at(date(2026, 10, 12), 10),
            10000,
            "default",
            True,
        ),
        (
            "2",
            at(date(2026, 10, 5), 9),
            "closedlost",
            at(date(2026, 10, 20), 10),
            5000,
            "default",
            True,
        ),
        (
            "3",
            at(date(2026, 10, 1), 9),
            "7613045",
            at(date(2026, 10, 31), 10),
            20000,
            "7613042",
            True,
        ),
        (
            "4",
            at(date(2026, 10, 10), 9),
            "contractsent",
            at(date(2026, 12, 1), 10),
            7000,
            "default",
            False,
        ),
        (
            "5",
            at(date(2026, 10, 12), 9),
            "7613043",
            at(date(2026, 12, 5), 10),
            3000,
            "7613042",
            False,
        ),
    ):
        # open deals carry an expected close date; they were last modified when created
        crm.put(
            "deals",
            deal_id,
            amount=amount,
            pipeline=pipeline,
            dealstage=stage,
            createdate=stamp(created),
            closedate=stamp(closed),
            hs_lastmodifieddate=stamp(closed if is_closed else created),
        )
    crm.install(httpserver)
    (tmp_path / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=url, page=PAGE, account=ACCOUNT, org=ORG)),
        encoding="utf-8",
    )
    return tmp_path, graph, linkedin, crm


def values_by_day(serving, metric):
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(
            "select period_start, value from scorecard.metric_values"
            " where metric_id = ? and grain = 'day' order by 1",
            [metric],
        ).fetchall()


def value(serving, kind, key, grain="month", start="2026-10-01"):
    table, column = ("kpi_values", "kpi_id") if kind == "kpi" else ("metric_values", "metric_id")
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            f"select value from scorecard.{table} where {column} = ? and grain = ? and period_start = ?",
            [key, grain, start],
        ).fetchall()
    assert len(rows) == 1, (key, rows)
    return rows[0][0]


def test_social_and_crm_sources_publish_hand_computed_kpis(platforms):
    root, graph, linkedin, crm = platforms
    graph.throttle_next = [17]  # Meta throttles once: the connector waits, then goes on
    crm.rate_limited = 1
    first = run_night(root, (graph, linkedin, crm), date(2026, 11, 3))
    assert first.returncode == 0, first.stderr + first.stdout
    serving = root / "data/serving.duckdb"

    # social, October: Facebook + Instagram + LinkedIn, 31 days each
    assert value(serving, "metric", "social.impressions") == 31 * (1000 + 2000 + 500)
    assert value(serving, "metric", "social.engagements") == 31 * (40 + 90 + (10 + 6 + 2 + 2))
    assert value(serving, "kpi", "engagement_rate") == pytest.approx(100 * 4650 / 108500)
    assert value(serving, "kpi", "instagram_rate") == pytest.approx(100 * 90 / 2000)
    # Instagram's follower_count reaches back 30 days before today in Los Angeles (2 Nov at
    # the run): 3 Oct..1 Nov, so 29 days of October
    assert value(serving, "kpi", "follower_gains") == 31 * 3 + 29 * 5 + 31 * 5
    assert value(serving, "kpi", "posts") == 31 + 2 * 31 + 31
    # followers: a stock; October ends on 31 Oct (Facebook's series; the others are snapshots)
    assert value(serving, "metric", "social.followers") == 9000 + 3 * 30
    # at 00:00 in Copenhagen, 1 November is the last day over in Los Angeles and in UTC
    for metric in ("social.impressions", "social.posts"):
        days = [start for start, _ in values_by_day(serving, metric)]
        assert max(days) == date(2026, 11, 1)
    # CRM, October: deals 1 and 3 won (3 in a pipeline whose won stage is called "Signed")
    assert value(serving, "kpi", "leads") == 93
    assert value(serving, "kpi", "deals_won") == 2
    assert value(serving, "metric", "crm.deals_lost") == 1
    assert value(serving, "kpi", "won_revenue") == 30000
    assert value(serving, "kpi", "sales_cycle") == (10 + 30) / 2
    assert value(serving, "metric", "crm.pipeline_value", "day", "2026-11-02") == 7000 + 3000

    # next night: deal 3's amount was corrected in HubSpot
    crm.objects["deals"]["3"]["amount"] = "25000"
    crm.objects["deals"]["3"]["hs_lastmodifieddate"] = stamp(at(date(2026, 11, 3), 12))
    second = run_night(root, (graph, linkedin, crm), date(2026, 11, 4))
    assert second.returncode == 0, second.stderr + second.stdout
    # 2 November now has all three platforms: Facebook's day is over, the others' snapshots
    # were read on the night of 3 November
    assert (
        value(serving, "metric", "social.followers", "day", "2026-11-02")
        == (9000 + 3 * 32) + 8000 + 4000
    )
    assert value(serving, "kpi", "won_revenue") == 35000  # overwritten...
    assert value(serving, "kpi", "deals_won") == 2  # ...not duplicated

    # no personal data in any table of the warehouse or the published file
    for database in (root / "data/warehouse.duckdb", serving):
        with duckdb.connect(str(database), read_only=True) as con:
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
            for schema, table, column in columns:
                for text in PERSONAL:
                    hits = con.execute(
                        f'select count(*) from "{schema}"."{table}" where cast("{column}" as varchar) like ?',
                        [f"%{text}%"],
                    ).fetchall()[0][0]
                    assert hits == 0, (database.name, schema, table, column, text)
    # and no token anywhere: output, logs, landing, warehouse, serving
    output = first.stdout + first.stderr + second.stdout + second.stderr
    files = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    for token in TOKENS.values():
        assert token not in output
        assert not any(token.encode() in content for content in files)
