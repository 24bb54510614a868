"""The GA4 connector against a local server speaking the Data API's REST wire format,
through the real google-analytics-data client."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState, Window
from connectors.ga4 import GA4, GA4Config
from connectors.http import AuthError, QuotaExhausted, RetryPolicy
from tests.fakes.ga4 import FakeGA4, daily_data

TOKEN = "canary-ga4-token-5f1c0e9d"
RUN = date(2025, 3, 1)
# the nightly run: 02:00 in Copenhagen, the property's zone, where 28 February is over
NIGHTLY = datetime(2025, 3, 1, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))
FAST = RetryPolicy(attempts=3, backoff=0.05, jitter=0.01)


@pytest.fixture
def fake(httpserver):
    server = FakeGA4(token=TOKEN, now=NIGHTLY)
    server.data = {
        "111": daily_data(date(2025, 1, 1), RUN, base=100),
        "222": daily_data(date(2025, 1, 1), RUN, base=200),
    }
    server.url = server.install(httpserver)
    return server


def connector(fake, monkeypatch, **overrides):
    monkeypatch.setenv("GA4_TEST_TOKEN", TOKEN)
    config = GA4Config(
        name="website",
        type="ga4",
        property_ids=["111", "222"],
        access_token="env:GA4_TEST_TOKEN",
        api_endpoint=fake.url,
        start_date=date(2025, 2, 15),
        **overrides,
    )
    c = GA4(config)
    c.policy = FAST
    return c


def extract(c, stream, state=None, log=None):
    ctx = ExtractContext(
        run_date=RUN,
        state=state or LandedState(),
        log=log or logging.getLogger("t"),
        moment=NIGHTLY,
    )
    return [
        row for batch in c.extract(GA4.stream(stream), ctx) for row in batch.records.to_pylist()
    ]


def reports(fake) -> list[dict]:
    """The report requests (the connector's one-row time-zone question left out)."""
    return [r for r in fake.requests if r["body"].get("returnPropertyQuota")]


def test_daily_report_pages_through_both_properties(fake, monkeypatch):
    c = connector(fake, monkeypatch, page_size=5)
    rows = extract(c, "daily_metrics")
    days = (date(2025, 2, 28) - date(2025, 2, 15)).days + 1  # 14 days -> 3 pages of 5
    assert len(rows) == 2 * days * 5
    offsets = [(r["property"], int(r["body"].get("offset", 0))) for r in reports(fake)]
    assert offsets == [("111", 0), ("111", 5), ("111", 10), ("222", 0), ("222", 5), ("222", 10)]
    body = reports(fake)[0]["body"]
    # up to the last day that is over in the property's zone: the run date is still running
    assert body["dateRanges"] == [{"startDate": "2025-02-15", "endDate": "2025-02-28"}]
    assert body["limit"] == "5" and body["keepEmptyRows"] is True
    day = {
        (r["property_id"], r["metric"]): r["value"] for r in rows if r["date"] == date(2025, 2, 20)
    }
    expected_sessions = 100 + (date(2025, 2, 20) - date(2025, 1, 1)).days
    assert day[("111", "sessions")] == expected_sessions
    assert day[("222", "sessions")] == expected_sessions + 100
    assert {r["time_zone"] for r in rows} == {"Europe/Copenhagen"}
    assert {r["currency_code"] for r in rows} == {"DKK"}


def test_lookback_is_re_extracted_every_run(fake, monkeypatch):
    c = connector(fake, monkeypatch)
    state = LandedState(windows=(Window(date(2025, 2, 15), date(2025, 2, 27)),))
    extract(c, "daily_metrics", state)
    assert {r["body"]["dateRanges"][0]["startDate"] for r in reports(fake)} == {"2025-02-24"}


def test_period_totals_come_from_ga4_never_from_days(fake, monkeypatch):
    c = connector(fake, monkeypatch)
    rows = extract(c, "period_totals")
    by = {(r["property_id"], r["grain"], r["period_start"]): r["value"] for r in rows}
    feb = [fake.data["111"][date(2025, 2, d)]["totalUsers"] for d in range(1, 29)]
    assert by[("111", "month", date(2025, 2, 1))] == round(sum(feb) * 0.6)  # not sum(feb)
    q1 = [fake.data["111"][date(2025, 1, 1) + timedelta(days=i)]["totalUsers"] for i in range(59)]
    assert by[("111", "quarter", date(2025, 1, 1))] == round(sum(q1) * 0.6)  # Q1 to 28 Feb
    assert ("111", "week", date(2025, 2, 10)) in by  # the ISO week holding 15 February
    assert ("222", "year", date(2025, 1, 1)) in by
    dims = sorted(
        {tuple(d["name"] for d in r["body"].get("dimensions", [])) for r in reports(fake)}
    )
    assert dims == [(), ("isoYearIsoWeek",), ("year",), ("yearMonth",)]


def test_quota_and_metadata_flags_land_as_data(fake, monkeypatch):
    fake.thresholded = {"222"}
    c = connector(fake, monkeypatch)
    rows = extract(c, "daily_metrics")
    assert {r["subject_to_thresholding"] for r in rows if r["property_id"] == "222"} == {True}
    assert {r["subject_to_thresholding"] for r in rows if r["property_id"] == "111"} == {False}
    quota = extract(c, "property_quota")
    assert len(quota) == 2 and quota[0]["tokens_per_day_remaining"] > 0


def test_429_waits_as_asked_then_succeeds(fake, monkeypatch):
    fake.fail_next(429, "Exhausted property tokens per hour. Retry later.", retry_after="1")
    c = connector(fake, monkeypatch)
    rows = extract(c, "daily_metrics")
    assert rows
    assert fake.request_times[1] - fake.request_times[0] >= 1.0  # Retry-After honoured


def test_500_is_retried_with_backoff(fake, monkeypatch):
    fake.fail_next(500, "Internal error encountered.")
    fake.fail_next(503, "The service is currently unavailable.")
    rows = extract(connector(fake, monkeypatch), "daily_metrics")
    # two failures (of the first call, which asks for the property's time zone), then
    # the other property's zone and one page per property
    assert rows and len(fake.requests) == 6 and len(reports(fake)) == 2


def test_403_fails_at_once_with_a_clear_message(fake, monkeypatch):
    fake.forbidden = {"222"}
    with pytest.raises(AuthError) as e:
        extract(connector(fake, monkeypatch), "daily_metrics")
    assert "property 222" in str(e.value) and "Property access management" in str(e.value)
    assert str(e.value).startswith("source website:")
    assert [r["property"] for r in fake.requests].count("222") == 1  # never retried
    assert TOKEN not in str(e.value)


def test_daily_quota_stops_the_run_with_a_clear_message(fake, monkeypatch):
    fake.fail_next(429, "Exhausted property tokens per day. Quota resets at midnight Pacific.")
    with pytest.raises(QuotaExhausted, match="daily quota"):
        extract(connector(fake, monkeypatch), "daily_metrics")
    assert len(fake.requests) == 1


def test_hourly_quota_beyond_the_wait_budget_stops_cleanly(fake, monkeypatch):
    fake.fail_next(429, "Exhausted property tokens per hour.", retry_after="3600")
    with pytest.raises(QuotaExhausted, match="quota_wait_seconds"):
        extract(connector(fake, monkeypatch, quota_wait_seconds=60), "daily_metrics")


def test_rejected_token_is_explained_and_redacted(fake, monkeypatch, caplog):
    fake.token = "another-token-entirely"
    with pytest.raises(AuthError) as e:
        extract(connector(fake, monkeypatch), "daily_metrics")
    assert "GA4_TEST_TOKEN" in str(e.value)
    assert TOKEN not in str(e.value) and TOKEN not in caplog.text


def test_service_account_key_file(fake, monkeypatch, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key_file = tmp_path / "sa.json"
    key_file.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "test",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "scorecard@test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{fake.url}/token",
            }
        )
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    fake.service_accounts = {"k1": public}
    monkeypatch.setenv("GA4_KEY_FILE", str(key_file))
    config = GA4Config(
        name="website",
        type="ga4",
        property_ids=["111"],
        credentials="env:GA4_KEY_FILE",
        api_endpoint=fake.url,
        start_date=date(2025, 2, 25),
    )
    rows = extract(GA4(config), "daily_metrics")
    assert len(rows) == 4 * 5  # 25..28 February
    # a JWT signed with the account's key, as Google's client sends for service accounts
    assert fake.requests[0]["headers"]["Authorization"].count(".") == 2


