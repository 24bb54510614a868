"""LinkedIn Ads connector against a local Advertising API (tests/fakes/linkedin_ads.py)."""

from __future__ import annotations

import logging
import time as clock
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests
from pydantic import ValidationError

from connectors.base import ExtractContext, LandedState, Window
from connectors.http import AuthError, RequestError, RetryPolicy, TransientError
from connectors.linkedin_ads import (
    ANALYTICS_FIELDS,
    LinkedInAds,
    LinkedInAdsConfig,
    analytics_path,
)
from tests.fakes.linkedin_ads import FakeCampaign, FakeLinkedInAds
from tests.fakes.oauth import FakeTokenEndpoint

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
RUN = date(2026, 12, 1)
NIGHTLY = datetime(2026, 12, 1, 2, tzinfo=COPENHAGEN)  # 01:00 UTC: 30 November is over
ACCESS = "canary-li-ads-access-5f1e9a"
CLIENT_ID = "canary-li-ads-client-3c8d12"
SECRET = "canary-li-ads-secret-0b9e44"
REFRESH = "canary-li-ads-refresh-77c2d0"
RENEWED = "renewed-access-token-0001-x9k2"  # the first token FakeTokenEndpoint issues
YEAR = 365 * 86400


@pytest.fixture
def ads(httpserver, monkeypatch):
    monkeypatch.setenv("LI_ADS_TOKEN", ACCESS)
    monkeypatch.setenv("LI_ADS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("LI_ADS_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("LI_ADS_REFRESH", REFRESH)
    fake = FakeLinkedInAds(now=NIGHTLY, token=ACCESS)
    fake.url = fake.install(httpserver)
    return fake


@pytest.fixture
def endpoint(httpserver, ads):
    """LinkedIn's token endpoint; the API accepts what it issues and no longer the env token."""
    token_endpoint = FakeTokenEndpoint(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        refresh_token=REFRESH,
        path="/oauth/v2/accessToken",
        expires_in=60 * 86400,
        refresh_token_expires_in=YEAR,
    )
    token_endpoint.url = token_endpoint.install(httpserver)
    ads.oauth, ads.token = token_endpoint, None
    return token_endpoint


def connector(fake, start, accounts=("508001",), oauth=None, **kw) -> LinkedInAds:
    config = LinkedInAdsConfig(
        name="linkedin_ads",
        type="linkedin_ads",
        ad_account_ids=list(accounts),
        access_token="env:LI_ADS_TOKEN",
        oauth=oauth,
        base_url=fake.url,
        start_date=start,
        **kw,
    )
    c = LinkedInAds(config)
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def oauth_keys(endpoint, refresh="env:LI_ADS_REFRESH") -> dict:
    return {
        "client_id": "env:LI_ADS_CLIENT_ID",
        "client_secret": "env:LI_ADS_CLIENT_SECRET",
        "refresh_token": refresh,
        "token_url": endpoint.url,
    }


def run(c, *, run_date=RUN, moment=NIGHTLY, state=None, log=None, override=None) -> list[dict]:
    ctx = ExtractContext(
        run_date=run_date,
        state=state or LandedState(),
        log=log or logging.getLogger("t"),
        moment=moment,
        override=override,
    )
    [batch] = list(c.extract(c.streams[0], ctx))
    return batch.records.to_pylist()


def day(n: int, month: int = 11) -> date:
    return date(2026, month, n)


def numbers(cost="0", impressions=0, clicks=0, conversions=0, value="0") -> dict:
    return {
        "costInLocalCurrency": cost,
        "impressions": impressions,
        "clicks": clicks,
        "externalWebsiteConversions": conversions,
        "conversionValueInLocalCurrency": value,
    }


def two_accounts(fake):
    us = fake.account("508001", "USD", "Acme US")
    us.campaigns = [
        FakeCampaign("9001", "Brand awareness", "ACTIVE"),
        FakeCampaign("9002", "Lead gen Q4", "PAUSED"),
        FakeCampaign("9003", "Retargeting 2025", "ARCHIVED"),
        FakeCampaign("9004", "Webinar October", "COMPLETED"),
        FakeCampaign("9005", "Test", "REMOVED"),
    ]
    us.days = {
        ("9001", day(3)): numbers("1234.56", 50_000, 400, 12, "3600.00"),
        ("9003", day(3)): numbers("2.4761904761904763", 301, 1, 0, "0"),
        ("9002", day(30)): numbers("0.10", 20, 0, 0, "0"),
    }
    de = fake.account("508002", "EUR", "Acme DE")
    de.campaigns = [FakeCampaign("9101", "Messe München")]
    de.days = {
        ("9101", day(29)): numbers("99.99", 1500, 31, 3, "1234.5"),
        ("9999", day(29)): numbers("5.00", 10, 1, 0, "0"),  # the search does not know it
    }


def test_two_accounts_land_exact_amounts_in_their_own_currencies_with_campaign_names(ads, caplog):
    two_accounts(ads)
    ads.page_size_cap = 2  # five campaigns: three pages
    c = connector(ads, day(1), accounts=("508001", "urn:li:sponsoredAccount:508002"))
    with caplog.at_level(logging.INFO):
        rows = run(c)
    by = {(r["account_id"], r["campaign_id"], r["date"]): r for r in rows}
    assert len(rows) == 5
    assert by[("508001", "9001", day(3))] == {
        "account_id": "508001",
        "campaign_id": "9001",
        "campaign_name": "Brand awareness",
        "date": day(3),
        "currency": "USD",
        "spend": Decimal("1234.56"),
        "impressions": 50_000,
        "clicks": 400,
        "conversions": 12.0,
        "conversion_value": Decimal("3600.00"),
    }
    archived = by[("508001", "9003", day(3))]
    # LinkedIn's computed costs run to 16 decimals: landed exact to the micro
    assert archived["spend"] == Decimal("2.476190") and archived["campaign_name"] == (
        "Retargeting 2025"
    )
    assert by[("508001", "9002", day(30))]["spend"] == Decimal("0.10")
    assert by[("508001", "9002", day(30))]["campaign_name"] == "Lead gen Q4"
    euro = by[("508002", "9101", day(29))]
    assert (euro["currency"], euro["campaign_name"]) == ("EUR", "Messe München")
    assert (euro["spend"], euro["conversion_value"]) == (Decimal("99.99"), Decimal("1234.5"))
    assert (euro["impressions"], euro["clicks"], euro["conversions"]) == (1500, 31, 3.0)
    unknown = by[("508002", "9999", day(29))]
    assert unknown["campaign_name"] == "9999" and unknown["currency"] == "EUR"
    assert "1 campaign(s) with delivery that the campaign search did not return (9999)" in (
        caplog.text
    )
    assert "account 508001 in USD, UTC, account 508002 in EUR, UTC" in caplog.text
    searches = [r for r in ads.requests if r["path"] == "/rest/adAccounts/508001/adCampaigns"]
    assert len(searches) == 3
    assert "pageToken=" not in searches[0]["query"]
    assert all("pageToken=" in r["query"] for r in searches[1:])
    assert all(
        r["headers"]["Linkedin-Version"] == "202510"
        and r["headers"]["X-Restli-Protocol-Version"] == "2.0.0"
        for r in ads.requests
    )


def test_the_analytics_request_is_restli_encoded(ads):
    two_accounts(ads)
    run(connector(ads, day(1), accounts=("508001", "508002")))
    first, second = ads.analytics_calls
    assert (first["start"], first["end"], first["accounts"]) == (day(1), day(30), ["508001"])
    assert second["accounts"] == ["508002"]
    assert (first["q"], first["pivot"], first["timeGranularity"]) == (
        "analytics",
        "CAMPAIGN",
        "DAILY",
    )
    assert set(first["fields"]) == {
        "dateRange",
        "pivotValues",
        "costInLocalCurrency",
        "impressions",
        "clicks",
        "externalWebsiteConversions",
        "conversionValueInLocalCurrency",
    }
    assert len(first["fields"]) <= 20
    query = next(r["query"] for r in ads.requests if r["path"] == "/rest/adAnalytics")
    assert "accounts=List(urn%3Ali%3AsponsoredAccount%3A508001)" in query
    assert "dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:30))" in query
    search = next(r["query"] for r in ads.requests if r["path"].endswith("/adCampaigns"))
    assert "q=search" in search and "pageSize=1000" in search
    assert (
        "search=(status:(values:List(ACTIVE,PAUSED,ARCHIVED,COMPLETED,CANCELED,DRAFT,"
        "PENDING_DELETION,REMOVED)))" in search
    )


def test_the_fake_refuses_what_linkedin_refuses(ads):
    """The fake is as strict as the checks above rely on."""
    ads.account("508001", "USD")
    headers = {
        "Authorization": f"Bearer {ACCESS}",
        "LinkedIn-Version": "202510",
        "X-Restli-Protocol-Version": "2.0.0",
    }
    fields = ",".join(ANALYTICS_FIELDS)
    dates = "(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:2))"
    base = f"{ads.url}/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
    good = f"{base}&dateRange={dates}&accounts=List(urn%3Ali%3AsponsoredAccount%3A508001)"
    assert requests.get(f"{good}&fields={fields}", headers=headers).status_code == 200
    raw_urn = f"{base}&dateRange={dates}&accounts=List(urn:li:sponsoredAccount:508001)"
    assert requests.get(f"{raw_urn}&fields={fields}", headers=headers).status_code == 400
    many = ",".join((*ANALYTICS_FIELDS, *sorted(ads_fields_beyond(14))))
    assert len(many.split(",")) == 21
    assert requests.get(f"{good}&fields={many}", headers=headers).status_code == 400
    unversioned = {k: v for k, v in headers.items() if k != "LinkedIn-Version"}
    assert requests.get(f"{good}&fields={fields}", headers=unversioned).status_code == 426
    stranger = {**headers, "Authorization": "Bearer someone-else"}
    assert requests.get(f"{good}&fields={fields}", headers=stranger).status_code == 401
    with pytest.raises(ValueError, match="at most 20 fields"):
        analytics_path(
            "508001", Window(day(1), day(2)), (*ANALYTICS_FIELDS, *ads_fields_beyond(14))
        )


def ads_fields_beyond(n: int) -> list[str]:
    from tests.fakes.linkedin_ads import KNOWN_FIELDS

    return sorted(KNOWN_FIELDS - set(ANALYTICS_FIELDS))[:n]


def test_a_long_window_is_read_30_days_at_a_time(ads):
    account = ads.account("508001", "USD")
    account.campaigns = [FakeCampaign("9001", "Always on")]
    start = date(2026, 8, 18)  # 105 days to 30 November
    account.days = {("9001", d): numbers("1.00", 10, 1) for d in Window(start, day(30)).days()}
    rows = run(connector(ads, start))
    assert [(c["start"], c["end"]) for c in ads.analytics_calls] == [
        (date(2026, 8, 18), date(2026, 9, 16)),
        (date(2026, 9, 17), date(2026, 10, 16)),
        (date(2026, 10, 17), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 30)),
    ]
    assert sorted(r["date"] for r in rows) == list(Window(start, day(30)).days())
    assert sum(r["spend"] for r in rows) == Decimal("105.00")


