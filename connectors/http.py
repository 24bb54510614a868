"""HTTP mechanics, written once for every API connector.

- one `requests.Session` per source, a timeout on every call;
- retries with exponential backoff and jitter on 5xx and on timeouts / dropped connections,
  and on 429 after the server's `Retry-After` (urllib3's `Retry` does the waiting);
- no retry on 400/401/403: those are answered at once with an error that says which source
  failed and what to do; a 403 (`AccessDenied`: the token may not read this) and a 404
  (`NotFound`) are told apart from a rejected token (401), so an optional stream can be left
  out instead of failing the source (`is_refusal`, `Stream.optional`);
- tokens redacted from every error message (see `connectors.secrets`);
- pages followed by paginator objects (`connectors.pagination`): no connector loops by hand.

Connectors whose vendor ships a client (GA4) reuse `RetryPolicy` and the error types here.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.pagination import Page, PageRequest, Paginator, PagingError, walk
from connectors.secrets import redact

RETRY_STATUSES = (429, 500, 502, 503, 504)
USER_AGENT = "marketing-scorecard/0.1 (+https://github.com/marketing-scorecard)"


class SourceError(RuntimeError):
    """Extraction from a source failed; the message names the source and what to do."""

    code: int | None = None  # the platform's own error code, where it has one

    def __init__(self, source: str, message: str):
        super().__init__(redact(f"source {source}: {message}"))
        self.source = source


class AuthError(SourceError):
    """Credentials rejected or no permission (401/403): never retried."""


class RequestError(SourceError):
    """The platform refused the request as malformed (400/404/422): never retried."""


class AccessDenied(AuthError):
    """The token works but may not read this (403, or a platform's own permission error such
    as Meta's codes 10 and 200-299): a permission is missing. Never retried; an optional
    stream is left out of the run instead of failing the source."""


class NotFound(RequestError):
    """What was asked for is not there (404, or a platform's own not-found error): never
    retried; an optional stream is left out of the run instead of failing the source."""


def is_refusal(error: BaseException) -> bool:
    """Whether the platform refused to give something rather than failed: "you may not read
    this" (AccessDenied) or "it is not there" (NotFound). A rejected token (401), a malformed
    request, throttling and server errors are not refusals."""
    return isinstance(error, AccessDenied | NotFound)


class QuotaExhausted(SourceError):
    """A quota that will not come back within this run (e.g. a daily quota)."""


class TransientError(SourceError):
    """5xx, timeouts or throttling that outlasted every retry."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient failures (shared by all API connectors)."""

    attempts: int = 5  # retries after the first try
    backoff: float = 1.0  # seconds; doubles each retry
    max_backoff: float = 60.0
    jitter: float = 0.5  # up to this many seconds added at random
    max_retry_after: float = 900.0  # longest server-requested wait we honour
    timeout: float = 60.0  # seconds, per HTTP call

    def delay(self, retry_number: int) -> float:
        """Backoff before retry `retry_number` (1-based), with jitter."""
        base = min(self.max_backoff, self.backoff * 2 ** (retry_number - 1))
        return base + random.uniform(0, self.jitter)

    def urllib3_retry(self) -> Retry:
        return Retry(
            total=self.attempts,
            connect=self.attempts,
            read=self.attempts,
            status=self.attempts,
            other=0,
            allowed_methods=None,  # POST reports are idempotent reads: retry them too
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_max=self.max_backoff,
            backoff_jitter=self.jitter,
            respect_retry_after_header=True,
            raise_on_status=False,  # hand the last response back; we turn it into an error
        )


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), if the server sent one."""
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HttpClient:
    """A session for one source: base URL, auth headers, retries, timeouts, clear errors."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        log: logging.Logger | None = None,
        token=None,
    ):
        self.source = source
        # a connectors.oauth token: sets Authorization on every call, and one that renews
        # itself is renewed once when the API answers 401 (expired or revoked meanwhile)
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.log = log or logging.getLogger(f"connectors.{source}")
        self.params = dict(params or {})
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
        adapter = HTTPAdapter(max_retries=self.policy.urllib3_retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        absolute = path.startswith(("http://", "https://"))
        url = path if absolute else f"{self.base_url}/{path.lstrip('/')}"
        # a next-page URL from the server may carry our query key already: never send it twice
        present = set(parse_qs(urlsplit(url).query, keep_blank_values=True))
        fixed = {k: v for k, v in self.params.items() if k not in present}
        params = {**fixed, **(kwargs.pop("params", None) or {})}
        throttled = 0
        renewed = False
        extra_headers = dict(kwargs.pop("headers", None) or {})
        while True:
            headers = dict(extra_headers)
            if self.token is not None:
                headers["Authorization"] = self._authorization()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    timeout=self.policy.timeout,
                    **kwargs,
                )
            except requests.exceptions.RetryError as e:
                raise TransientError(
                    self.source, f"{method} {_path(url)} kept failing: {e}"
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
                raise TransientError(
                    self.source,
                    f"{method} {_path(url)} failed after {self.policy.attempts} retries "
                    f"({type(e).__name__}); check the network or the source's base_url",
                ) from None
            self.observe(response)
            if response.status_code < 400:
                return response
            renewable = self.token is not None and self.token.renews
            if response.status_code == 401 and renewable and not renewed:
                renewed = True
                self.log.info(f"{self.source}: access token refused (401); renewing it")
                self._authorization(renew=True)
                continue
            delay = self.throttle_delay(response, throttled)
            if delay is None or throttled >= self.policy.attempts:
                raise self.error_for(response)
            throttled += 1
            self.log.warning(
                f"{self.source}: throttled by the platform ({_detail(response)}); "
                f"waiting {delay:.1f} s (retry {throttled} of {self.policy.attempts})"
            )
            time.sleep(delay)

    def _authorization(self, renew: bool = False) -> str:
        from connectors.oauth import TokenError

        try:
            if renew:
                self.token.renew()
            return self.token.header()
        except TokenError as e:
            raise AuthError(self.source, str(e)) from None

    def observe(self, response: requests.Response) -> None:
        """Hook: read usage/rate-limit headers and slow down before the platform refuses."""

    def throttle_delay(self, response: requests.Response, retries: int) -> float | None:
        """Hook: seconds to wait before retrying a refused call, or None (not throttling).

        Plain 429s are retried by urllib3 already; platforms that throttle with their own
        error codes (Meta's 4/17/32/613) override this.
        """
        return None

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs).json()

    def error_for(self, response: requests.Response) -> SourceError:
        status = response.status_code
        where = f"{response.request.method} {_path(response.url)} returned {status}"
        detail = _detail(response)
        if status == 404:
            return NotFound(self.source, f"{where} ({detail}); check the source's settings")
        if status in (401, 403):
            kind = AccessDenied if status == 403 else AuthError
            return kind(
                self.source,
                f"{where} ({detail}): the credentials were rejected or lack permission; "
                "check the token's environment variable and its scopes",
            )
        if status in RETRY_STATUSES:
            return TransientError(
                self.source, f"{where} ({detail}) after {self.policy.attempts} retries; try later"
            )
        return RequestError(self.source, f"{where} ({detail}); check the source's settings")

    def paginate(
        self,
        request: PageRequest | str,
        paginator: Paginator | None = None,
        *,
        records: Callable[[Any], list] = lambda body: body,
        max_pages: int = 100_000,
        what: str = "",
    ) -> Iterator[Page]:
        """Every page of a request, as `paginator` says where the next one is (no paginator:
        one page). Each `Page` has the response, the JSON body and `records(body)`."""
        if isinstance(request, str):
            request = PageRequest(request)

        def fetch(page: PageRequest):
            response = self.request(page.method, page.url, params=page.params, json=page.json)
            return response, response.json()

        try:
            yield from walk(
                fetch,
                request,
                paginator or Paginator(),
                records=records,
                max_pages=max_pages,
                what=what,
            )
        except PagingError as e:
            raise RequestError(self.source, str(e)) from None


def bearer_client(
    config,
    default_url: str,
    *,
    policy: RetryPolicy,
    log: logging.Logger,
    headers: Mapping[str, str] | None = None,
    client_class: type[HttpClient] = HttpClient,
) -> HttpClient:
    """A client for a source authenticated by `access_token: env:NAME` as a bearer token."""
    from connectors.secrets import resolve_secret

    token = resolve_secret(config.access_token, key="access_token")
    return client_class(
        config.name,
        config.base_url or default_url,
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
        policy=policy,
        log=log,
    )


def _path(url: str) -> str:
    """A URL without its query string (queries may carry keys)."""
    return redact(url.split("?", 1)[0])


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return redact(response.text[:200].strip()) or response.reason
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        message = error.get("message") or error.get("error_description") or str(error)
    else:
        message = str(error)
    return redact(str(message)[:300])
