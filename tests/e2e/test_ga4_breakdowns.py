"""GA4 breakdowns end to end: `scorecard run` against a local GA4 server (through Google's
client) that splits each day over channels; published members add up, users per channel are
GA4's own, contributions explain the KPI's change, and a report whose members do not add up to
the separately reported totals stops the publish."""

from __future__ import annotations

import textwrap
from datetime import date

import duckdb
import pytest

from tests.conftest import run_local
from tests.fakes.ga4 import OVERLAP, FakeGA4, daily_data

pytestmark = pytest.mark.slow
TOKEN = "canary-token-breakdowns-4d3c2b1a"
CHANNELS = [("Organic Search", 0.55), ("Paid Search", 0.3), ("Email", 0.15)]

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - name: website
    type: ga4
    property_ids: ["111"]
    access_token: env:GA4_E2E_TOKEN
    api_endpoint: {url}
    start_date: 2026-09-01
    lookback_days: 3
    breakdowns: [channel]
objectives:
  - {{id: win, perspective: customer, name: Win customers}}
kpis:
  - {{id: conversion, name: Conversion, objective: win, type: ratio, numerator: web.key_events,
     denominator: web.sessions, scale: 100, unit: percent, target: 0.5, breakdowns: [channel]}}
  - {{id: users, name: Users, objective: win, type: metric, metric: web.total_users,
     target: 2000, breakdowns: [channel]}}
  - {{id: email_sessions, name: Email sessions, objective: win, type: metric,
     metric: web.sessions, target: 100, filter: {{channel: Email}}}}
"""


@pytest.fixture
def project(tmp_path, httpserver):
    fake = FakeGA4(token=TOKEN)
    fake.data = {"111": daily_data(date(2026, 9, 1), date(2026, 11, 10), base=100)}
    fake.members = {"sessionDefaultChannelGroup": CHANNELS}
    url = fake.install(httpserver)
    (tmp_path / "scorecard.yml").write_text(textwrap.dedent(CONFIG.format(url=url)))
    return tmp_path, fake


def rows(serving, sql, params=()):
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_channels_are_published_and_a_report_that_does_not_add_up_stops_the_publish(project):
    root, fake = project
    serving = root / "data/serving.duckdb"
    first = run_local(root, "2026-11-03", {"GA4_E2E_TOKEN": TOKEN})
    assert first.returncode == 0, first.stderr + first.stdout

    october = [date(2026, 10, d) for d in range(1, 32)]
    sessions = dict(
        rows(
            serving,
            "select member, value from scorecard.metric_breakdowns where metric_id ="
            " 'web.sessions' and dimension = 'channel' and grain = 'month'"
            " and period_start = date '2026-10-01'",
        )
    )
    by_hand = {
        name: sum(
            fake.member_day(fake.data["111"][d], "sessions", "sessionDefaultChannelGroup")[name]
            for d in october
        )
        for name, _ in CHANNELS
    }
    assert sessions == by_hand
    assert sum(sessions.values()) == 31 * 100 + sum(range(30, 61))  # October's total sessions

    # users per channel: GA4's distinct count of the month, never the sum of daily users
    users = dict(
        rows(
            serving,
            "select member, value from scorecard.kpi_breakdowns where kpi_id = 'users'"
            " and grain = 'month' and period_start = date '2026-10-01'",
        )
    )
    email_daily = [
        fake.member_day(fake.data["111"][d], "totalUsers", "sessionDefaultChannelGroup")["Email"]
        for d in october
    ]
    assert users["Email"] == round(sum(email_daily) * OVERLAP) != sum(email_daily)

    # the conversion rate's channel contributions add up to its change from September
    [(value, previous)] = rows(
        serving,
        "select value, previous_value from scorecard.kpi_values where kpi_id = 'conversion'"
        " and grain = 'month' and period_start = date '2026-10-01'",
    )
    [(contributions, members)] = rows(
        serving,
        "select sum(contribution), count(*) from scorecard.kpi_breakdowns"
        " where kpi_id = 'conversion' and grain = 'month' and period_start = date '2026-10-01'",
    )
    assert members == 3 and contributions == pytest.approx(value - previous, abs=1e-9)

    # a filtered KPI is the Email member's own sessions
    [(email,)] = rows(
        serving,
        "select value from scorecard.kpi_values where kpi_id = 'email_sessions'"
        " and grain = 'month' and period_start = date '2026-10-01'",
    )
    assert email == by_hand["Email"]

    # next night GA4's channel report counts 7 Paid Search sessions more than its totals
    before = serving.read_bytes()
    fake.skew = {("sessionDefaultChannelGroup", "Paid Search"): 7}
    second = run_local(root, "2026-11-04", {"GA4_E2E_TOKEN": TOKEN})
    assert second.returncode == 1, second.stdout
    assert "assert_breakdown_members_add_up_to_the_total" in second.stdout + second.stderr
    assert serving.read_bytes() == before  # nothing published: yesterday's scorecard stays