def test_many_campaigns_shrink_the_requests_under_linkedins_element_cap(ads):
    """600 campaigns running in November: 24 days × 600 stays under 15,000 elements."""
    account = ads.account("508001", "USD")
    live = [FakeCampaign(str(10_000 + i), f"c{i}", starts=day(1, 10)) for i in range(600)]
    # 50 more that ended in September do not count (650 would make it 23 days)
    ended = [
        FakeCampaign(str(20_000 + i), f"e{i}", "COMPLETED", starts=day(1, 8), ends=day(30, 9))
        for i in range(50)
    ]
    account.campaigns = live + ended
    account.days = {
        (c.id, d): numbers("0.50", 5, 1) for c in live for d in Window(day(1), day(30)).days()
    }
    rows = run(connector(ads, day(1)))
    assert [(c["start"], c["end"]) for c in ads.analytics_calls] == [
        (day(1), day(24)),
        (day(25), day(30)),
    ]
    assert len(rows) == 18_000
    assert len({(r["campaign_id"], r["date"]) for r in rows}) == 18_000
    assert sum(r["spend"] for r in rows) == Decimal("9000.00")


def test_a_full_answer_is_asked_again_in_halves_because_linkedin_cuts_it_silently(ads, caplog):
    """Campaigns the search does not know cannot size the requests: the 30-day answer comes
    back with exactly 15,000 elements (of 18,000), and the range is split."""
    account = ads.account("508001", "USD")
    account.days = {
        (str(10_000 + i), d): numbers("0.25", 5, 1)
        for i in range(600)
        for d in Window(day(1), day(30)).days()
    }
    with caplog.at_level(logging.INFO):
        rows = run(connector(ads, day(1)))
    assert [(c["start"], c["end"]) for c in ads.analytics_calls] == [
        (day(1), day(30)),
        (day(1), day(15)),
        (day(16), day(30)),
    ]
    assert len({(r["campaign_id"], r["date"]) for r in rows}) == len(rows) == 18_000
    assert sum(r["spend"] for r in rows) == Decimal("4500.00")
    assert "15,000 campaign rows for 2026-11-01..2026-11-30" in caplog.text


