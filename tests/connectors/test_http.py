"""The shared HTTP mechanics every requests-based connector inherits."""

from __future__ import annotations

import time

import pytest
from werkzeug.wrappers import Response

from connectors.http import AuthError, HttpClient, RequestError, RetryPolicy, TransientError
from connectors.secrets import redact, remember

FAST = RetryPolicy(attempts=3, backoff=0.05, jitter=0.01, timeout=2)
TOKEN = "canary-http-token-31c4d2"


def client(httpserver, policy=FAST):
    remember(TOKEN)
    return HttpClient(
        "social",
        httpserver.url_for("/"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        params={"access_token": TOKEN},
        policy=policy,
    )


def sequence(*responses):
    calls = []

    def handler(request):
        calls.append(time.monotonic())
        return responses[min(len(calls), len(responses)) - 1]

    return handler, calls


def test_429_honours_retry_after_then_succeeds(httpserver):
    handler, calls = sequence(
        Response("slow down", status=429, headers={"Retry-After": "1"}),
        Response('{"ok": true}', content_type="application/json"),
    )
    httpserver.expect_request("/stats").respond_with_handler(handler)
    assert client(httpserver).get_json("stats") == {"ok": True}
    assert len(calls) == 2 and calls[1] - calls[0] >= 1.0


def test_5xx_is_retried_with_backoff(httpserver):
    handler, calls = sequence(
        Response("boom", status=500),
        Response("busy", status=503),
        Response("{}", content_type="application/json"),
    )
    httpserver.expect_request("/stats").respond_with_handler(handler)
    assert client(httpserver).get_json("stats") == {}
    assert len(calls) == 3


def test_persistent_5xx_gives_up_with_a_clear_error(httpserver):
    handler, calls = sequence(
        Response('{"error": {"message": "down"}}', status=502, content_type="application/json")
    )
    httpserver.expect_request("/stats").respond_with_handler(handler)
    with pytest.raises(
        TransientError, match=r"source social: GET http://\S+/stats returned 502 \(down\)"
    ):
        client(httpserver).get_json("stats")
    assert len(calls) == 1 + FAST.attempts


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthError), (403, AuthError), (400, RequestError)]
)
def test_client_errors_fail_at_once_without_leaking_the_token(httpserver, status, error):
    handler, calls = sequence(
        Response(
            f'{{"error": {{"message": "bad token {TOKEN}"}}}}',
            status=status,
            content_type="application/json",
        )
    )
    httpserver.expect_request("/stats").respond_with_handler(handler)
    with pytest.raises(error) as e:
        client(httpserver).get_json("stats")
    assert len(calls) == 1  # never retried
    assert TOKEN not in str(e.value) and "***" in str(e.value)
    assert "access_token" not in str(e.value)  # the query string is never echoed


def test_timeouts_are_retried(httpserver):
    def slow_then_fast(request, calls=[]):  # noqa: B006 - counts calls across invocations
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/stats").respond_with_handler(slow_then_fast)
    policy = RetryPolicy(attempts=2, backoff=0.05, jitter=0, timeout=0.5)
    assert client(httpserver, policy).get_json("stats") == {}


def test_redaction_covers_bearer_headers_and_remembered_values():
    remember("s3cr3t-value-xyz")
    text = redact("Authorization: Bearer abcdefghijklmnop and s3cr3t-value-xyz")
    assert "abcdefghijklmnop" not in text and "s3cr3t-value-xyz" not in text


def test_a_next_page_url_that_carries_the_query_key_gets_it_once(httpserver):
    seen = []

    def handler(request):
        seen.append(request.args.getlist("api_key"))
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/items").respond_with_handler(handler)
    client = HttpClient("t", httpserver.url_for("/"), params={"api_key": "k-123456"})
    client.get_json("items")
    client.get_json(httpserver.url_for("/items") + "?api_key=k-123456&page=2")
    assert seen == [["k-123456"], ["k-123456"]]