# ── breakdowns (DESIGN §5a) ─────────────────────────────────────────────────
CHANNELS = [("Organic Search", 0.5), ("Direct", 0.3), ("Paid Search", 0.15), ("Email", 0.05)]


def test_a_dimensioned_report_pages_through_every_member_and_adds_up(fake, monkeypatch):
    fake.members = {"sessionDefaultChannelGroup": CHANNELS}
    c = connector(fake, monkeypatch, page_size=7, breakdowns=["channel"])
    rows = extract(c, "daily_breakdowns")
    requests = [r for r in reports(fake) if r["property"] == "111"]
    body = requests[0]["body"]
    assert [d["name"] for d in body["dimensions"]] == ["date", "sessionDefaultChannelGroup"]
    assert not body.get("keepEmptyRows")  # members without data are left out, not zeros
    # 14 days × 4 channels = 56 rows in pages of 7: offsets 0, 7, ..., 49
    assert [int(r["body"].get("offset", 0)) for r in requests] == list(range(0, 56, 7))
    sessions = [r for r in rows if r["property_id"] == "111" and r["metric"] == "sessions"]
    assert len(sessions) == 14 * 4 and {r["dimension"] for r in rows} == {"channel"}
    for day in (date(2025, 2, 15), date(2025, 2, 28)):
        members = {r["member"]: r["value"] for r in sessions if r["date"] == day}
        assert set(members) == {name for name, _ in CHANNELS}
        assert sum(members.values()) == fake.data["111"][day]["sessions"]  # adds up exactly
    assert not any(r["data_loss_from_other_row"] for r in rows)


