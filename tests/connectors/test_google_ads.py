"""The Google Ads connector against a local Google Ads API (REST searchStream wire format)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from connectors.base import ExtractContext, LandedState, Window
from connectors.google_ads import CAMPAIGN_QUERY, GoogleAds, GoogleAdsConfig
from connectors.http import AuthError, QuotaExhausted, RequestError, RetryPolicy, TransientError
from connectors.landing import LandingStore
from tests.fakes.google_ads import FakeAccount, FakeGoogleAds
from tests.fakes.oauth import FakeTokenEndpoint

DEV = "canary-developer-token-Zq81xW3v"
ACCESS = "canary-access-token-7Hk2pQr9"
REFRESH = "canary-refresh-token-Lm93VtXa"
CLIENT_ID = "4711-scorecard.apps.googleusercontent.com"
CLIENT_SECRET = "canary-client-secret-Pw55Ee"
US, EU, MANAGER = "1234567890", "9876543210", "1112223333"
RUN = date(2025, 6, 10)
# 03:00 in Berlin = 01:00 UTC = 21:00 on 9 June in New York: 9 June is over in Berlin only
NIGHTLY = datetime(2025, 6, 10, 3, tzinfo=ZoneInfo("Europe/Berlin"))
JUNE = {d: date(2025, 6, d) for d in range(1, 12)}


@pytest.fixture
def ads(httpserver, monkeypatch):
    for name, value in {
        "GADS_DEV": DEV,
        "GADS_ACCESS": ACCESS,
        "GADS_REFRESH": REFRESH,
        "GADS_CLIENT_ID": CLIENT_ID,
        "GADS_CLIENT_SECRET": CLIENT_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    fake = FakeGoogleAds(developer_token=DEV, now=NIGHTLY, tokens={ACCESS}, manager=MANAGER)
    fake.add(
        FakeAccount(
            US, "USD", "America/New_York", "Acme US", campaigns={"111": "brand", "222": "generic"}
        )
    )
    fake.add(FakeAccount(EU, "EUR", "Europe/Berlin", "Acme DE", campaigns={"333": "marke"}))
    fake.accounts[US].days = {
        ("111", JUNE[1]): {
            "cost_micros": 1_230_000,
            "impressions": 400,
            "clicks": 12,
            "conversions": 1.5,
            "conversions_value": 30.25,
        },
        ("222", JUNE[1]): {"cost_micros": 2_500_000, "impressions": 90},  # no clicks: omitted
        ("111", JUNE[8]): {
            "cost_micros": 990_000,
            "impressions": 50,
            "clicks": 2,
            "conversions": 0.5,
            "conversions_value": 12.345678901,  # a double with more digits than micros
        },
        ("111", JUNE[9]): {"cost_micros": 5_000_000, "impressions": 70, "clicks": 3},
    }
    fake.accounts[EU].days = {
        ("333", JUNE[2]): {
            "cost_micros": 4_560_000,
            "impressions": 1000,
            "clicks": 40,
            "conversions": 3,
            "conversions_value": 199.99,
        },
        ("333", JUNE[9]): {"cost_micros": 1_000_000, "impressions": 10},
    }
    fake.url = fake.install(httpserver)
    return fake


def connector(fake, start=JUNE[1], **overrides):
    values = {
        "name": "search_ads",
        "type": "google_ads",
        "customer_ids": ["123-456-7890", "987-654-3210"],
        "login_customer_id": "111-222-3333",
        "developer_token": "env:GADS_DEV",
        "access_token": "env:GADS_ACCESS",
        "base_url": fake.url,
        "start_date": start,
    } | overrides
    c = GoogleAds(GoogleAdsConfig(**{k: v for k, v in values.items() if v is not None}))
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def context(moment=NIGHTLY, state=None, log=None):
    return ExtractContext(
        run_date=moment.date(),
        state=state or LandedState(),
        log=log or logging.getLogger("t"),
        moment=moment,
    )


def run(c, ctx=None):
    [batch] = list(c.extract(c.streams[0], ctx or context()))
    return batch


def by_key(batch):
    return {(r["account_id"], r["campaign_id"], r["date"]): r for r in batch.records.to_pylist()}


def between(fake, customer):
    """The (start, end) of every campaign query the fake answered for a customer."""
    out = []
    for r in fake.requests:
        if r["customer"] == customer and "FROM campaign" in (r["query"] or ""):
            start, end = r["query"].split("BETWEEN ")[1].split(" AND ")
            out.append((start.strip("'"), end.strip("'")))
    return out


def oauth(token_url, **keys):
    return {
        "client_id": "env:GADS_CLIENT_ID",
        "client_secret": "env:GADS_CLIENT_SECRET",
        "refresh_token": "env:GADS_REFRESH",
        "token_url": token_url,
        **keys,
    }


# ── values, accounts, headers ────────────────────────────────────────────────────────
def test_two_customers_land_exact_values_in_their_own_currency(ads, caplog):
    with caplog.at_level(logging.INFO):
        batch = run(connector(ads))
    rows = by_key(batch)
    assert batch.window == Window(JUNE[1], JUNE[8])
    assert set(rows) == {
        (US, "111", JUNE[1]),
        (US, "222", JUNE[1]),
        (US, "111", JUNE[8]),  # the third row: streamed in the second batch
        (EU, "333", JUNE[2]),
    }
    brand = rows[(US, "111", JUNE[1])]
    assert brand["spend"] == Decimal("1.23") and isinstance(brand["spend"], Decimal)
    assert (brand["impressions"], brand["clicks"], brand["conversions"]) == (400, 12, 1.5)
    assert brand["conversion_value"] == Decimal("30.25")
    assert (brand["campaign_name"], brand["currency"]) == ("brand", "USD")
    generic = rows[(US, "222", JUNE[1])]  # Google left out its zero clicks and conversions
    assert generic["spend"] == Decimal("2.5") and generic["impressions"] == 90
    assert (generic["clicks"], generic["conversions"], generic["conversion_value"]) == (
        0,
        0.0,
        Decimal(0),
    )
    late = rows[(US, "111", JUNE[8])]
    assert (late["spend"], late["conversion_value"]) == (Decimal("0.99"), Decimal("12.345679"))
    german = rows[(EU, "333", JUNE[2])]
    assert (german["currency"], german["spend"], german["conversion_value"]) == (
        "EUR",
        Decimal("4.56"),
        Decimal("199.99"),
    )
    assert german["conversions"] == 3.0 and german["campaign_name"] == "marke"
    assert "account 1234567890 in USD, America/New_York" in caplog.text
    assert "account 9876543210 in EUR, Europe/Berlin" in caplog.text


def test_every_call_carries_the_required_headers_and_queries(ads):
    run(connector(ads))
    assert len(ads.requests) == 4 and ads.answers == [200] * 4
    for r in ads.requests:
        assert r["headers"]["Developer-Token"] == DEV
        assert r["headers"]["Login-Customer-Id"] == MANAGER  # digits only, as the API wants
        assert r["headers"]["Authorization"] == f"Bearer {ACCESS}"
        assert r["content_type"] == "application/json"
    assert [(r["customer"], r["query"].split(" FROM ")[1]) for r in ads.requests[:2]] == [
        (US, "customer"),
        (EU, "customer"),
    ]
    assert ads.requests[0]["query"] == (
        "SELECT customer.id, customer.descriptive_name, customer.currency_code, "
        "customer.time_zone FROM customer"
    )
    assert between(ads, US) == between(ads, EU) == [("2025-06-01", "2025-06-08")]


def test_a_manager_account_without_login_customer_id_is_refused_clearly(ads):
    with pytest.raises(AuthError) as e:
        run(connector(ads, login_customer_id=None))
    message = str(e.value)
    assert message.startswith("source search_ads: Google Ads customer 1234567890 refused")
    assert "USER_PERMISSION_DENIED" in message and "set login_customer_id" in message
    assert "(login_customer_id is not set now)" in message
    assert "Login-Customer-Id" not in ads.requests[0]["headers"]
    assert len(ads.requests) == 1  # a 403 is never retried


def test_a_login_customer_id_that_does_not_manage_the_customer(ads):
    with pytest.raises(AuthError, match="login_customer_id 5555555555 does not manage customer"):
        run(connector(ads, login_customer_id="555-555-5555"))


# ── days and windows ─────────────────────────────────────────────────────────────────
def test_the_window_ends_at_the_last_day_over_in_every_account_zone(ads):
    # Berlin alone: 9 June is over there at 03:00
    batch = run(connector(ads, customer_ids=[EU]))
    assert batch.window.end == JUNE[9]
    assert by_key(batch)[(EU, "333", JUNE[9])]["spend"] == Decimal("1")
    # with New York, where it is 21:00 on 9 June, both accounts stop at 8 June
    assert run(connector(ads)).window.end == JUNE[8]
    assert between(ads, US) == [("2025-06-01", "2025-06-08")]
    # four hours later 9 June is over in New York too
    later = NIGHTLY + timedelta(hours=4)
    ads.now = later
    rows = by_key(run(connector(ads), context(later)))
    assert rows[(US, "111", JUNE[9])]["spend"] == Decimal("5")
    assert ads.partial_asks == []


def test_the_fake_answers_a_running_day_with_its_numbers_so_far(ads):
    """As Google does: what the window tests rule out (partial_asks stays empty there)."""
    c = connector(ads)
    query = CAMPAIGN_QUERY.format(start="2025-06-09", end="2025-06-10")
    rows = list(c.search(context(), US, query))
    # 21:00 in New York: 21/24 of the day's 5 USD so far (4.375 USD); no 10 June yet
    assert [r["segments"]["date"] for r in rows] == ["2025-06-09"]
    assert rows[0]["metrics"]["costMicros"] == str(int(5_000_000 * 21 / 24))
    assert ads.partial_asks == [(US, "2025-06-10")]


def test_a_zone_python_does_not_know_ends_days_last(ads, caplog):
    ads.accounts[US].time_zone = "America/Atlantis"
    moment = datetime(2025, 6, 10, 7, tzinfo=ZoneInfo("Europe/Berlin"))  # 01:00 in New York
    ads.now = moment
    with caplog.at_level(logging.WARNING):
        batch = run(connector(ads), context(moment))
    assert "'America/Atlantis', which is not an IANA zone" in caplog.text
    # at UTC-12 it is 17:00 on 9 June: 8 June is the last complete day
    assert batch.window.end == JUNE[8]


def test_a_long_window_is_asked_for_in_quarters(ads):
    ads.accounts[US].days = {
        ("111", date(2025, 3, 31)): {"cost_micros": 1_000_000, "impressions": 1},
        ("111", date(2025, 4, 1)): {"cost_micros": 2_000_000, "impressions": 2},
    }
    rows = by_key(run(connector(ads, start=date(2025, 1, 1))))
    assert between(ads, US) == [("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-08")]
    assert rows[(US, "111", date(2025, 3, 31))]["spend"] == Decimal("1")
    assert rows[(US, "111", date(2025, 4, 1))]["spend"] == Decimal("2")


def test_a_restated_day_lands_again_and_the_newest_landing_wins(ads, tmp_path):
    store = LandingStore(tmp_path)
    stream = GoogleAds.streams[0]
    first = run(connector(ads, start=date(2025, 5, 1)))
    store.write("search_ads", stream, first)
    assert first.window == Window(date(2025, 5, 1), JUNE[8])
    # conversions attributed later to the clicks of 1 June: Google restates the day
    ads.accounts[US].days[("111", JUNE[1])] = {
        "cost_micros": 1_230_000,
        "impressions": 400,
        "clicks": 12,
        "conversions": 2.5,
        "conversions_value": 52.75,
    }
    tomorrow = NIGHTLY + timedelta(days=1)
    ads.now = tomorrow
    state = store.state("search_ads", "campaign_metrics")
    second = run(connector(ads, start=date(2025, 5, 1)), context(tomorrow, state))
    # the 30-day lookback: from 8 June - 30 days to 9 June
    assert second.window == Window(date(2025, 5, 9), JUNE[9])
    assert between(ads, US)[-1] == ("2025-05-09", "2025-06-09")
    restated = by_key(second)[(US, "111", JUNE[1])]
    assert (restated["conversions"], restated["conversion_value"]) == (2.5, Decimal("52.75"))
    store.write("search_ads", stream, second)
    glob = str(tmp_path / "search_ads" / "campaign_metrics" / "*.parquet")
    with duckdb.connect() as con:
        landed = con.execute(
            f"select count(*) from read_parquet('{glob}') "
            "where campaign_id = '111' and date = '2025-06-01'"
        ).fetchone()[0]
        newest = con.execute(
            f"select conversions, conversion_value from read_parquet('{glob}') "
            "where campaign_id = '111' and date = '2025-06-01' "
            "qualify row_number() over (partition by account_id, campaign_id, date "
            "order by _extracted_at desc) = 1"
        ).fetchall()
    assert landed == 2  # both landings are kept; staging reads the newest
    assert newest == [(2.5, Decimal("52.75"))]


# ── throttling, tokens, errors ───────────────────────────────────────────────────────
def test_throttling_is_waited_out_then_the_call_succeeds(ads):
    ads.throttle = 2
    rows = by_key(run(connector(ads)))
    assert ads.answers[:3] == [429, 429, 200]  # the same call, answered the third time
    assert [r["customer"] for r in ads.requests[:3]] == [US, US, US]
    assert rows[(US, "111", JUNE[1])]["spend"] == Decimal("1.23") and len(rows) == 4


def test_throttling_that_outlasts_the_retries_stops_the_run_clearly(ads):
    ads.throttle = 10
    with pytest.raises(QuotaExhausted) as e:
        run(connector(ads))
    assert "API quota is used up" in str(e.value) and "Google asks to wait 1 s" in str(e.value)
    assert ads.answers == [429, 429, 429]  # the first try and two retries


def test_an_expired_access_token_is_renewed_with_the_refresh_token(ads, httpserver):
    endpoint = FakeTokenEndpoint(CLIENT_ID, CLIENT_SECRET, REFRESH, path="/token")
    ads.token_endpoint = endpoint
    ads.tokens, ads.expired = set(), {ACCESS}
    c = connector(ads, oauth=oauth(endpoint.install(httpserver)))
    rows = by_key(run(c))
    assert [r["form"] for r in endpoint.requests] == [
        {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    ]
    assert ads.answers[:2] == [401, 200]
    assert ads.requests[0]["headers"]["Authorization"] == f"Bearer {ACCESS}"
    renewed = f"Bearer {endpoint.issued[0]}"
    assert [r["headers"]["Authorization"] for r in ads.requests[1:]] == [renewed] * 4
    assert rows[(EU, "333", JUNE[2])]["spend"] == Decimal("4.56")
    assert c.token_expiry().renews_itself and c.token_expiry().kind == "refresh token"


def test_a_refused_refresh_token_says_what_to_do(ads, httpserver):
    endpoint = FakeTokenEndpoint(CLIENT_ID, CLIENT_SECRET, "another-refresh-token", path="/token")
    ads.token_endpoint = endpoint
    c = connector(ads, access_token=None, oauth=oauth(endpoint.install(httpserver)))
    with pytest.raises(AuthError, match="refresh token may be revoked or expired") as e:
        run(c)
    assert ads.requests == []  # no API call without a token
    assert REFRESH not in str(e.value) and CLIENT_SECRET not in str(e.value)


def test_an_unapproved_developer_token_fails_at_once_naming_what_to_do(ads):
    ads.approved = False
    with pytest.raises(AuthError) as e:
        run(connector(ads))
    message = str(e.value)
    assert "DEVELOPER_TOKEN_NOT_APPROVED" in message
    assert "(environment variable GADS_DEV) is approved for test accounts only" in message
    assert "apply for Basic access in the API Center" in message
    assert DEV not in message
    assert ads.answers == [403]  # never retried


def test_a_wrong_developer_token_is_named(ads):
    ads.developer_token = "the-real-developer-token"
    with pytest.raises(AuthError, match=r"GADS_DEV\) is not valid; copy it again"):
        run(connector(ads))


def test_an_expired_ready_token_without_oauth_says_to_configure_oauth(ads):
    ads.tokens, ads.expired = set(), {ACCESS}
    with pytest.raises(AuthError) as e:
        run(connector(ads))
    assert "OAUTH_TOKEN_EXPIRED" in str(e.value)
    assert "(environment variable GADS_ACCESS) was rejected" in str(e.value)
    assert "configure oauth" in str(e.value) and ads.answers == [401]


def test_a_manager_account_in_customer_ids_is_explained(ads):
    ads.add(FakeAccount(MANAGER, "USD", "America/New_York", manager=True))
    with pytest.raises(RequestError, match="1112223333 is a manager account"):
        run(connector(ads, customer_ids=[MANAGER]))


def test_an_error_inside_the_stream_lands_nothing(ads):
    c = connector(ads)
    ctx = context()
    c.ad_accounts(ctx)
    ads.break_stream = True  # the first campaign query: one batch, then an error
    with pytest.raises(TransientError, match="INTERNAL_ERROR"):
        run(c, ctx)


def test_no_secret_reaches_logs_errors_or_records(ads, httpserver, caplog):
    endpoint = FakeTokenEndpoint(CLIENT_ID, CLIENT_SECRET, REFRESH, path="/token")
    ads.token_endpoint = endpoint
    ads.tokens, ads.expired = set(), {ACCESS}
    token_url = endpoint.install(httpserver)
    with caplog.at_level(logging.DEBUG):
        batch = run(connector(ads, oauth=oauth(token_url)))
        ads.denied = {EU}
        with pytest.raises(AuthError) as e:
            run(connector(ads, oauth=oauth(token_url)))
    assert len(batch.records) == 4 and len(endpoint.issued) == 2
    assert "USER_PERMISSION_DENIED" in str(e.value) and "customer 9876543210" in str(e.value)
    assert "renewing it" in caplog.text  # the 401 was logged, and the log was captured
    landed = str(batch.records.to_pylist())
    for secret in (DEV, ACCESS, REFRESH, CLIENT_SECRET, *endpoint.issued):
        assert secret not in caplog.text
        assert secret not in str(e.value)
        assert secret not in landed


def test_config_keeps_digits_and_refuses_what_google_would(ads):
    config = connector(ads).config
    assert config.customer_ids == [US, EU] and config.login_customer_id == MANAGER
    assert config.lookback_days == 30 and config.api_version == "v22"
    with pytest.raises(ValueError, match="'123-456-789' is not a Google Ads customer id"):
        connector(ads, customer_ids=["123-456-789"])
    with pytest.raises(ValueError, match="listed more than once"):
        connector(ads, customer_ids=[US, "123-456-7890"])
    with pytest.raises(ValueError, match=r"set oauth .* or access_token"):
        connector(ads, access_token=None)
    with pytest.raises(ValueError, match="must be written as env:NAME"):
        connector(ads, developer_token="a-literal-token")


def test_demo_campaigns_in_dkk_with_black_friday_in_season():
    c = GoogleAds(
        GoogleAdsConfig(
            name="search_ads",
            customer_ids=[US],
            developer_token="env:GADS_DEV",
            access_token="env:GADS_ACCESS",
            start_date=date(2024, 10, 30),
        )
    )
    ctx = ExtractContext(run_date=date(2024, 11, 3), state=LandedState())
    [batch] = list(c.demo(c.streams[0], ctx))
    rows = batch.records.to_pylist()
    assert {r["currency"] for r in rows} == {"DKK"} and {r["account_id"] for r in rows} == {US}
    names = {(r["date"], r["campaign_name"]) for r in rows}
    assert (date(2024, 10, 31), "black_friday") not in names
    assert (date(2024, 11, 1), "black_friday") in names
    # 30 and 31 October: two campaigns; 1 and 2 November: three
    assert (date(2024, 10, 30), "brand_search") in names and len(rows) == 2 * 2 + 2 * 3
    assert all(r["spend"] > 0 for r in rows)
