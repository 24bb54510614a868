"""GA4 with a user's OAuth refresh token (`oauth:`): Google's client fetches the access token
from the token endpoint, renews it when refused, and no secret reaches a log or an error."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState
from connectors.ga4 import GA4, GA4Config
from connectors.http import AuthError, RetryPolicy
from tests.fakes.ga4 import FakeGA4, daily_data
from tests.fakes.oauth import FakeTokenEndpoint

CLIENT_ID = "9911-scorecard.apps.googleusercontent.com"
CLIENT_SECRET = "canary-ga4-client-secret-Qe7Tz"
REFRESH = "canary-ga4-refresh-token-Vb3Kx"
RUN = date(2025, 3, 1)
NIGHTLY = datetime(2025, 3, 1, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture
def ga4(httpserver, monkeypatch):
    monkeypatch.setenv("GA4_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GA4_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GA4_REFRESH", REFRESH)
    # the fake's own token is none the connector has: only the endpoint's tokens get in
    fake = FakeGA4(token="a-token-nobody-was-given-0000", now=NIGHTLY)
    fake.data = {"111": daily_data(date(2025, 2, 1), RUN, base=100)}
    fake.url = fake.install(httpserver)
    endpoint = FakeTokenEndpoint(CLIENT_ID, CLIENT_SECRET, REFRESH, path="/oauth2/token")
    fake.issued_by = endpoint
    fake.endpoint = endpoint
    fake.token_url = endpoint.install(httpserver)
    return fake


def connector(fake, **oauth):
    config = GA4Config(
        name="website",
        type="ga4",
        property_ids=["111"],
        oauth={
            "client_id": "env:GA4_CLIENT_ID",
            "client_secret": "env:GA4_CLIENT_SECRET",
            "refresh_token": "env:GA4_REFRESH",
            "token_url": fake.token_url,
            **oauth,
        },
        api_endpoint=fake.url,
        start_date=date(2025, 2, 25),
    )
    c = GA4(config)
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def extract(c, stream="daily_metrics"):
    ctx = ExtractContext(
        run_date=RUN, state=LandedState(), log=logging.getLogger("t"), moment=NIGHTLY
    )
    return [r for batch in c.extract(GA4.stream(stream), ctx) for r in batch.records.to_pylist()]


def test_the_access_token_comes_from_the_token_endpoint(ga4, caplog):
    with caplog.at_level(logging.DEBUG):
        rows = extract(connector(ga4))
    endpoint = ga4.endpoint
    assert [r["form"] for r in endpoint.requests] == [
        {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH,
        }
    ]
    assert endpoint.requests[0]["content_type"].startswith("application/x-www-form-urlencoded")
    # the time-zone question and the report, both with the token the endpoint issued
    assert [r["headers"]["Authorization"] for r in ga4.requests] == [
        f"Bearer {endpoint.issued[0]}"
    ] * 2
    sessions = {r["date"]: r["value"] for r in rows if r["metric"] == "sessions"}
    assert sessions == {date(2025, 2, d): 100.0 + 24 + (d - 25) for d in range(25, 29)}
    for secret in (CLIENT_SECRET, REFRESH, endpoint.issued[0]):
        assert secret not in caplog.text
    assert connector(ga4).token_expiry().renews_itself


def test_a_refused_access_token_is_renewed_by_googles_client(ga4):
    c = connector(ga4)
    c.zone_for_days(
        ExtractContext(run_date=RUN, log=logging.getLogger("t"), moment=NIGHTLY)
    )  # one call with the first token
    first = ga4.endpoint.issued[0]
    ga4.revoked = {first}  # revoked meanwhile: GA4 answers 401
    rows = extract(c)
    assert len(ga4.endpoint.requests) == 2
    second = ga4.endpoint.issued[1]
    auth = [r["headers"]["Authorization"] for r in ga4.requests]
    assert auth == [f"Bearer {first}", f"Bearer {first}", f"Bearer {second}"]
    assert len(rows) == 4 * 5  # 25..28 February, five metrics


def test_a_refused_refresh_token_is_explained_without_secrets(ga4, monkeypatch, caplog):
    monkeypatch.setenv("GA4_REFRESH", "canary-revoked-refresh-token-Hn2")
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as e:
        extract(connector(ga4))
    message = str(e.value)
    assert message.startswith("source website: GA4 rejected the credentials")
    assert "GA4_REFRESH with a new refresh token" in message
    assert ga4.requests == []  # no report without a token
    assert [r["form"]["refresh_token"] for r in ga4.endpoint.requests] == [
        "canary-revoked-refresh-token-Hn2"
    ]
    for secret in (CLIENT_SECRET, "canary-revoked-refresh-token-Hn2"):
        assert secret not in message and secret not in caplog.text


def test_oauth_is_one_of_three_ways_and_stands_alone():
    oauth = {
        "client_id": "env:A",
        "client_secret": "env:B",
        "refresh_token": "env:C",
    }
    config = GA4Config(name="web", property_ids=["1"], oauth=oauth)
    assert config.oauth.refresh_token == "env:C" and config.oauth.token_url is None
    with pytest.raises(ValueError, match=r"set credentials .*, access_token .* or oauth"):
        GA4Config(name="web", property_ids=["1"])
    with pytest.raises(ValueError, match="oauth fetches its own access tokens"):
        GA4Config(name="web", property_ids=["1"], oauth=oauth, access_token="env:T")
    with pytest.raises(ValueError, match="must be written as env:NAME"):
        GA4Config(name="web", property_ids=["1"], oauth={**oauth, "refresh_token": "1//0abc"})
