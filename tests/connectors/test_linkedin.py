"""LinkedIn organisation page connector against a local Community Management API."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ExtractContext, LandedState
from connectors.http import AuthError, RetryPolicy
from connectors.linkedin_page import LinkedInPage, LinkedInPageConfig
from tests.fakes.linkedin import FakeLinkedIn

TOKEN = "canary-linkedin-token-4e3d2c1b"
RUN = date(2025, 6, 10)
NIGHTLY = datetime(2025, 6, 10, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))  # 00:00 UTC


@pytest.fixture
def linkedin(httpserver, monkeypatch):
    monkeypatch.setenv("LI_TEST_TOKEN", TOKEN)
    fake = FakeLinkedIn(token=TOKEN, organization="2414183", now=NIGHTLY)
    fake.url = fake.install(httpserver)
    return fake


def connector(fake, start):
    config = LinkedInPageConfig(
        name="linkedin",
        type="linkedin_page",
        organization_id="2414183",
        access_token="env:LI_TEST_TOKEN",
        base_url=fake.url,
        start_date=start,
    )
    c = LinkedInPage(config)
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def run(c, log=None):
    ctx = ExtractContext(
        run_date=RUN, state=LandedState(), log=log or logging.getLogger("t"), moment=NIGHTLY
    )
    [batch] = list(c.extract(c.streams[0], ctx))
    return batch.records.to_pylist()


def test_statistics_snapshot_and_posts_with_the_required_headers(linkedin):
    linkedin.shares = {
        date(2025, 6, 1): {
            "impressionCount": 300,
            "clickCount": 9,
            "likeCount": 4,
            "commentCount": 1,
            "shareCount": 2,
        }
    }
    linkedin.gains = {date(2025, 6, 1): {"organicFollowerGain": 5, "paidFollowerGain": 2}}
    linkedin.followers = 4123
    linkedin.posts = [datetime(2025, 6, 1, 9, tzinfo=UTC) + timedelta(hours=i) for i in range(3)]
    linkedin.posts += [
        datetime(2025, 5, 20, 9, tzinfo=UTC) - timedelta(hours=i) for i in range(230)
    ]
    rows = run(connector(linkedin, date(2025, 5, 1)))
    by = {(r["date"], r["metric"]): r["value"] for r in rows}
    assert by[(date(2025, 6, 1), "impressionCount")] == 300
    assert by[(date(2025, 6, 1), "organicFollowerGain")] == 5
    assert by[(date(2025, 6, 1), "paidFollowerGain")] == 2
    assert by[(date(2025, 6, 2), "clickCount")] == 0
    assert by[(RUN - timedelta(days=1), "firstDegreeSize")] == 4123
    assert by[(date(2025, 6, 1), "posts_published")] == 3
    assert sum(v for (d, m), v in by.items() if m == "posts_published") == 233
    post_calls = [r for r in linkedin.requests if r["path"] == "/rest/posts"]
    assert len(post_calls) == 3  # 100 per page
    headers = linkedin.requests[0]["headers"]
    assert (
        headers["Linkedin-Version"] == "202510" and headers["X-Restli-Protocol-Version"] == "2.0.0"
    )


def test_statistics_stop_at_12_months_but_posts_cover_the_whole_history(linkedin, caplog):
    """LinkedIn's 12-month limit is on statistics; the Posts API lists every post."""
    linkedin.shares = {RUN - timedelta(days=d): {"impressionCount": 10} for d in range(1, 500)}
    old = [datetime(2023, 3, 1, 9, tzinfo=UTC), datetime(2023, 3, 1, 15, tzinfo=UTC)]
    old += [datetime(2024, 2, 29, 12, tzinfo=UTC)]
    recent = [datetime(2025, 6, 8, 9, tzinfo=UTC)]
    linkedin.posts = old + recent
    with caplog.at_level(logging.WARNING):
        rows = run(connector(linkedin, date(2023, 1, 1)))
    assert "for the last 12 months only" in caplog.text
    assert "start_date 2023-01-01" in caplog.text
    impressions = sorted(r["date"] for r in rows if r["metric"] == "impressionCount")
    # 00:00 UTC on 10 June: 9 June is over; statistics reach back 365 days from there
    assert impressions[0] == date(2024, 6, 10) and impressions[-1] == date(2025, 6, 9)
    assert len(impressions) == 365
    posts = {r["date"]: r["value"] for r in rows if r["metric"] == "posts_published"}
    assert min(posts) == date(2023, 1, 1) and max(posts) == date(2025, 6, 9)
    assert posts[date(2023, 3, 1)] == 2 and posts[date(2024, 2, 29)] == 1
    assert posts[date(2025, 6, 8)] == 1 and sum(posts.values()) == 4


def test_a_rejected_token_fails_at_once(linkedin):
    linkedin.token = "something-else"
    with pytest.raises(AuthError, match="source linkedin:"):
        run(connector(linkedin, date(2025, 6, 1)))
    assert len(linkedin.requests) == 1
