"""The LinkedIn organisation page with `oauth:`: its access token comes from LinkedIn's token
endpoint (tests/fakes/oauth.py) instead of the environment."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from connectors.base import ExtractContext, LandedState
from connectors.http import RetryPolicy
from connectors.linkedin_page import LinkedInPage, LinkedInPageConfig
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.oauth import FakeTokenEndpoint

RUN = date(2025, 6, 10)
NIGHTLY = datetime(2025, 6, 10, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))
ISSUED = "renewed-access-token-0001-x9k2"  # the first token FakeTokenEndpoint issues


def page(url: str, **credentials) -> LinkedInPage:
    config = LinkedInPageConfig(
        name="linkedin",
        type="linkedin_page",
        organization_id="2414183",
        base_url=url,
        start_date=date(2025, 6, 1),
        **credentials,
    )
    c = LinkedInPage(config)
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def run(c) -> list[dict]:
    ctx = ExtractContext(
        run_date=RUN, state=LandedState(), log=logging.getLogger("t"), moment=NIGHTLY
    )
    [batch] = list(c.extract(c.streams[0], ctx))
    return batch.records.to_pylist()


def test_a_page_with_oauth_fetches_its_token_from_linkedins_token_endpoint(httpserver, monkeypatch):
    monkeypatch.setenv("LI_PAGE_CLIENT_ID", "li-page-client-7d1f")
    monkeypatch.setenv("LI_PAGE_SECRET", "li-page-secret-93ab0c")
    monkeypatch.setenv("LI_PAGE_REFRESH", "li-page-refresh-5e77d2")
    endpoint = FakeTokenEndpoint(
        client_id="li-page-client-7d1f",
        client_secret="li-page-secret-93ab0c",
        refresh_token="li-page-refresh-5e77d2",
        path="/oauth/v2/accessToken",
        refresh_token_expires_in=200 * 86400,
    )
    token_url = endpoint.install(httpserver)
    linkedin = FakeLinkedIn(token=ISSUED, organization="2414183", now=NIGHTLY)
    linkedin.shares = {date(2025, 6, 3): {"impressionCount": 321, "clickCount": 7}}
    c = page(
        linkedin.install(httpserver),
        oauth={
            "client_id": "env:LI_PAGE_CLIENT_ID",
            "client_secret": "env:LI_PAGE_SECRET",
            "refresh_token": "env:LI_PAGE_REFRESH",
            "token_url": token_url,
        },
    )
    rows = run(c)
    by = {(r["date"], r["metric"]): r["value"] for r in rows}
    assert by[(date(2025, 6, 3), "impressionCount")] == 321
    assert by[(date(2025, 6, 3), "clickCount")] == 7
    [refresh] = endpoint.requests  # one token for every call of the run
    assert refresh["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": "li-page-refresh-5e77d2",
        "client_id": "li-page-client-7d1f",
        "client_secret": "li-page-secret-93ab0c",
    }
    assert len(linkedin.requests) > 1
    assert {r["headers"]["Authorization"] for r in linkedin.requests} == {f"Bearer {ISSUED}"}
    expiry = c.token_expiry()
    assert (expiry.kind, expiry.renews_itself) == ("refresh token", True)
    expected = datetime.now(UTC) + timedelta(days=200)
    assert abs(expiry.expires_at - expected) < timedelta(minutes=1)


def test_a_page_with_a_ready_token_reports_no_expiry_and_needs_one_credential(
    httpserver, monkeypatch
):
    monkeypatch.setenv("LI_PAGE_TOKEN", "li-page-ready-token-18c4")
    linkedin = FakeLinkedIn(token="li-page-ready-token-18c4", organization="2414183", now=NIGHTLY)
    c = page(linkedin.install(httpserver), access_token="env:LI_PAGE_TOKEN")
    assert run(c) and c.token_expiry() is None
    with pytest.raises(ValidationError, match="neither access_token nor oauth is given"):
        LinkedInPageConfig(name="linkedin", type="linkedin_page", organization_id="1")