def test_a_single_day_at_the_cap_fails_with_a_clear_error(ads):
    account = ads.account("508001", "USD")
    account.days = {(str(100_000 + i), day(30)): numbers("1.00") for i in range(15_000)}
    with pytest.raises(RequestError, match=r"15,000 campaign rows for ad account 508001 on "):
        run(connector(ads, day(30)))


def test_throttling_is_waited_out_then_the_answer_lands(ads):
    ads.account("508001", "USD").days = {("9001", day(5)): numbers("10.00", 100, 3)}
    ads.throttle, ads.retry_after = 2, "1"
    began = clock.monotonic()
    rows = run(connector(ads, day(1)))
    assert clock.monotonic() - began >= 1.9  # LinkedIn's Retry-After was honoured, twice
    assert [(r["date"], r["spend"]) for r in rows] == [(day(5), Decimal("10.00"))]
    assert sum(r["path"] == "/rest/adAnalytics" for r in ads.requests) == 3


def test_throttling_that_outlasts_the_retries_fails_as_transient(ads):
    ads.account("508001", "USD")
    ads.throttle = 10
    with pytest.raises(TransientError, match="returned 429"):
        run(connector(ads, day(1)))
    assert sum(r["path"] == "/rest/adAnalytics" for r in ads.requests) == 3  # 1 + 2 retries


