"""The Meta token check (`debug_token`) of the Facebook Page and Instagram connectors, against
the local Graph API (tests/fakes/meta.py): once per run, before anything is extracted."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState
from connectors.facebook_page import FacebookPage, FacebookPageConfig
from connectors.http import AuthError, RetryPolicy
from connectors.instagram import Instagram, InstagramConfig
from connectors.oauth import TokenExpiry
from tests.fakes.meta import FakeGraph, FakePost, token_info

TOKEN = "canary-meta-expiry-token-5d4c3b2a"
PAGE, ACCOUNT = "555", "17841400000000001"
RUN = date(2025, 6, 12)
NIGHT = datetime.combine(RUN, time(2), tzinfo=ZoneInfo("Europe/Copenhagen"))  # 00:00 UTC
LAST_PACIFIC = date(2025, 6, 10)


@pytest.fixture
def graph(httpserver, monkeypatch):
    monkeypatch.setenv("META_EXPIRY_TOKEN", TOKEN)
    fake = FakeGraph(token=TOKEN, now=NIGHT)
    fake.install(httpserver)
    day = LAST_PACIFIC
    fake.insights[PAGE] = {
        "page_media_view": {day: 1200},
        "page_post_engagements": {day: 80},
        "page_follows": {day: 9100},
        "page_daily_follows_unique": {day: 4},
    }
    fake.insights[ACCOUNT] = {
        "views": {day: 300},
        "total_interactions": {day: 12},
        "follower_count": {day: 2},
    }
    fake.fields[ACCOUNT] = {"followers_count": 8100}
    created = datetime.combine(day, time(12), tzinfo=ZoneInfo("America/Los_Angeles"))
    fake.posts[PAGE] = [FakePost(created, fields={"status_type": "added_photos"})]
    fake.posts[ACCOUNT] = [FakePost(created, fields={"media_type": "IMAGE"})]
    return fake


def facebook(graph) -> FacebookPage:
    c = FacebookPage(
        FacebookPageConfig(
            name="facebook",
            page_id=PAGE,
            access_token="env:META_EXPIRY_TOKEN",
            base_url=graph.base,
            start_date=date(2025, 6, 1),
        )
    )
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def instagram(graph) -> Instagram:
    c = Instagram(
        InstagramConfig(
            name="instagram",
            account_id=ACCOUNT,
            access_token="env:META_EXPIRY_TOKEN",
            base_url=graph.base,
            start_date=date(2025, 6, 1),
        )
    )
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def extract_all(c) -> dict[str, list[dict]]:
    """Every stream of one connector, as one nightly run extracts them (one instance)."""
    out = {}
    for stream in c.streams:
        ctx = ExtractContext(
            run_date=RUN, state=LandedState(), log=logging.getLogger("t"), moment=NIGHT
        )
        [batch] = list(c.extract(stream, ctx))
        out[stream.name] = batch.records.to_pylist()
    return out


@pytest.mark.parametrize("make", [facebook, instagram])
def test_a_token_expiring_within_14_days_warns_once_and_the_run_goes_on(graph, caplog, make):
    graph.token_info[TOKEN] = token_info(expires_at=datetime(2025, 6, 22, 9, tzinfo=UTC))
    c = make(graph)
    assert c.token_expiry() is None  # nothing known before the run
    with caplog.at_level(logging.WARNING):
        landed = extract_all(c)
    assert all(landed.values())  # both streams landed rows
    warnings = [r.getMessage() for r in caplog.records if "expires on" in r.getMessage()]
    assert len(warnings) == 1 and "expires on 2025-06-22 (10 days from now)" in warnings[0]
    assert warnings[0].startswith(f"{c.config.name}: the Meta access token")
    assert "long-lived" in warnings[0]
    assert c.token_expiry() == TokenExpiry(
        "long-lived token", datetime(2025, 6, 22, 9, tzinfo=UTC), renews_itself=False
    )
    # checked once for the whole run (two streams), the token inspecting itself
    assert len(graph.token_checks) == 1
    assert graph.token_checks[0]["args"] == {"input_token": TOKEN}


def test_a_token_expiring_in_15_days_is_not_warned_about(graph, caplog):
    expires = datetime(2025, 6, 27, 0, 1, tzinfo=UTC)
    graph.token_info[TOKEN] = token_info(expires_at=expires)
    c = facebook(graph)
    with caplog.at_level(logging.WARNING):
        extract_all(c)
    assert "expires" not in caplog.text
    assert c.token_expiry().expires_at == expires


@pytest.mark.parametrize("make", [facebook, instagram])
def test_an_expired_token_stops_the_run_before_anything_is_extracted(graph, make):
    graph.token_info[TOKEN] = token_info(expires_at=datetime(2025, 6, 11, 18, 30, tzinfo=UTC))
    c = make(graph)
    with pytest.raises(AuthError) as e:
        extract_all(c)
    message = str(e.value)
    assert message.startswith(f"source {c.config.name}: Meta says the access token is no longer")
    assert "(expired 2025-06-11 18:30 UTC)" in message and "Session has expired" in message
    assert "new long-lived" in message and "system user" in message
    assert graph.requests == []  # no insights, posts or fields were asked for
    assert TOKEN not in message
    # `scorecard status` shows the expired token after the failed run
    assert c.token_expiry() == TokenExpiry(
        "long-lived token", datetime(2025, 6, 11, 18, 30, tzinfo=UTC), renews_itself=False
    )


def test_the_renewal_hint_names_each_platforms_permissions(graph):
    graph.token_info[TOKEN] = token_info(is_valid=False)
    with pytest.raises(AuthError, match="pages_read_engagement and read_insights"):
        extract_all(facebook(graph))
    with pytest.raises(AuthError, match="instagram_basic, instagram_manage_insights"):
        extract_all(instagram(graph))


def test_a_revoked_token_that_never_expired_fails_too(graph):
    graph.token_info[TOKEN] = token_info(expires_at=0, is_valid=False)
    c = facebook(graph)
    with pytest.raises(AuthError, match="no longer valid: Error validating access token"):
        extract_all(c)
    assert graph.requests == []
    assert c.token_expiry().expires_at == NIGHT  # it stopped working by the run


def test_expired_data_access_fails_with_its_own_reason(graph):
    # a user token: valid for two more months, but its data access lapsed yesterday
    graph.token_info[TOKEN] = token_info(
        expires_at=NIGHT + timedelta(days=60), data_access_until=NIGHT - timedelta(days=1)
    )
    graph.token_info[TOKEN]["is_valid"] = True
    c = instagram(graph)
    with pytest.raises(AuthError, match=r"data access expired 2025-06-11 UTC") as e:
        extract_all(c)
    assert "log in to the app again" in str(e.value)
    assert c.token_expiry().expires_at == NIGHT - timedelta(days=1)


def test_data_access_ending_soon_is_warned_about_as_the_expiry(graph, caplog):
    graph.token_info[TOKEN] = token_info(
        expires_at=0, data_access_until=datetime(2025, 6, 15, tzinfo=UTC)
    )
    c = instagram(graph)
    with caplog.at_level(logging.WARNING):
        extract_all(c)
    assert "access token's data access expires on 2025-06-15 (3 days from now)" in caplog.text
    assert c.token_expiry().expires_at == datetime(2025, 6, 15, tzinfo=UTC)


def test_a_system_user_token_never_expires(graph, caplog):
    graph.token_info[TOKEN] = token_info(expires_at=0)
    c = facebook(graph)
    with caplog.at_level(logging.WARNING):
        extract_all(c)
    assert "expires" not in caplog.text
    assert c.token_expiry() == TokenExpiry("long-lived token", None, renews_itself=False)


def test_a_token_meta_will_not_inspect_is_logged_once_and_the_run_goes_on(graph, caplog):
    graph.refuse_debug_token = True
    c = facebook(graph)
    with caplog.at_level(logging.INFO, logger="t"):
        landed = extract_all(c)
    assert all(landed.values())
    refusals = [r for r in caplog.records if "would not inspect" in r.getMessage()]
    assert len(refusals) == 1 and "You must provide an app access token" in refusals[0].message
    assert c.token_expiry() is None
    assert len(graph.token_checks) == 1  # not asked again for the second stream


def test_a_token_refused_by_the_data_calls_is_an_auth_error(graph):
    """When debug_token cannot tell, a dead token still fails clearly at the first call
    (Meta's code 190 comes with HTTP 400: not a request to fix)."""
    graph.refuse_debug_token = True
    graph.token_info[TOKEN] = token_info(expires_at=NIGHT - timedelta(hours=1))
    with pytest.raises(AuthError) as e:
        extract_all(facebook(graph))
    message = str(e.value)
    assert "Meta refused the access token (code 190: Error validating access token" in message
    assert "update the source's access_token environment variable" in message
    assert e.value.code == 190
    assert len(graph.requests) == 1  # never retried


def test_the_default_fake_token_is_far_from_expiring(graph, caplog):
    """What the other Graph tests rely on: the fake answers debug_token with a far expiry."""
    c = facebook(graph)
    with caplog.at_level(logging.WARNING):
        extract_all(c)
    assert "expires" not in caplog.text
    assert c.token_expiry().expires_at == datetime(2099, 1, 1, tzinfo=UTC)