def test_members_past_the_cardinality_limit_are_kept_as_other_and_flagged(fake, monkeypatch):
    fake.members = {"sessionDefaultChannelGroup": CHANNELS}
    fake.other_after = 2  # GA4 folds the rest into one "(other)" row
    c = connector(fake, monkeypatch, breakdowns=["channel"])
    rows = extract(c, "daily_breakdowns")
    day = date(2025, 2, 20)
    members = {
        r["member"]: r["value"]
        for r in rows
        if (r["property_id"], r["date"], r["metric"]) == ("111", day, "sessions")
    }
    assert set(members) == {"Organic Search", "Direct", "(other)"}
    split = fake.member_day(fake.data["111"][day], "sessions", "sessionDefaultChannelGroup")
    assert members["(other)"] == split["Paid Search"] + split["Email"]
    assert sum(members.values()) == fake.data["111"][day]["sessions"]
    assert {r["data_loss_from_other_row"] for r in rows} == {True}


def test_users_per_member_are_asked_per_period_never_summed(fake, monkeypatch):
    fake.members = {"deviceCategory": [("desktop", 0.6), ("mobile", 0.4)]}
    c = connector(fake, monkeypatch, breakdowns=["device"])
    rows = extract(c, "period_breakdowns")
    dims = sorted(
        {tuple(d["name"] for d in r["body"].get("dimensions", [])) for r in reports(fake)}
    )
    assert dims == [
        ("deviceCategory",),  # each quarter is its own report
        ("isoYearIsoWeek", "deviceCategory"),
        ("year", "deviceCategory"),
        ("yearMonth", "deviceCategory"),
    ]
    assert {m["name"] for r in reports(fake) for m in r["body"]["metrics"]} == {"totalUsers"}
    by = {(r["property_id"], r["grain"], r["period_start"], r["member"]): r["value"] for r in rows}
    feb = [date(2025, 2, d) for d in range(1, 29)]
    daily = [
        fake.member_day(fake.data["111"][d], "totalUsers", "deviceCategory")["mobile"] for d in feb
    ]
    # GA4's distinct users of February for mobile, not the sum of its daily users
    assert by[("111", "month", date(2025, 2, 1), "mobile")] == round(sum(daily) * 0.6)
    assert by[("111", "month", date(2025, 2, 1), "mobile")] != sum(daily)
    assert ("222", "quarter", date(2025, 1, 1), "desktop") in by
    assert {r["dimension"] for r in rows} == {"device"}


def test_without_breakdowns_no_dimensioned_report_is_asked(fake, monkeypatch):
    c = connector(fake, monkeypatch)
    assert extract(c, "daily_breakdowns") == [] and extract(c, "period_breakdowns") == []
    assert reports(fake) == []
    assert c.may_be_empty(GA4.stream("daily_breakdowns"))
    with_dimensions = connector(fake, monkeypatch, breakdowns=["channel"])
    assert not with_dimensions.may_be_empty(GA4.stream("daily_breakdowns"))


def test_a_dimension_ga4_does_not_offer_is_refused(fake, monkeypatch, tmp_path):
    from orchestration.config.loader import ConfigError, load_config

    path = tmp_path / "scorecard.yml"
    path.write_text(
        "sources:\n"
        "  - {name: website, type: ga4, property_ids: ['1'], access_token: env:T,"
        " breakdowns: [channel, pipeline]}\n"
        "objectives: [{id: o, perspective: customer, name: O}]\n"
        "kpis: [{id: k, name: K, objective: o, type: metric, metric: web.sessions,"
        " target: 1}]\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"sources\[0\] \(website\)\.breakdowns: a ga4 source has no dimension "
        r"'pipeline'; it offers: channel, source_medium, campaign, device, country",
    ):
        load_config(path)