def test_an_expired_access_token_is_renewed_through_linkedins_token_endpoint(ads, endpoint):
    ads.account("508001", "USD").days = {("9001", day(7)): numbers("42.00", 900, 9, 1, "90")}
    c = connector(ads, day(1), oauth=oauth_keys(endpoint))
    rows = run(c)
    assert [(r["date"], r["spend"], r["conversion_value"]) for r in rows] == [
        (day(7), Decimal("42.00"), Decimal("90"))
    ]
    [refresh] = endpoint.requests
    assert refresh["content_type"].startswith("application/x-www-form-urlencoded")
    assert refresh["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    refused, retried, *rest = ads.requests
    assert refused["authorization"] == f"Bearer {ACCESS}"
    assert (retried["path"], retried["authorization"]) == (refused["path"], f"Bearer {RENEWED}")
    assert rest and all(r["authorization"] == f"Bearer {RENEWED}" for r in rest)
    expiry = c.token_expiry()
    assert (expiry.kind, expiry.renews_itself) == ("refresh token", True)
    expected = datetime.now(UTC) + timedelta(seconds=YEAR)
    assert abs(expiry.expires_at - expected) < timedelta(minutes=1)


def test_oauth_without_an_access_token_fetches_one_first(ads, endpoint, monkeypatch):
    ads.account("508001", "USD").days = {("9001", day(7)): numbers("1.00")}
    config = LinkedInAdsConfig(
        name="linkedin_ads",
        type="linkedin_ads",
        ad_account_ids=["508001"],
        oauth=oauth_keys(endpoint),
        base_url=ads.url,
        start_date=day(1),
    )
    rows = run(LinkedInAds(config))
    assert [r["spend"] for r in rows] == [Decimal("1.00")]
    assert len(endpoint.requests) == 1
    assert {r["authorization"] for r in ads.requests} == {f"Bearer {RENEWED}"}


def test_a_restated_day_lands_its_new_numbers_on_the_next_run(ads):
    account = ads.account("508001", "USD")
    account.campaigns = [FakeCampaign("9001", "Always on")]
    account.days = {
        ("9001", date(2026, 10, 25)): numbers("80.00", 800, 8, 1, "100.00"),
        ("9001", day(20)): numbers("100.00", 1000, 10, 2, "200.00"),
    }
    first = run(connector(ads, date(2026, 10, 1)))
    assert {r["date"]: r["conversions"] for r in first} == {date(2026, 10, 25): 1.0, day(20): 2.0}
    # conversions attributed late: LinkedIn restates the 20th
    account.days[("9001", day(20))] = numbers("100.00", 1000, 10, 5, "650.00")
    ads.now = datetime(2026, 12, 3, 2, tzinfo=COPENHAGEN)
    ads.analytics_calls.clear()
    landed = LandedState(windows=(Window(date(2026, 10, 1), day(30)),))
    second = run(
        connector(ads, date(2026, 10, 1)),
        run_date=date(2026, 12, 3),
        moment=ads.now,
        state=landed,
    )
    # 30 days of lookback from the last landed day: 31 October to 2 December
    assert [(c["start"], c["end"]) for c in ads.analytics_calls] == [
        (date(2026, 10, 31), day(29)),
        (day(30), date(2026, 12, 2)),
    ]
    [restated] = second
    assert (restated["date"], restated["conversions"], restated["conversion_value"]) == (
        day(20),
        5.0,
        Decimal("650.00"),
    )


def test_the_window_ends_at_the_last_complete_utc_day(ads):
    account = ads.account("508001", "USD")
    account.days = {("9001", d): numbers("1.00") for d in Window(day(27), day(30)).days()}
    # 00:30 in Copenhagen: its 30 November is over, LinkedIn's (UTC) is not
    early = datetime(2026, 12, 1, 0, 30, tzinfo=COPENHAGEN)
    ads.now = early
    rows = run(connector(ads, day(27)), moment=early)
    assert ads.analytics_calls[-1]["end"] == day(29)
    assert max(r["date"] for r in rows) == day(29)
    # an hour later it is over in UTC too
    later = datetime(2026, 12, 1, 1, 30, tzinfo=COPENHAGEN)
    ads.now = later
    rows = run(connector(ads, day(27)), moment=later)
    assert ads.analytics_calls[-1]["end"] == day(30)
    assert max(r["date"] for r in rows) == day(30)


def test_days_beyond_linkedins_two_years_are_not_asked_for(ads, caplog):
    ads.account("508001", "USD").days = {
        ("9001", date(2024, 12, 1)): numbers("3.00"),
        ("9001", date(2024, 11, 30)): numbers("4.00"),
    }
    ads.account("508002", "EUR")
    c = connector(ads, date(2024, 6, 1), accounts=("508001", "508002"))
    with caplog.at_level(logging.WARNING):
        rows = run(c)
    assert caplog.text.count("daily ad analytics for about two years") == 1
    assert "days before 2024-12-01 (start_date 2024-06-01)" in caplog.text
    assert min(c["start"] for c in ads.analytics_calls) == date(2024, 12, 1)
    assert [(r["date"], r["spend"]) for r in rows] == [(date(2024, 12, 1), Decimal("3.00"))]
    # a backfill wholly before then reads no analytics at all
    ads.analytics_calls.clear()
    old = Window(date(2024, 6, 1), date(2024, 9, 30))
    assert run(connector(ads, date(2024, 6, 1)), override=old) == []
    assert ads.analytics_calls == []


def test_no_secret_reaches_logs_errors_or_records(ads, endpoint, httpserver, caplog):
    ads.echo_token = True  # a careless platform repeating the token in its errors
    two_accounts(ads)
    caplog.set_level(logging.DEBUG)
    both = ("508001", "508002")
    rows = run(connector(ads, day(1), accounts=both, oauth=oauth_keys(endpoint)))
    assert len(rows) == 5
    landed = str(rows)
    # a refused ad account: 403 with the token repeated in its message
    ads.forbidden = {"508002"}
    with pytest.raises(AuthError) as refused:
        run(connector(ads, day(1), accounts=both, oauth=oauth_keys(endpoint)))
    message = str(refused.value)
    assert "returned 403" in message and "r_ads_reporting" in message
    # a revoked refresh token: the token endpoint refuses, after a 401 that repeated the token
    canaries = (ACCESS, CLIENT_ID, SECRET, REFRESH, *endpoint.issued)
    assert len(endpoint.issued) == 2 and RENEWED in canaries
    endpoint.issued.clear()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LI_ADS_REFRESH_OLD", "canary-li-ads-revoked-refresh-aa41")
        with pytest.raises(AuthError) as revoked:
            run(connector(ads, day(1), oauth=oauth_keys(endpoint, "env:LI_ADS_REFRESH_OLD")))
    assert "refused to renew the access token (400: Token has been expired or revoked" in str(
        revoked.value
    )
    assert "access token refused (401); renewing it" in caplog.text
    everything = "\n".join((caplog.text, landed, message, str(revoked.value)))
    for canary in (*canaries, "canary-li-ads-revoked-refresh-aa41"):
        assert canary not in everything, canary
    assert "***" in message  # the echoed token was there, and was masked


def test_config_accepts_urns_and_refuses_what_cannot_work():
    config = LinkedInAdsConfig(
        name="li",
        type="linkedin_ads",
        ad_account_ids=[508001, "urn:li:sponsoredAccount:508002"],
        access_token="env:T",
    )
    assert config.ad_account_ids == ["508001", "508002"]
    assert (config.api_version, config.lookback_days) == ("202510", 30)
    assert LinkedInAds(config).accounts() == ["508001", "508002"]
    with pytest.raises(ValidationError, match="neither access_token nor oauth is given"):
        LinkedInAdsConfig(name="li", type="linkedin_ads", ad_account_ids=["1"])
    with pytest.raises(ValidationError, match="is not a LinkedIn ad account id"):
        LinkedInAdsConfig(
            name="li", type="linkedin_ads", ad_account_ids=["act_123"], access_token="env:T"
        )
    with pytest.raises(ValidationError, match="508001 is listed more than once"):
        LinkedInAdsConfig(
            name="li",
            type="linkedin_ads",
            ad_account_ids=["508001", "urn:li:sponsoredAccount:508001"],
            access_token="env:T",
        )
    with pytest.raises(ValidationError, match="env:NAME"):
        LinkedInAdsConfig(
            name="li", type="linkedin_ads", ad_account_ids=["1"], access_token="AQX-real-token"
        )


def test_demo_campaign_days_follow_the_profile():
    config = LinkedInAdsConfig(
        name="li",
        type="linkedin_ads",
        ad_account_ids=["508001"],
        access_token="env:T",
        start_date=day(29),
    )
    c = LinkedInAds(config)
    ctx = ExtractContext(run_date=date(2026, 12, 2), state=LandedState())
    [batch] = list(c.demo(c.streams[0], ctx))
    rows = batch.records.to_pylist()
    by_day = {}
    for r in rows:
        by_day.setdefault(r["date"], set()).add(r["campaign_name"])
    # the webinar series runs 1 September to 30 November
    assert by_day == {
        day(29): {"b2b_leads", "webinar_series"},
        day(30): {"b2b_leads", "webinar_series"},
        date(2026, 12, 1): {"b2b_leads"},
    }
    assert {(r["account_id"], r["currency"]) for r in rows} == {("508001", "USD")}
    assert all(r["spend"] > 0 and r["spend"] == r["spend"].quantize(Decimal("0.01")) for r in rows)
