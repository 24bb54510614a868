"""Optional streams (issue 22, item 8): a platform refusing the posts of a source for want of a
permission — Meta's code 10 in a 403, LinkedIn's 403 ACCESS_DENIED — lands the rest of the
source, lands nothing for the posts, and says once what to grant and what shows no data; a
rejected token or a server error on the same call still fails the source."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from werkzeug.wrappers import Response

from connectors.facebook_page import FacebookPageConfig
from connectors.http import (
    AccessDenied,
    AuthError,
    HttpClient,
    NotFound,
    RetryPolicy,
    TransientError,
    is_refusal,
)
from connectors.instagram import InstagramConfig
from connectors.landing import LandingStore
from connectors.linkedin_page import LinkedInPageConfig
from connectors.meta import GraphClient
from orchestration.extract import extract_source
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeGraph

TOKEN = "canary-optional-7c8d9e0f"
FAST = RetryPolicy(attempts=1, backoff=0.01, jitter=0.0, max_backoff=0.01)
PAGE, ACCOUNT, ORG = "555", "17841400000000001", "2414183"
RUN = date(2025, 6, 12)
NIGHT = datetime.combine(RUN, time(2), tzinfo=ZoneInfo("Europe/Copenhagen"))
DAYS = [date(2025, 6, 1) + timedelta(days=i) for i in range(11)]  # to the last Pacific day
KPIS = {"posts": ["social.posts"], "reach": ["social.impressions"]}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr("connectors.http.RetryPolicy", lambda: FAST)
    monkeypatch.setenv("OPT_TOKEN", TOKEN)


@pytest.fixture
def graph(httpserver):
    fake = FakeGraph(token=TOKEN, now=NIGHT)
    fake.insights[PAGE] = {
        "page_media_view": {d: 1000 for d in DAYS},
        "page_post_engagements": {d: 40 for d in DAYS},
        "page_follows": {d: 9000 for d in DAYS},
        "page_daily_follows_unique": {d: 3 for d in DAYS},
    }
    fake.insights[ACCOUNT] = {
        "views": {d: 2000 for d in DAYS},
        "total_interactions": {d: 90 for d in DAYS},
        "follower_count": {d: 5 for d in DAYS},
    }
    fake.fields[ACCOUNT] = {"followers_count": 8000}
    at_noon = [datetime.combine(d, time(19), tzinfo=UTC) for d in DAYS]
    fake.posts[PAGE] = list(at_noon)
    fake.posts[ACCOUNT] = list(at_noon)
    fake.install(httpserver)
    return fake


@pytest.fixture
def linkedin(httpserver):
    fake = FakeLinkedIn(token=TOKEN, organization=ORG, now=NIGHT)
    fake.shares = {d: {"impressionCount": 500, "clickCount": 10} for d in DAYS}
    fake.followers = 4000
    fake.posts = [datetime.combine(d, time(9), tzinfo=UTC) for d in DAYS]
    fake.install(httpserver)
    return fake


def facebook_config(graph):
    return FacebookPageConfig(
        name="facebook",
        page_id=PAGE,
        access_token="env:OPT_TOKEN",
        base_url=graph.base,
        start_date=DAYS[0],
    )


def instagram_config(graph):
    return InstagramConfig(
        name="instagram",
        account_id=ACCOUNT,
        access_token="env:OPT_TOKEN",
        base_url=graph.base,
        start_date=DAYS[0],
    )


def linkedin_config(httpserver):
    return LinkedInPageConfig(
        name="linkedin",
        organization_id=ORG,
        access_token="env:OPT_TOKEN",
        base_url=f"http://{httpserver.host}:{httpserver.port}",
        start_date=DAYS[0],
    )


def run(config, tmp_path, caplog):
    store = LandingStore(tmp_path / "landing")
    with caplog.at_level(logging.INFO):
        results = extract_source(
            config,
            store,
            run_date=RUN,
            moment=NIGHT,
            log=logging.getLogger("optional"),
            kpis=KPIS,
        )
    return store, results


def landed(store, source, stream) -> list[dict]:
    rows = []
    for path in store.batch_files(source, stream):
        rows += pq.read_table(path).to_pylist()
    return rows


def warnings(caplog) -> list[str]:
    notice = "[notice] "  # printed in the run's output, not only logged
    out = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert all(w.startswith(notice) for w in out), out
    return [w.removeprefix(notice) for w in out]


def test_facebook_without_pages_read_user_content_lands_its_insights(graph, tmp_path, caplog):
    graph.refuse_posts = True
    store, results = run(facebook_config(graph), tmp_path, caplog)

    rows = landed(store, "facebook", "page_insights")
    metrics = {r["metric"] for r in rows}
    assert metrics == {
        "page_media_view",
        "page_post_engagements",
        "page_follows",
        "page_daily_follows_unique",
    }  # every insight, and no posts_published: not a zero, absent
    assert sum(r["value"] for r in rows if r["metric"] == "page_media_view") == 1000 * 10
    assert results["page_posts"].files == [] and landed(store, "facebook", "page_posts") == []
    assert results["page_posts"].may_be_empty

    missing = results["page_insights"].missing + results["page_posts"].missing
    assert [(m["stream"], m["part"]) for m in missing] == [
        ("page_insights", "posts_published"),
        ("page_posts", "stream"),
    ]
    assert {m["permission"] for m in missing} == {"pages_read_user_content"}
    assert missing[0]["metric_ids"] == ["social.posts", "social.facebook.posts"]
    assert missing[0]["kpis"] == ["posts"] and missing[1]["kpis"] == []
    assert "code 10" in missing[0]["error"] and "returned 403" in missing[0]["error"]
    assert TOKEN not in str(missing)

    [warning] = warnings(caplog)  # once for the source, however many parts were refused
    assert warning.startswith("facebook: the platform refused what needs the permission ")
    for text in (
        "pages_read_user_content",
        "stream page_posts lands nothing",
        "stream page_insights lands without posts_published",
        "metrics social.facebook.posts, social.posts show no data",
        "KPIs posts: no_data",
        "Grant pages_read_user_content",
    ):
        assert text in warning, text


def test_instagram_that_may_not_list_media_lands_its_insights(graph, tmp_path, caplog):
    graph.refuse_posts = True
    store, _ = run(instagram_config(graph), tmp_path, caplog)
    metrics = {r["metric"] for r in landed(store, "instagram", "account_insights")}
    assert "views" in metrics and "followers_count" in metrics
    assert "posts_published" not in metrics
    assert landed(store, "instagram", "account_media") == []
    [warning] = warnings(caplog)
    assert "instagram_basic" in warning and "social.instagram.posts" in warning


def test_linkedin_access_denied_on_posts_lands_the_statistics(
    linkedin, httpserver, tmp_path, caplog
):
    linkedin.refuse_posts = True
    store, results = run(linkedin_config(httpserver), tmp_path, caplog)
    rows = landed(store, "linkedin", "organization_statistics")
    assert {r["metric"] for r in rows} >= {"impressionCount", "clickCount", "firstDegreeSize"}
    assert "posts_published" not in {r["metric"] for r in rows}
    assert sum(r["value"] for r in rows if r["metric"] == "impressionCount") == 500 * 11
    assert landed(store, "linkedin", "organization_posts") == []
    missing = results["organization_posts"].missing
    assert missing[0]["permission"] == "r_organization_social"
    assert "ACCESS_DENIED" not in missing[0]["error"]  # the message, not LinkedIn's code
    assert "Not enough permissions" in missing[0]["error"]
    [warning] = warnings(caplog)
    assert "r_organization_social" in warning and "KPIs posts: no_data" in warning


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((400, 190, "Error validating access token: Session has expired"), AuthError),
        ((500, 2, "An unexpected error has occurred. Please retry your request later."), None),
    ],
)
def test_facebook_bad_token_or_server_error_on_posts_still_fails(
    graph, tmp_path, caplog, answer, error
):
    graph.refuse_posts = answer
    expected = error or TransientError
    with pytest.raises(expected) as e:
        run(facebook_config(graph), tmp_path, caplog)
    assert not is_refusal(e.value)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((401, "INVALID_ACCESS_TOKEN", "Invalid access token"), AuthError),
        ((503, "SERVICE_UNAVAILABLE", "Service unavailable"), TransientError),
    ],
)
def test_linkedin_bad_token_or_server_error_on_posts_still_fails(
    linkedin, httpserver, tmp_path, caplog, answer, expected
):
    linkedin.refuse_posts = answer
    with pytest.raises(expected) as e:
        run(linkedin_config(httpserver), tmp_path, caplog)
    assert not is_refusal(e.value)


def test_a_refusal_on_a_required_stream_still_fails(graph, tmp_path, caplog):
    """Only optional parts are isolated: the page's insights refused fails the source."""
    graph.throttle_next = [200]  # the first data call: "(#200) Permissions error"
    with pytest.raises(AccessDenied):
        run(facebook_config(graph), tmp_path, caplog)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, {"error": {"message": "(#200) Permissions error", "code": 200}}, AccessDenied),
        (
            400,
            {"error": {"message": "(#10) Requires pages_read_user_content", "code": 10}},
            AccessDenied,
        ),
        (
            400,
            {"error": {"message": "Unsupported get request.", "code": 100, "error_subcode": 33}},
            NotFound,
        ),
        (
            400,
            {"error": {"message": "Session has expired", "code": 190, "error_subcode": 463}},
            AuthError,
        ),
        (400, {"error": {"message": "(#100) Invalid metric", "code": 100}}, None),
    ],
)
def test_graph_errors_are_refusals_only_for_permissions_and_missing_objects(
    httpserver, status, body, kind
):
    import json

    httpserver.expect_request("/v24.0/x").respond_with_response(
        Response(json.dumps(body), status=status, content_type="application/json")
    )
    client = GraphClient(
        "meta",
        token=TOKEN,
        api_version="v24.0",
        base_url=f"http://{httpserver.host}:{httpserver.port}",
        policy=FAST,
        log=logging.getLogger("t"),
    )
    with pytest.raises(Exception) as e:
        client.get_json("x")
    if kind is None:
        assert not is_refusal(e.value)
    else:
        assert type(e.value) is kind
        assert is_refusal(e.value) == (kind is not AuthError)


@pytest.mark.parametrize(
    ("status", "refusal"), [(401, False), (403, True), (404, True), (400, False)]
)
def test_http_refusals_are_403_and_404(httpserver, status, refusal):
    httpserver.expect_request("/x").respond_with_response(
        Response('{"message": "no"}', status=status, content_type="application/json")
    )
    client = HttpClient("api", f"http://{httpserver.host}:{httpserver.port}", policy=FAST)
    with pytest.raises(Exception) as e:
        client.get_json("x")
    assert is_refusal(e.value) is refusal
