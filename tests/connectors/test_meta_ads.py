"""Meta Ads connector against a local Marketing API (tests/fakes/meta_ads.py)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from connectors.base import ExtractContext, LandedState, Window
from connectors.http import AuthError, RequestError, RetryPolicy, TransientError
from connectors.meta_ads import HISTORY_DAYS, MetaAds, MetaAdsConfig
from connectors.oauth import TokenExpiry
from tests.fakes.meta import token_info
from tests.fakes.meta_ads import FakeAdAccount, FakeMetaAds, spend_day

TOKEN = "canary-meta-ads-token-9e8d7c6b"
RUN = date(2025, 6, 10)
# 02:00 in Copenhagen = 00:00 UTC: 9 June is over in Berlin, but it is 17:00 on 9 June in
# Los Angeles, where the last day that is over is 8 June
NIGHTLY = datetime(2025, 6, 10, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))
US, EU = "1111111111", "2222222222"


@pytest.fixture
def meta(httpserver, monkeypatch):
    monkeypatch.setenv("META_ADS_TEST_TOKEN", TOKEN)
    fake = FakeMetaAds(token=TOKEN, now=NIGHTLY)
    fake.accounts = {
        US: FakeAdAccount(US, "USD", "America/Los_Angeles", "Shop US"),
        EU: FakeAdAccount(EU, "EUR", "Europe/Berlin", "Shop EU"),
    }
    fake.install(httpserver)
    return fake


def connector(fake, start=date(2025, 6, 1), accounts=(f"act_{US}", EU), **kw):
    config = MetaAdsConfig(
        name="meta_ads",
        type="meta_ads",
        ad_account_ids=list(accounts),
        access_token="env:META_ADS_TEST_TOKEN",
        base_url=fake.base,
        start_date=start,
        **kw,
    )
    c = MetaAds(config)
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    c.poll_seconds = 0.01
    return c


def run(c, *, state=None, run_date=RUN, moment=NIGHTLY, log=None):
    ctx = ExtractContext(
        run_date=run_date,
        state=state or LandedState(),
        log=log or logging.getLogger("t"),
        moment=moment,
    )
    [batch] = list(c.extract(c.streams[0], ctx))
    return batch


def rows_of(batch) -> dict[tuple, dict]:
    return {(r["account_id"], r["campaign_id"], r["date"]): r for r in batch.records.to_pylist()}


def insights_calls(fake, method="GET"):
    return [r for r in fake.requests if r["method"] == method and r["path"].endswith("/insights")]


def test_two_accounts_land_exact_values_in_their_own_currency(meta):
    meta.add(
        US,
        "120210000000001",
        "Prospecting US",
        date(2025, 6, 3),
        spend_day(
            "12.34",
            1000,
            25,
            actions={"link_click": "25", "omni_purchase": "3", "purchase": "3"},
            values={"omni_purchase": "150.55", "purchase": "150.55"},
        ),
    )
    meta.add(US, "120210000000002", "Retargeting US", date(2025, 6, 3), spend_day("0.1", 7, 0))
    meta.add(
        EU,
        "120220000000001",
        "Prospecting EU",
        date(2025, 6, 8),
        spend_day(
            "1234567.891234",
            250000,
            4100,
            actions={"omni_purchase": "2.5"},
            values={"omni_purchase": "99.999999"},
        ),
    )
    meta.add(EU, "120220000000001", "Prospecting EU", date(2025, 6, 9), spend_day("5", 10, 1))
    c = connector(meta)
    batch = run(c)
    rows = rows_of(batch)
    us = rows[(US, "120210000000001", date(2025, 6, 3))]
    assert us["currency"] == "USD" and us["campaign_name"] == "Prospecting US"
    assert us["spend"] == Decimal("12.34") and us["impressions"] == 1000 and us["clicks"] == 25
    # omni_purchase only: purchase (a part of it) and link clicks are not conversions
    assert us["conversions"] == 3.0 and us["conversion_value"] == Decimal("150.55")
    quiet = rows[(US, "120210000000002", date(2025, 6, 3))]
    assert quiet["spend"] == Decimal("0.1") and quiet["conversions"] == 0
    assert quiet["conversion_value"] == Decimal(0)
    eu = rows[(EU, "120220000000001", date(2025, 6, 8))]
    assert eu["currency"] == "EUR" and eu["spend"] == Decimal("1234567.891234")
    assert eu["conversions"] == 2.5 and eu["conversion_value"] == Decimal("99.999999")
    assert len(rows) == 3  # campaigns without delivery are absent; 9 June is not in the window
    assert batch.window == Window(date(2025, 6, 1), date(2025, 6, 8))
    [account_us, account_eu] = c.ad_accounts(ExtractContext(run_date=RUN, moment=NIGHTLY))
    assert (account_us.time_zone, account_us.name) == ("America/Los_Angeles", "Shop US")
    assert (account_eu.time_zone, account_eu.currency) == ("Europe/Berlin", "EUR")
    [read_us, read_eu] = [
        r for r in meta.requests if r["path"] in (f"/v24.0/act_{US}", f"/v24.0/act_{EU}")
    ]
    assert read_us["args"]["fields"] == "currency,timezone_name,name" and read_eu["method"] == "GET"
    assert c.accounts() == [US, EU]
    calls = insights_calls(meta)
    assert [r["path"] for r in calls] == [f"/v24.0/act_{US}/insights", f"/v24.0/act_{EU}/insights"]
    for call in calls:
        args = call["args"]
        assert args["level"] == "campaign" and args["time_increment"] == "1"
        assert json.loads(args["time_range"]) == {"since": "2025-06-01", "until": "2025-06-08"}
        assert {"spend", "actions", "action_values", "campaign_name"} <= set(
            args["fields"].split(",")
        )


def test_configured_action_types_are_added_up(meta):
    meta.add(
        US,
        "1",
        "Leads",
        date(2025, 6, 2),
        spend_day(
            "40.00",
            3000,
            90,
            actions={
                "offsite_conversion.fb_pixel_lead": "4",
                "onsite_conversion.lead_grouped": "2",
                "omni_purchase": "1",
            },
            values={"offsite_conversion.fb_pixel_lead": "40.50", "omni_purchase": "80"},
        ),
    )
    types = ["offsite_conversion.fb_pixel_lead", "onsite_conversion.lead_grouped"]
    rows = rows_of(run(connector(meta, accounts=[US], conversion_action_types=types)))
    row = rows[(US, "1", date(2025, 6, 2))]
    assert row["conversions"] == 6.0 and row["conversion_value"] == Decimal("40.50")


def test_the_window_ends_at_the_last_day_over_in_every_account_zone(meta):
    for day in (date(2025, 6, 8), date(2025, 6, 9)):
        meta.add(US, "1", "US", day, spend_day("1", 1, 1))
        meta.add(EU, "2", "EU", day, spend_day("2", 2, 2))
    batch = run(connector(meta))
    days = {(a, d) for a, _, d in rows_of(batch)}
    # 9 June is over in Berlin and Meta would answer it, but not yet in Los Angeles
    assert days == {(US, date(2025, 6, 8)), (EU, date(2025, 6, 8))}
    assert batch.window.end == date(2025, 6, 8)
    # an account in Berlin alone gets 9 June
    batch = run(connector(meta, accounts=[EU]))
    assert batch.window.end == date(2025, 6, 9)
    assert {d for _, _, d in rows_of(batch)} == {date(2025, 6, 8), date(2025, 6, 9)}


def test_insights_are_followed_over_several_pages(meta):
    meta.max_page = 2
    for campaign in ("1", "2", "3"):
        for i in range(8):
            meta.add(US, campaign, f"c{campaign}", date(2025, 6, 1) + timedelta(days=i),
                     spend_day(f"{campaign}.{i}", 100 + i, i))  # fmt: skip
    rows = rows_of(run(connector(meta, accounts=[US])))
    assert len(rows) == 24
    assert rows[(US, "3", date(2025, 6, 8))]["spend"] == Decimal("3.7")
    assert sum(r["impressions"] for r in rows.values()) == 3 * sum(100 + i for i in range(8))
    calls = insights_calls(meta)
    assert len(calls) == 12  # two rows a page
    assert "after" not in calls[0]["args"] and all("after" in r["args"] for r in calls[1:])


def test_a_long_window_goes_through_an_async_report_job(meta, caplog):
    meta.sync_max_days = 31  # Meta refuses this much data synchronously
    meta.job_polls = 3
    meta.max_page = 50
    start = date(2025, 3, 1)
    for i in range(100):
        meta.add(US, "7", "Always on", start + timedelta(days=i), spend_day("10.01", 500, 5))
        meta.add(EU, "8", "Always on EU", start + timedelta(days=i), spend_day("2.5", 50, 1))
    with caplog.at_level(logging.INFO):
        batch = run(connector(meta, start=start))
    rows = rows_of(batch)
    days = (date(2025, 6, 8) - start).days + 1
    assert len(rows) == 2 * days  # both accounts, every day of the window
    us_spend = sum(r["spend"] for (account, _, _), r in rows.items() if account == US)
    assert us_spend == Decimal("10.01") * days
    assert rows[(EU, "8", date(2025, 6, 8))]["spend"] == Decimal("2.5")
    posts = insights_calls(meta, "POST")
    assert [r["path"] for r in posts] == [f"/v24.0/act_{US}/insights", f"/v24.0/act_{EU}/insights"]
    assert json.loads(posts[0]["args"]["time_range"]) == {
        "since": "2025-03-01",
        "until": "2025-06-08",
    }
    assert posts[0]["args"]["level"] == "campaign" and posts[0]["args"]["time_increment"] == "1"
    [job_us, job_eu] = meta.jobs.values()
    # Not Started, Running x 3, Completed: polled until done, results read after
    assert job_us.polls == 5 and job_eu.polls == 5
    results = [r for r in meta.requests if r["path"] == f"/v24.0/{job_us.id}/insights"]
    assert len(results) == 2  # 100 rows, 50 a page
    assert not [r for r in insights_calls(meta) if "act_" in r["path"]]  # no synchronous call
    assert f"report job {job_us.id}" in caplog.text and "Job Running" in caplog.text


def test_a_window_of_async_after_days_is_read_synchronously(meta):
    meta.add(US, "7", "Always on", date(2025, 4, 25), spend_day("1", 1, 1))
    rows = rows_of(run(connector(meta, start=date(2025, 4, 25), accounts=[US])))  # 45 days
    assert list(rows) == [(US, "7", date(2025, 4, 25))]
    assert not meta.jobs and len(insights_calls(meta)) == 1


def test_a_failed_report_job_is_a_clear_error(meta):
    meta.job_outcome = "Job Failed"
    meta.add(US, "7", "Always on", date(2025, 3, 1), spend_day("1", 1, 1))
    with pytest.raises(TransientError) as e:
        run(connector(meta, start=date(2025, 3, 1), accounts=[US]))
    [job] = meta.jobs.values()
    message = str(e.value)
    assert message.startswith("source meta_ads:")
    assert f"account act_{US}" in message and f"report job {job.id}" in message
    assert "'Job Failed'" in message
    assert not [r for r in meta.requests if r["path"].endswith(f"{job.id}/insights")]


def test_a_report_job_that_never_finishes_times_out_with_a_clear_error(meta):
    meta.job_outcome = None  # "Job Running" for ever
    c = connector(meta, start=date(2025, 3, 1), accounts=[US], async_timeout_seconds=0.3)
    c.poll_seconds = 0.05
    started = datetime.now(UTC)
    with pytest.raises(TransientError) as e:
        run(c)
    assert datetime.now(UTC) - started < timedelta(seconds=5)
    [job] = meta.jobs.values()
    message = str(e.value)
    assert f"report job {job.id}" in message and f"act_{US}" in message
    assert "still 'Job Running'" in message and "async_timeout_seconds (0.3 s)" in message
    assert job.polls >= 3  # it did poll until the limit


def test_throttled_insights_wait_and_then_succeed(meta, caplog):
    meta.add(US, "7", "Always on", date(2025, 6, 2), spend_day("3.21", 30, 3))
    meta.throttle_next = [80004, 17]  # the insights call is refused twice
    with caplog.at_level(logging.WARNING):
        rows = rows_of(run(connector(meta, accounts=[US])))
    assert rows[(US, "7", date(2025, 6, 2))]["spend"] == Decimal("3.21")
    assert caplog.text.count("throttled by the platform") == 2
    assert "There have been too many calls to this ad-account" in caplog.text
    assert "Graph API usage at 100 %" in caplog.text  # X-Business-Use-Case-Usage read
    assert len(insights_calls(meta)) == 3


def test_throttling_that_does_not_end_fails_clearly(meta):
    meta.add(US, "7", "Always on", date(2025, 6, 2), spend_day("3.21", 30, 3))
    meta.throttle_next = [80004] * 5
    with pytest.raises(TransientError, match=r"source meta_ads: .*kept throttling.*80004"):
        run(connector(meta, accounts=[US]))
    assert len(insights_calls(meta)) == 3  # the first try and two retries


def test_a_restated_day_lands_its_new_values(meta):
    day = date(2025, 6, 3)
    meta.add(US, "7", "Always on", day, spend_day("10.00", 900, 9, actions={"omni_purchase": "1"},
             values={"omni_purchase": "50"}))  # fmt: skip
    first = run(connector(meta, accounts=[US]))
    assert rows_of(first)[(US, "7", day)]["conversions"] == 1
    # a day later Meta has attributed two more purchases to 3 June, and corrected the spend
    meta.add(US, "7", "Always on", day, spend_day("10.05", 900, 9, actions={"omni_purchase": "3"},
             values={"omni_purchase": "150.25"}))  # fmt: skip
    meta.now = NIGHTLY + timedelta(days=1)
    second = run(
        connector(meta, accounts=[US]),
        state=LandedState(windows=(first.window,)),
        run_date=RUN + timedelta(days=1),
        moment=meta.now,
    )
    # the 30-day lookback reaches back past 3 June (to start_date)
    assert second.window == Window(date(2025, 6, 1), date(2025, 6, 9))
    row = rows_of(second)[(US, "7", day)]
    assert row["spend"] == Decimal("10.05") and row["conversions"] == 3
    assert row["conversion_value"] == Decimal("150.25")


def test_the_lookback_is_thirty_days_by_default(meta):
    state = LandedState(windows=(Window(date(2025, 1, 1), date(2025, 6, 1)),))
    batch = run(connector(meta, start=date(2025, 1, 1), accounts=[US]), state=state)
    assert batch.window.start == date(2025, 5, 2)
    # 38 days: a night after a week's pause, still asked directly (async_after_days 45)
    [call] = insights_calls(meta)
    assert not meta.jobs
    assert json.loads(call["args"]["time_range"])["since"] == "2025-05-02"


def test_days_beyond_37_months_are_not_asked_for(meta, caplog):
    meta.job_polls = 0
    earliest = date(2025, 6, 8) - timedelta(days=HISTORY_DAYS - 1)
    meta.add(US, "7", "Always on", earliest, spend_day("1", 1, 1))
    with caplog.at_level(logging.WARNING):
        batch = run(connector(meta, start=date(2021, 1, 1), accounts=[US]))
    assert "37 months only" in caplog.text and "start_date 2021-01-01" in caplog.text
    assert caplog.text.count("37 months only") == 1
    [post] = insights_calls(meta, "POST")
    since = json.loads(post["args"]["time_range"])["since"]
    assert since == earliest.isoformat() == "2022-05-13"
    # 37 calendar months before the run date is 10 May 2022: never asked for anything earlier
    assert date.fromisoformat(since) >= date(2022, 5, 10)
    # the batch still covers the whole window, so the next run does not start over
    assert batch.window == Window(date(2021, 1, 1), date(2025, 6, 8))
    assert list(rows_of(batch)) == [(US, "7", earliest)]


def test_a_backfill_entirely_beyond_37_months_asks_nothing(meta):
    meta.add(US, "7", "Old", date(2021, 6, 1), spend_day("1", 1, 1))
    c = connector(meta, start=date(2021, 1, 1), accounts=[US])
    backfill = Window(date(2021, 1, 1), date(2021, 12, 31))
    ctx = ExtractContext(run_date=RUN, moment=NIGHTLY, override=backfill)
    [batch] = list(c.extract(c.streams[0], ctx))
    assert batch.records.num_rows == 0 and batch.window == backfill
    assert not insights_calls(meta) and not insights_calls(meta, "POST")


def test_account_ids_are_stored_as_digits_and_checked(meta):
    c = connector(meta, accounts=["act_1111111111", " 2222222222 "])
    assert c.config.ad_account_ids == [US, EU]
    with pytest.raises(ValidationError, match="must be the account's number"):
        connector(meta, accounts=["shop-us"])
    with pytest.raises(ValidationError, match="listed more than once"):
        connector(meta, accounts=[US, f"act_{US}"])
    with pytest.raises(ValidationError, match="env:NAME"):
        MetaAdsConfig(name="m", ad_account_ids=[US], access_token=TOKEN)


def test_an_unknown_account_fails_naming_it(meta):
    with pytest.raises(RequestError, match=r"act_3333333333.*does not exist"):
        run(connector(meta, accounts=["3333333333"]))


def test_the_token_is_found_nowhere(meta, caplog):
    """The token travels in headers and in Meta's next-page links; it must reach no log line,
    no error and no landed record."""
    meta.max_page = 1
    meta.throttle_next = [80004]
    meta.token_info[TOKEN] = token_info(expires_at=NIGHTLY + timedelta(days=3))
    for i in range(3):
        meta.add(US, str(i), f"c{i}", date(2025, 6, 2), spend_day("1", 1, 1))
        meta.add(US, str(i), f"c{i}", date(2025, 3, 2), spend_day("1", 1, 1))
    log = logging.getLogger("canary")
    errors = []
    with caplog.at_level(logging.INFO):
        batch = run(connector(meta, accounts=[US]), log=log)
        assert any("access_token" in r["args"] for r in meta.requests)  # next links carry it
        meta.job_outcome = "Job Failed"
        with pytest.raises(TransientError) as failed:
            run(connector(meta, start=date(2025, 3, 1), accounts=[US]), log=log)
        errors.append(failed.value)
        meta.job_outcome = "Job Completed"
        meta.token_info[TOKEN] = token_info(expires_at=NIGHTLY - timedelta(days=1))
        with pytest.raises(AuthError) as expired:
            run(connector(meta, accounts=[US]), log=log)
        errors.append(expired.value)
        meta.refuse_debug_token = True  # the data call itself answers 190
        with pytest.raises(AuthError) as refused:
            run(connector(meta, accounts=[US]), log=log)
        errors.append(refused.value)
        # a second page (its URL carries the token) throttled beyond every retry
        meta.token_info.clear()
        meta.throttle_after, meta.throttle_next = 1, [80004] * 3
        with pytest.raises(TransientError) as throttled:
            run(connector(meta, accounts=[US]), log=log)
        errors.append(throttled.value)
        assert "access_token" in meta.requests[-1]["args"]
    assert batch.records.num_rows == 3
    assert "report job" in caplog.text
    # what our code logs (werkzeug's lines are the fake Meta server's own access log)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "expires on" in ours and TOKEN not in ours
    assert all(TOKEN not in str(e) and TOKEN not in repr(e.args) for e in errors)
    assert TOKEN not in json.dumps(batch.records.to_pylist(), default=str)


def test_a_token_expiring_within_14_days_is_warned_about(meta, caplog):
    meta.token_info[TOKEN] = token_info(expires_at=datetime(2025, 6, 20, 0, tzinfo=UTC))
    meta.add(US, "7", "Always on", date(2025, 6, 2), spend_day("3", 3, 3))
    c = connector(meta, accounts=[US])
    assert c.token_expiry() is None  # nothing known before the run
    with caplog.at_level(logging.WARNING):
        rows = rows_of(run(c))
    assert rows[(US, "7", date(2025, 6, 2))]["spend"] == Decimal(3)
    [warning] = [r for r in caplog.records if "expires on" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "access token expires on 2025-06-20 (10 days from now)" in warning.getMessage()
    assert "ads_read" in warning.getMessage()
    assert c.token_expiry() == TokenExpiry(
        "long-lived token", datetime(2025, 6, 20, tzinfo=UTC), renews_itself=False
    )
    assert len(meta.token_checks) == 1
    assert meta.token_checks[0]["args"]["input_token"] == TOKEN


def test_an_expired_token_stops_the_run_before_anything_is_extracted(meta):
    meta.token_info[TOKEN] = token_info(expires_at=datetime(2025, 6, 1, 12, tzinfo=UTC))
    meta.add(US, "7", "Always on", date(2025, 6, 2), spend_day("3", 3, 3))
    c = connector(meta, accounts=[US])
    with pytest.raises(AuthError) as e:
        run(c)
    assert "no longer valid (expired 2025-06-01 12:00 UTC)" in str(e.value)
    assert c.token_expiry().expires_at == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert "ads_read" in str(e.value) and "system user" in str(e.value)
    assert meta.requests == []  # neither the accounts nor their insights were read


def test_a_token_that_never_expires(meta, caplog):
    meta.token_info[TOKEN] = token_info(expires_at=0)
    c = connector(meta, accounts=[US])
    with caplog.at_level(logging.WARNING):
        run(c)
    assert "expires" not in caplog.text
    assert c.token_expiry() == TokenExpiry("long-lived token", None, renews_itself=False)


def test_demo_campaigns_in_the_profile_currency(meta):
    c = connector(meta, accounts=[US])
    ctx = ExtractContext(run_date=date(2025, 11, 3), state=LandedState())
    [batch] = list(c.demo(c.streams[0], ctx))
    rows = batch.records.to_pylist()
    assert {r["currency"] for r in rows} == {"EUR"} and {r["account_id"] for r in rows} == {US}
    names = {r["campaign_name"] for r in rows if r["date"] == date(2025, 11, 2)}
    assert names == {"prospecting", "retargeting", "black_friday"}
    assert {r["campaign_name"] for r in rows if r["date"] == date(2025, 6, 1)} == {
        "prospecting",
        "retargeting",
    }
    assert meta.requests == [] and meta.token_checks == []
