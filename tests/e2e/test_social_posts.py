"""`scorecard.social_posts` on the demo: every demo post of the last 90 days per platform, with
the lifetime numbers the demo generator gave it as of the run, and as many posts per day as the
published `social.<source>.posts` metric counts."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from connectors import connector_for
from connectors.base import ExtractContext
from connectors.demo.social_posts import demo_posts
from orchestration.config import load_config
from orchestration.run_context import run_moment
from tests.conftest import AS_OF, DEMO_DIR

pytestmark = pytest.mark.slow
SERVING = "data/demo/serving.duckdb"
PLATFORMS = {"facebook_page": "facebook", "instagram": "instagram", "linkedin_page": "linkedin"}


def demo_sources(workspace):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=workspace)
    moment = run_moment(AS_OF.isoformat(), config.timezone)
    for source in config.sources:
        if source.type in PLATFORMS:
            connector = connector_for(source.type)(source)
            stream = connector.stream(connector.posts_stream)
            ctx = ExtractContext(run_date=AS_OF, moment=moment, stream=stream)
            yield source, connector, demo_posts(connector, ctx)


def published_posts(workspace) -> dict[tuple[str, str], dict]:
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:
        cursor = con.execute("select * from scorecard.social_posts")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    return {(r["source_name"], r["post_id"]): r for r in rows}


def test_social_posts_hold_every_demo_post_with_its_lifetime_numbers(demo_run):
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    published = published_posts(workspace)
    expected_keys = set()
    for source, connector, posts in demo_sources(workspace):
        assert len(posts) > 20, source.name  # a few posts a week for 90 days
        days = sorted({p.day for p in posts})
        assert (days[-1] - days[0]).days <= 89
        for post in posts:
            post_id = connector.demo_post_row(post)["post_id"]
            expected_keys.add((source.name, post_id))
            row = published[(source.name, post_id)]
            assert row["platform"] == PLATFORMS[source.type]
            assert row["account_id"] == connector.accounts()[0]
            assert row["published_date"] == post.day
            assert row["published_at"] == post.published_at
            assert (row["impressions"], row["reach"]) == (post.views, post.reach)
            assert (row["reactions"], row["comments"], row["shares"]) == (
                post.reactions,
                post.comments,
                post.shares,
            )
            if source.type == "instagram":
                # total_interactions: likes, comments, saves and shares
                engagements = post.reactions + post.comments + post.saves + post.shares
                assert (row["clicks"], row["saves"]) == (None, post.saves)
            else:
                engagements = post.clicks + post.reactions + post.comments + post.shares
                assert (row["clicks"], row["saves"]) == (post.clicks, None)
            assert row["engagements"] == engagements
            assert row["numbers_as_of"] is not None and row["permalink"].startswith("https://")
    assert set(published) == expected_keys
    types = Counter(
        (r["platform"], r["platform_post_type"], r["post_type"]) for r in published.values()
    )
    assert ("facebook", "added_photos", "image") in types
    assert ("instagram", "REELS/VIDEO", "reel") in types
    assert ("instagram", "FEED/CAROUSEL_ALBUM", "carousel") in types
    assert ("linkedin", "article", "link") in types


def test_posts_per_day_are_what_the_posts_metric_counts(demo_run):
    """Posts and the daily social.<source>.posts metric come from the same demo days: the
    published posts of each day are exactly the day's published count."""
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:
        posts = con.execute(
            "select source_name, published_date, count(*) from scorecard.social_posts group by all"
        ).fetchall()
        window = con.execute(
            "select source_name, min(published_date), max(published_date)"
            " from scorecard.social_posts group by all"
        ).fetchall()
        metric = {
            (m.split(".")[1], d): v
            for m, d, v in con.execute(
                "select metric_id, period_start, value from scorecard.metric_values"
                " where grain = 'day' and metric_id in"
                " ('social.facebook.posts', 'social.instagram.posts', 'social.linkedin.posts')"
            ).fetchall()
        }
    counted = {(s, d): n for s, d, n in posts}
    assert {s for s, _ in counted} == {"facebook", "instagram", "linkedin"}
    for source, first, last in window:
        days = [(source, d) for (s, d) in metric if s == source and first <= d <= last]
        assert len(days) == (last - first).days + 1
        for key in days:
            assert counted.get(key, 0) == metric[key], key
