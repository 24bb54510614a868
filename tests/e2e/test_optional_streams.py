"""`scorecard run` with a Facebook Page and a LinkedIn page whose tokens may not read posts
(issue 22, item 8): Meta answers the posts listing 403 with code 10 (no
pages_read_user_content), LinkedIn's Posts API 403 ACCESS_DENIED (no r_organization_social).
The run succeeds, the other metrics are published with their values, the posts KPIs are
no_data (not zero) in every period, and the missing permission is warned about once per source
and listed in the run's landing report."""

from __future__ import annotations

import json
import textwrap
from datetime import date

import duckdb
import pytest

from tests.conftest import run_cli, run_local
from tests.e2e.test_social_crm_sources import (
    DAYS,
    ORG,
    PAGE,
    at,
    night,
    value,
)
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeGraph

pytestmark = pytest.mark.slow
TOKENS = {"FB_OPT": "canary-fb-opt-4d5e6f7a", "LI_OPT": "canary-li-opt-8b9c0d1e"}
RUN = date(2026, 11, 3)

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - {{name: facebook, type: facebook_page, page_id: "{page}", access_token: env:FB_OPT, base_url: {url}, start_date: 2026-10-01}}
  - {{name: linkedin, type: linkedin_page, organization_id: "{org}", access_token: env:LI_OPT, base_url: {url}, start_date: 2026-10-01}}
objectives:
  - {{id: audience, perspective: customer, name: An engaged audience}}
kpis:
  - {{id: engagement_rate, name: Engagement rate, objective: audience, type: ratio, numerator: social.engagements,
     denominator: social.impressions, scale: 100, unit: percent, target: 4}}
  - {{id: follower_gains, name: New followers, objective: audience, type: metric, metric: social.follower_gains, target: 350}}
  - {{id: posts, name: Posts, objective: audience, type: metric, metric: social.posts, target: 120}}
  - {{id: facebook_posts, name: Facebook posts, objective: audience, type: metric, metric: social.facebook.posts, target: 30}}
"""


@pytest.fixture
def platforms(tmp_path, httpserver):
    graph = FakeGraph(token=TOKENS["FB_OPT"], now=night(RUN))
    graph.insights[PAGE] = {
        "page_media_view": {d: 1000 for d in DAYS},
        "page_post_engagements": {d: 40 for d in DAYS},
        "page_follows": {d: 9000 + 3 * i for i, d in enumerate(DAYS)},
        "page_daily_follows_unique": {d: 3 for d in DAYS},
    }
    graph.posts[PAGE] = [at(d, 12) for d in DAYS]
    graph.refuse_posts = True  # 403, code 10: requires pages_read_user_content
    url = graph.install(httpserver)
    linkedin = FakeLinkedIn(token=TOKENS["LI_OPT"], organization=ORG, now=night(RUN))
    linkedin.shares = {
        d: {"impressionCount": 500, "clickCount": 10, "likeCount": 6, "commentCount": 2}
        for d in DAYS
    }
    linkedin.gains = {d: {"organicFollowerGain": 4, "paidFollowerGain": 1} for d in DAYS}
    linkedin.followers = 4000
    linkedin.posts = [at(d, 9) for d in DAYS[:33]]
    linkedin.refuse_posts = True  # 403 ACCESS_DENIED: no r_organization_social
    linkedin.install(httpserver)
    (tmp_path / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=url, page=PAGE, org=ORG)), encoding="utf-8"
    )
    return tmp_path, graph, linkedin


def test_refused_posts_leave_the_posts_kpis_without_data_and_publish_the_rest(platforms):
    root, graph, linkedin = platforms
    result = run_local(root, RUN.isoformat(), TOKENS)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    # the posts were asked for, and refused
    assert any(r["path"].endswith("/published_posts") for r in graph.requests)
    assert any(r["path"] == "/rest/posts" for r in linkedin.requests)
    serving = root / "data/serving.duckdb"

    # everything else is published, October in full
    assert value(serving, "metric", "social.impressions") == 31 * (1000 + 500)
    assert value(serving, "metric", "social.engagements") == 31 * (40 + (10 + 6 + 2))
    assert value(serving, "kpi", "engagement_rate") == pytest.approx(100 * 31 * 58 / (31 * 1500))
    assert value(serving, "kpi", "follower_gains") == 31 * 3 + 31 * 5

    # the posts KPIs: no value and no_data in every period — not a zero
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select kpi_id, grain, period_start, value, status from scorecard.kpi_values"
            " where kpi_id in ('posts', 'facebook_posts')"
        ).fetchall()
        posts_metrics = con.execute(
            "select count(*) from scorecard.metric_values where metric_id like 'social.%posts'"
        ).fetchall()[0][0]
        social_posts = con.execute("select count(*) from scorecard.social_posts").fetchall()[0][0]
    assert {(k, g) for k, g, *_ in rows} >= {("posts", "month"), ("facebook_posts", "month")}
    assert all(v is None and s == "no_data" for *_, v, s in rows), rows
    assert posts_metrics == 0 and social_posts == 0

    # warned once per source, naming the permission and what shows no data
    for source, permission in (
        ("facebook", "pages_read_user_content"),
        ("linkedin", "r_organization_social"),
    ):
        line = f"{source}: the platform refused what needs the permission {permission}"
        assert output.count(line) == 1, (line, output[-5000:])
        assert f"social.{source}.posts" in output

    # and listed in the run's landing report, for the data-quality report and status
    runs = sorted((root / "data/artifacts/runs").iterdir(), key=lambda p: p.stat().st_mtime)
    report = json.loads((runs[-1] / "landing_facebook.json").read_text(encoding="utf-8"))
    missing = {(m["stream"], m["part"]): m for m in report["missing"]}
    assert set(missing) == {("page_insights", "posts_published"), ("page_posts", "stream")}
    assert missing[("page_insights", "posts_published")]["kpis"] == ["facebook_posts", "posts"]
    assert {m["permission"] for m in missing.values()} == {"pages_read_user_content"}
    # `scorecard status` lists it beside the (published) run
    status = run_cli("status", "--json", cwd=root)
    [newest, *_] = json.loads(status.stdout)["runs"]
    assert newest["outcome"] == "published"
    assert any(
        "facebook: the stream of page_posts was refused" in p
        and "grant pages_read_user_content" in p
        for p in newest["problems"]
    ), newest["problems"]
    for token in TOKENS.values():
        assert token not in output
