"""Per-post streams of Facebook, Instagram and LinkedIn against local servers speaking each
platform's wire format: paging, the post_days cutoff, lifetime insights, empty answers, and a
refused metric (or post) isolated so the others still land."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pydantic
import pytest

from connectors.base import ExtractContext, LandedState, NothingToExtract
from connectors.facebook_page import FacebookPage, FacebookPageConfig
from connectors.http import AuthError, RetryPolicy
from connectors.instagram import Instagram, InstagramConfig
from connectors.linkedin_page import LinkedInPage, LinkedInPageConfig
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.linkedin import FakePost as LinkedInPost
from tests.fakes.meta import FakeGraph, FakePost

TOKEN = "canary-posts-token-1a2b3c4d"
FAST = RetryPolicy(attempts=2, backoff=0.01, jitter=0.0)
PACIFIC = ZoneInfo("America/Los_Angeles")
PAGE, ACCOUNT, ORG = "555", "17841400000000001", "2414183"
RUN = date(2025, 6, 12)
# 02:00 in Copenhagen: 17:00 the day before in Los Angeles, 00:00 UTC
NIGHT = datetime.combine(RUN, time(2), tzinfo=ZoneInfo("Europe/Copenhagen"))
LAST_PACIFIC = date(2025, 6, 10)  # the last Pacific day that is over at NIGHT
FIRST_PACIFIC = LAST_PACIFIC - timedelta(days=89)  # 90 days of posts: 13 March
LAST_UTC = date(2025, 6, 11)


def pacific(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PACIFIC).astimezone(UTC)


def unix(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=PACIFIC).timestamp())


def extract(connector, stream_name: str, *, now: datetime = NIGHT):
    ctx = ExtractContext(
        run_date=now.astimezone(ZoneInfo("Europe/Copenhagen")).date(),
        state=LandedState(),
        log=logging.getLogger("t"),
        moment=now,
    )
    [batch] = list(connector.extract(connector.stream(stream_name), ctx))
    return batch.records.to_pylist(), batch.window


@pytest.fixture
def graph(httpserver, monkeypatch):
    monkeypatch.setenv("POSTS_TOKEN", TOKEN)
    fake = FakeGraph(token=TOKEN, now=NIGHT)
    fake.install(httpserver)
    return fake


def facebook(graph, **kw) -> FacebookPage:
    config = FacebookPageConfig(
        name="facebook",
        type="facebook_page",
        page_id=PAGE,
        access_token="env:POSTS_TOKEN",
        base_url=graph.base,
        start_date=kw.pop("start_date", date(2024, 1, 1)),
        **kw,
    )
    c = FacebookPage(config)
    c.policy = FAST
    return c


def instagram(graph, **kw) -> Instagram:
    config = InstagramConfig(
        name="instagram",
        type="instagram",
        account_id=ACCOUNT,
        access_token="env:POSTS_TOKEN",
        base_url=graph.base,
        start_date=date(2024, 1, 1),
        **kw,
    )
    c = Instagram(config)
    c.policy = FAST
    return c


def fb_post(day: date, hour: int, n: int) -> FakePost:
    return FakePost(
        pacific(day, hour),
        fields={
            "permalink_url": f"https://www.facebook.com/555/posts/{n}",
            "status_type": "added_photos",
        },
        insights={
            "post_media_view": 1000 + n,
            "post_total_media_view_unique": 700 + n,
            "post_clicks": 30 + n,
            "post_reactions_by_type_total": {"like": 20 + n, "love": 3},
        },
        comments=n % 4,
        shares=n % 3,
    )


def test_facebook_posts_are_paged_cut_at_post_days_and_carry_lifetime_insights(graph):
    # three posts a day for 120 days before the run: 90 days of them are read
    first = LAST_PACIFIC - timedelta(days=119)
    days = [first + timedelta(days=d) for d in range(122)]  # and two days not over yet
    graph.posts[PAGE] = [
        fb_post(day, h, n)
        for n, (day, h) in enumerate((day, h) for day in days for h in (9, 13, 17))
    ]
    rows, window = extract(facebook(graph), "page_posts")

    assert (window.start, window.end) == (FIRST_PACIFIC, LAST_PACIFIC)
    listings = [r["args"] for r in graph.requests if r["path"].endswith("/published_posts")]
    # the cutoff is asked of the platform: posts before it never come back
    assert listings[0]["since"] == str(unix(FIRST_PACIFIC))
    assert listings[0]["until"] == str(unix(LAST_PACIFIC + timedelta(days=1)))
    assert len(listings) == 3  # 270 posts, 100 a page
    assert len(rows) == 90 * 3
    assert {r["published_date"] for r in rows} == {
        FIRST_PACIFIC + timedelta(days=d) for d in range(90)
    }
    insights = [r["args"] for r in graph.requests if r["path"].endswith("/insights")]
    assert len(insights) == 270 and {a["period"] for a in insights} == {"lifetime"}

    by_id = {r["post_id"]: r for r in rows}
    n = 3 * (FIRST_PACIFIC - first).days + 2  # the last post of the first day read
    row = by_id[f"{PAGE}_{n}"]
    assert row["published_date"] == FIRST_PACIFIC
    assert row["created_time"] == pacific(FIRST_PACIFIC, 17)
    assert row["permalink"] == f"https://www.facebook.com/555/posts/{n}"
    assert row["status_type"] == "added_photos"
    assert row["post_media_view"] == 1000 + n
    assert row["post_total_media_view_unique"] == 700 + n
    assert row["post_clicks"] == 30 + n
    assert row["post_reactions_by_type_total"] == 20 + n + 3  # summed over reaction types
    assert row["comments"] == n % 4 and row["shares"] == n % 3
    assert any(r["shares"] == 0 for r in rows)  # Graph leaves out `shares` of an unshared post


def test_a_post_late_in_the_pacific_evening_is_on_its_pacific_day(graph):
    # 06:30 UTC on 1 June is 23:30 on 31 May in Los Angeles
    graph.posts[PAGE] = [FakePost(datetime(2025, 6, 1, 6, 30, tzinfo=UTC), insights={})]
    [row], _ = extract(facebook(graph), "page_posts")
    assert row["published_date"] == date(2025, 5, 31)
    # no insights answered (a brand-new post): the post lands, its numbers are unknown
    assert row["post_media_view"] is None and row["post_clicks"] is None


def test_a_retired_post_metric_is_isolated_and_reported_once(graph, caplog):
    graph.posts[PAGE] = [fb_post(LAST_PACIFIC - timedelta(days=d), 10, d) for d in range(5)]
    graph.retired = {"post_clicks"}
    with caplog.at_level(logging.WARNING):
        rows, _ = extract(facebook(graph), "page_posts")
    assert len(rows) == 5
    assert {r["post_clicks"] for r in rows} == {None}
    assert sorted(r["post_media_view"] for r in rows) == [1000, 1001, 1002, 1003, 1004]
    assert caplog.text.count("post_clicks was refused") == 1
    # once known, the retired metric is no longer asked for
    last = [r["args"]["metric"] for r in graph.requests if r["path"].endswith("/insights")][-1]
    assert "post_clicks" not in last.split(",")


def test_a_page_without_posts_lands_an_empty_batch(graph):
    graph.posts[PAGE] = [FakePost(pacific(FIRST_PACIFIC - timedelta(days=3), 12))]  # too old
    rows, window = extract(facebook(graph), "page_posts")
    assert rows == [] and window.end == LAST_PACIFIC
    assert [r["path"].rsplit("/", 1)[1] for r in graph.requests] == ["published_posts"]
    assert FacebookPage.stream("page_posts").may_be_empty


def test_post_days_and_start_date_bound_the_window(graph):
    graph.posts[PAGE] = [fb_post(LAST_PACIFIC - timedelta(days=d), 10, d) for d in range(40)]
    rows, window = extract(facebook(graph, post_days=7), "page_posts")
    assert window.start == LAST_PACIFIC - timedelta(days=6) and len(rows) == 7
    rows, window = extract(facebook(graph, start_date=date(2025, 6, 1)), "page_posts")
    assert window.start == date(2025, 6, 1) and min(r["published_date"] for r in rows) == date(
        2025, 6, 1
    )
    with pytest.raises(NothingToExtract):
        extract(facebook(graph, start_date=RUN), "page_posts")


def test_post_days_is_validated_against_what_each_platform_keeps(graph):
    for bad in (0, 731):
        with pytest.raises(pydantic.ValidationError, match="post_days"):
            facebook(graph, post_days=bad)
    with pytest.raises(pydantic.ValidationError, match="post_days"):
        LinkedInPageConfig(name="li", organization_id="1", access_token="env:X", post_days=366)
    assert facebook(graph).config.post_days == 90
    assert instagram(graph, post_days=730).config.post_days == 730


def test_instagram_media_with_lifetime_insights(graph):
    def media(day, hour, n, **kw):
        return FakePost(
            pacific(day, hour),
            fields={
                "permalink": f"https://www.instagram.com/p/C{n}/",
                "media_type": "VIDEO" if n % 2 else "IMAGE",
                "media_product_type": "REELS" if n % 2 else "FEED",
            },
            insights=kw.pop(
                "insights",
                {
                    "views": 5000 + n,
                    "reach": 3000 + n,
                    "total_interactions": 200 + n,
                    "likes": 150,
                    "comments": 20,
                    "saved": 20,
                    "shares": 10,
                },
            ),
            **kw,
        )

    graph.posts[ACCOUNT] = [
        media(LAST_PACIFIC - timedelta(days=d), 12, d) for d in range(0, 120, 2)
    ] + [
        media(LAST_PACIFIC + timedelta(days=1), 9, 1001),  # the running day: not yet
        media(LAST_PACIFIC - timedelta(days=1), 8, 1003, insights_error=10),
        media(LAST_PACIFIC - timedelta(days=3), 8, 1005, insights={"views": 90}),
    ]
    graph.retired = {"saved"}
    rows, window = extract(instagram(graph), "account_media")

    [listing] = [r["args"] for r in graph.requests if r["path"].endswith("/media")]
    assert listing["since"] == str(unix(FIRST_PACIFIC)) and listing["limit"] == "100"
    assert window.start == FIRST_PACIFIC
    assert len(rows) == 45 + 2  # every other day of the 90, and the two odd ones
    assert min(r["published_date"] for r in rows) >= FIRST_PACIFIC
    assert max(r["published_date"] for r in rows) == LAST_PACIFIC
    by_link = {r["permalink"]: r for r in rows}
    feed = by_link["https://www.instagram.com/p/C4/"]
    assert feed["published_date"] == LAST_PACIFIC - timedelta(days=4)
    assert (feed["media_type"], feed["media_product_type"]) == ("IMAGE", "FEED")
    assert (feed["views"], feed["reach"], feed["total_interactions"]) == (5004, 3004, 204)
    assert (feed["likes"], feed["comments"], feed["shares"]) == (150, 20, 10)
    assert feed["saved"] is None  # retired: isolated, the others land
    # too few viewers (code 10): the media lands without numbers
    quiet = by_link["https://www.instagram.com/p/C1003/"]
    assert quiet["views"] is None and quiet["reach"] is None
    # Instagram answers an empty data set for what it has no value for
    partial = by_link["https://www.instagram.com/p/C1005/"]
    assert partial["views"] == 90 and partial["reach"] is None


def test_instagram_stops_reading_at_the_first_media_older_than_the_window(graph):
    """Where the server ignores `since`, the newest-first listing still ends at the cutoff."""
    graph.posts[ACCOUNT] = [
        FakePost(pacific(LAST_PACIFIC - timedelta(days=d), 12)) for d in range(300)
    ]
    graph.ignores_since = True
    rows, _ = extract(instagram(graph), "account_media")
    assert len(rows) == 90
    assert len([r for r in graph.requests if r["path"].endswith("/media")]) == 1  # not 3


@pytest.fixture
def linkedin(httpserver, monkeypatch):
    monkeypatch.setenv("POSTS_TOKEN", TOKEN)
    fake = FakeLinkedIn(token=TOKEN, organization=ORG, now=NIGHT)
    fake.url = fake.install(httpserver)
    return fake


def linkedin_page(fake, **kw) -> LinkedInPage:
    config = LinkedInPageConfig(
        name="linkedin",
        type="linkedin_page",
        organization_id=ORG,
        access_token="env:POSTS_TOKEN",
        base_url=fake.url,
        start_date=date(2024, 1, 1),
        **kw,
    )
    c = LinkedInPage(config)
    c.policy = FAST
    return c


def li_post(day: date, n: int, **kw) -> LinkedInPost:
    contents = [
        None,
        {"media": {"id": f"urn:li:image:C4D{n}", "title": "x"}},
        {"media": {"id": f"urn:li:video:C5D{n}"}},
        {"article": {"source": "https://example.org/a", "title": "a"}},
        {"multiImage": {"images": []}},
    ]
    return LinkedInPost(
        datetime.combine(day, time(9), tzinfo=UTC) + timedelta(minutes=n),
        content=contents[n % 5],
        stats={
            "impressionCount": 800 + n,
            "uniqueImpressionsCount": 500 + n,
            "clickCount": 20 + n,
            "likeCount": 10,
            "commentCount": 2,
            "shareCount": 1,
        },
        **kw,
    )


def stats_calls(fake) -> list[str]:
    return [
        r["query"]
        for r in fake.requests
        if r["path"] == "/rest/organizationalEntityShareStatistics"
    ]


def test_linkedin_posts_are_paged_cut_at_post_days_with_lifetime_statistics(linkedin):
    days = [LAST_UTC - timedelta(days=d) for d in range(200)]
    linkedin.posts = [li_post(day, n) for n, day in enumerate(days)]
    linkedin.posts.append(
        li_post(LAST_UTC - timedelta(days=5), 99, id="urn:li:ugcPost:6990000000000000099")
    )
    rows, window = extract(linkedin_page(linkedin), "organization_posts")

    assert (window.start, window.end) == (LAST_UTC - timedelta(days=89), LAST_UTC)
    assert len(rows) == 91
    # newest first, 100 a page: the first page reaches past the cutoff, so one page is read
    assert len([r for r in linkedin.requests if r["path"] == "/rest/posts"]) == 1
    calls = stats_calls(linkedin)
    shares = [q for q in calls if "&shares=List(" in q]
    ugc = [q for q in calls if "&ugcPosts=List(" in q]
    assert len(shares) == 5 and len(ugc) == 1  # 90 shares, 20 a call; the UGC post alone
    assert "timeIntervals" not in calls[0]
    assert "urn%3Ali%3Ashare%3A" in shares[0]  # URNs encoded inside List(...)
    by_id = {r["post_id"]: r for r in rows}
    n = 7
    published = datetime.combine(LAST_UTC - timedelta(days=n), time(9), tzinfo=UTC)
    [post] = [p for p in linkedin.posts if p.published == published + timedelta(minutes=n)]
    row = by_id[post.id]
    assert row["published_date"] == published.date()
    assert row["created_time"] == published + timedelta(minutes=n)
    assert row["permalink"] == f"https://www.linkedin.com/feed/update/{row['post_id']}/"
    assert row["content_type"] == "video"  # n % 5 == 2
    assert (row["impression_count"], row["unique_impressions_count"], row["click_count"]) == (
        807,
        507,
        27,
    )
    assert (row["like_count"], row["comment_count"], row["share_count"]) == (10, 2, 1)
    assert {by_id[p.id]["content_type"] for p in linkedin.posts if p.id in by_id} == {
        "text",
        "image",
        "video",
        "article",
        "multiImage",
    }
    assert by_id["urn:li:ugcPost:6990000000000000099"]["impression_count"] == 899


def test_linkedin_isolates_a_post_refused_statistics(linkedin, caplog):
    linkedin.posts = [li_post(LAST_UTC - timedelta(days=d), d) for d in range(30)]
    refused = linkedin.posts_of()[-4].id  # three days before the last
    linkedin.refused = {refused}
    with caplog.at_level(logging.WARNING):
        rows, _ = extract(linkedin_page(linkedin), "organization_posts")
    by_id = {r["post_id"]: r for r in rows}
    assert len(rows) == 30
    assert by_id[refused]["impression_count"] is None and by_id[refused]["click_count"] is None
    others = [r for r in rows if r["post_id"] != refused]
    assert all(r["impression_count"] is not None for r in others)
    assert sorted(r["impression_count"] for r in others) == sorted(
        800 + d for d in range(30) if d != 3
    )
    assert caplog.text.count("refused statistics for 1 post(s)") == 1
    assert refused in caplog.text


def test_linkedin_fails_when_every_post_is_refused(linkedin):
    linkedin.posts = [li_post(LAST_UTC - timedelta(days=d), d) for d in range(3)]
    linkedin.refused = {p.id for p in linkedin.posts_of()}
    with pytest.raises(AuthError, match="403"):
        extract(linkedin_page(linkedin), "organization_posts")


def test_linkedin_without_posts_lands_an_empty_batch(linkedin):
    rows, window = extract(linkedin_page(linkedin), "organization_posts")
    assert rows == [] and window.end == LAST_UTC
    assert stats_calls(linkedin) == []


def test_linkedin_reads_only_the_last_post_days(linkedin):
    linkedin.posts = [li_post(LAST_UTC - timedelta(days=d), d) for d in (0, 10, 95, 200)]
    rows, _ = extract(linkedin_page(linkedin, post_days=30), "organization_posts")
    assert sorted(r["published_date"] for r in rows) == [
        LAST_UTC - timedelta(days=10),
        LAST_UTC,
    ]
