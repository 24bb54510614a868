"""Meta's Graph API (Facebook Pages and Instagram), shared by both connectors.

- daily values are placed on the Pacific day their `end_time` closes: Meta's `end_time` is the
  end of a day in America/Los_Angeles (07:00 or 08:00 UTC, by daylight saving) — convert, never
  truncate UTC;
- a retired or unknown metric fails the whole call with error code 100, so a failed batch is
  retried metric by metric: the good ones land, the bad one is reported once and skipped;
- throttling (codes 4, 17, 32, 613 and the 80000-range business limits) and the usage headers
  slow the connector down instead of failing it;
- a post's (or media's) lifetime insights come as one value per metric, without `end_time`;
  a media too few people saw answers error code 10 and lands without numbers;
- a missing permission (codes 10 and 200-299, whatever the HTTP status) is an AccessDenied and
  an object that does not exist or may not be loaded (code 100 subcode 33, code 803) a
  NotFound, so an optional stream is left out instead of failing the source; an invalid token
  (code 190, any subcode) stays an AuthError and fails it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import requests

from connectors.http import (
    AccessDenied,
    AuthError,
    HttpClient,
    NotFound,
    RequestError,
    RetryPolicy,
    SourceError,
    TransientError,
)
from connectors.oauth import TokenExpiry
from connectors.pagination import NextUrlPaginator, PageRequest

PACIFIC = ZoneInfo("America/Los_Angeles")
GRAPH_URL = "https://graph.facebook.com"
THROTTLE_CODES = {4, 17, 32, 613}
UNKNOWN_METRIC = 100
NOT_ENOUGH_VIEWERS = 10  # "(#10) Not enough viewers for the media to show insights"
USAGE_SLOW_DOWN = 85  # percent of a usage quota at which calls are spaced out
INVALID_TOKEN = 190  # "Error validating access token": expired, revoked or malformed
NO_SUCH_OBJECT = 33  # subcode of 100: "Object with ID … does not exist, cannot be loaded due
# to missing permissions, or does not support this operation"
ALIASES_MISSING = 803  # "(#803) Some of the aliases you requested do not exist"
EXPIRY_WARNING = timedelta(days=14)  # a token expiring sooner is warned about every run
TOKEN_KIND = "long-lived token"
# how an asynchronous report job (Meta Ads insights) reports its progress
JOB_COMPLETED = "Job Completed"
JOB_FAILED = ("Job Failed", "Job Skipped")


def pacific_day(end_time: str) -> date:
    """The Pacific day that ends at `end_time` (e.g. 2025-03-09T08:00:00+0000 -> 2025-03-08)."""
    moment = datetime.strptime(end_time, "%Y-%m-%dT%H:%M:%S%z").astimezone(PACIFIC)
    return (moment - timedelta(seconds=1)).date()


def pacific_date(timestamp: str) -> date:
    """The Pacific date of a moment (a post's created_time)."""
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S%z").astimezone(PACIFIC).date()


def moment(timestamp: str) -> datetime:
    """A Graph timestamp (`2025-03-09T18:00:00+0000`) as an aware datetime."""
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S%z")


def lifetime_values(data: list[dict]) -> dict[str, float]:
    """{metric: value} of lifetime insights. A value broken down by type (reactions by type:
    `{"like": 12, "love": 3}`) is summed; a metric Meta answered nothing for is left out."""
    out = {}
    for item in data:
        values = item.get("values") or [{}]
        value = values[0].get("value")
        if isinstance(value, dict):
            value = sum(v for v in value.values() if isinstance(v, int | float))
        if isinstance(value, int | float):
            out[item["name"]] = float(value)
    return out


def error_code(response: requests.Response) -> int | None:
    try:
        return int(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def error_subcode(response: requests.Response) -> int | None:
    try:
        return int(response.json()["error"]["error_subcode"])
    except (ValueError, KeyError, TypeError):
        return None


def is_permission_error(code: int | None) -> bool:
    """Meta's permission codes: 10 ("Application does not have permission", "requires the …
    permission") and 200-299 ("Permissions error", "requires …"), as its SDKs read them."""
    return code == 10 or (code is not None and 200 <= code <= 299)


def is_throttling(code: int | None) -> bool:
    """Meta's rate-limit codes: 4, 17, 32, 613 and the 80000-range business use-case limits."""
    return code in THROTTLE_CODES or (code is not None and 80000 <= code < 81000)


class GraphClient(HttpClient):
    def __init__(
        self,
        source: str,
        *,
        token: str,
        api_version: str,
        base_url: str | None,
        policy: RetryPolicy,
        log: logging.Logger,
    ):
        super().__init__(
            source,
            f"{(base_url or GRAPH_URL).rstrip('/')}/{api_version}",
            headers={"Authorization": f"Bearer {token}"},
            policy=policy,
            log=log,
        )
        self.retired: set[str] = set()
        self._access_token = token  # for debug_token's input_token; never logged

    def observe(self, response: requests.Response) -> None:
        usage = _usage_percent(response.headers)
        if usage >= USAGE_SLOW_DOWN:
            pause = min(
                self.policy.max_backoff, self.policy.backoff * (usage - USAGE_SLOW_DOWN + 1)
            )
            self.log.warning(
                f"{self.source}: Graph API usage at {usage:.0f} %; pausing {pause:.1f} s"
            )
            time.sleep(pause)

    def throttle_delay(self, response: requests.Response, retries: int) -> float | None:
        if not is_throttling(error_code(response)):
            return None
        minutes = _regain_minutes(response.headers)
        if minutes:
            return min(self.policy.max_retry_after, 60.0 * minutes)
        return self.policy.delay(retries + 1)

    def error_for(self, response: requests.Response):
        code = error_code(response)
        if code == INVALID_TOKEN:
            # Meta answers an expired or revoked token with 400 and code 190: not a request
            # to fix but a token to replace
            where = f"{response.request.method} {_path_only(response.url)}"
            error = AuthError(
                self.source,
                f"{where}: Meta refused the access token (code 190: {_message(response)}); "
                "it expired or was revoked — create a new long-lived token and update the "
                "source's access_token environment variable",
            )
        elif is_permission_error(code):
            error = AccessDenied(
                self.source,
                f"{response.request.method} {_path_only(response.url)} returned "
                f"{response.status_code}: Meta refused it for a missing permission (code "
                f"{code}: {_message(response)})",
            )
        elif (code == UNKNOWN_METRIC and error_subcode(response) == NO_SUCH_OBJECT) or (
            code == ALIASES_MISSING
        ):
            error = NotFound(
                self.source,
                f"{response.request.method} {_path_only(response.url)} returned "
                f"{response.status_code}: Meta has no such object for this token (code "
                f"{code}: {_message(response)}); check the id in the source's settings",
            )
        elif is_throttling(code):
            # still refused after every wait this run allows: not a setting to fix
            error = TransientError(
                self.source,
                f"{response.request.method} {_path_only(response.url)}: Meta kept throttling "
                f"the calls (code {code}: {_message(response)}) after "
                f"{self.policy.attempts} retries; the next run continues — try again later",
            )
        else:
            error = super().error_for(response)
        error.code = code
        return error

    def debug_token(self) -> dict:
        """What Meta says about this client's own token (`GET /debug_token`, the token
        inspecting itself): `is_valid`, `expires_at`, `data_access_expires_at` (Unix
        seconds, 0: never), ..."""
        body = self.get_json("debug_token", params={"input_token": self._access_token})
        return body.get("data") or {}

    def report_job(
        self,
        path: str,
        params: dict[str, Any],
        *,
        what: str,
        timeout: float,
        poll_seconds: float,
    ) -> Iterator[dict]:
        """Every row of an asynchronous insights report: `POST {path}` with `params` starts a
        job (`report_run_id`), which is polled (`async_status`, `async_percent_completion`)
        every `poll_seconds` until Meta completes it, then its `/insights` are read page by
        page. A failed or skipped job, or one not done after `timeout` seconds, raises a
        TransientError naming `what` and the job."""
        started = time.monotonic()
        job = self.request("POST", path, data=params).json()
        run_id = str(job["report_run_id"])
        self.log.info(f"{self.source}: {what}: report job {run_id} started")
        while True:
            status = self.get_json(run_id)
            state = status.get("async_status")
            percent = status.get("async_percent_completion")
            if state == JOB_COMPLETED:
                break
            if state in JOB_FAILED:
                raise TransientError(
                    self.source,
                    f"{what}: Meta's report job {run_id} ended with '{state}' "
                    f"({percent} % done); the next run asks again — if it keeps failing, "
                    "backfill the range in shorter pieces",
                )
            waited = time.monotonic() - started
            if waited + poll_seconds > timeout:
                raise TransientError(
                    self.source,
                    f"{what}: Meta's report job {run_id} was still '{state}' ({percent} % "
                    f"done) after {waited:.0f} s, beyond async_timeout_seconds ({timeout:g} s); "
                    "try again later or raise async_timeout_seconds",
                )
            self.log.info(f"{self.source}: {what}: report job {run_id}: {state}, {percent} %")
            time.sleep(poll_seconds)
        yield from self.edge(f"{run_id}/insights", {"limit": params.get("limit", 500)})

    def insights(self, node: str, metrics: list[str], params: dict[str, Any]) -> list[dict]:
        """`/{node}/insights` for several metrics; a retired metric does not sink the others."""
        wanted = [m for m in metrics if m not in self.retired]
        if not wanted:
            return []
        try:
            return self._insights(node, wanted, params)
        except RequestError as e:
            if e.code != UNKNOWN_METRIC or isinstance(e, NotFound):
                raise
            if len(wanted) == 1:
                self._retire(wanted[0], e)
                return []
        # one of them is retired or unknown: ask for each alone, so the others still land
        data = []
        for metric in wanted:
            try:
                data += self._insights(node, [metric], params)
            except RequestError as e:
                if e.code != UNKNOWN_METRIC or isinstance(e, NotFound):
                    raise
                self._retire(metric, e)
        return data

    def lifetime(self, node: str, metrics: list[str], params: dict[str, Any]) -> dict[str, float]:
        """A post's or media's lifetime insights as they stand now ({metric: value}); a retired
        metric is isolated as in `insights`, and a media Meta shows no insights for (too few
        viewers) answers {} — the post still lands, without numbers."""
        try:
            return lifetime_values(self.insights(node, metrics, params))
        except SourceError as e:  # code 10 is Meta's permission code too: an AccessDenied
            if e.code != NOT_ENOUGH_VIEWERS:
                raise
            self.log.info(f"{self.source}: no insights for {node} yet ({e})")
            return {}

    def _insights(self, node: str, metrics: list[str], params: dict[str, Any]) -> list[dict]:
        return self.get_json(f"{node}/insights", params={**params, "metric": ",".join(metrics)})[
            "data"
        ]

    def _retire(self, metric: str, error: Exception) -> None:
        if metric not in self.retired:
            self.retired.add(metric)
            self.log.warning(
                f"{self.source}: metric {metric} was refused by the Graph API (retired or "
                f"unknown: {error}); the other metrics are still extracted — update metric_map"
            )

    def edge(self, path: str, params: dict[str, Any]) -> Iterator[dict]:
        """Every item of a paged edge: Graph names the next page's URL in `paging.next`."""
        pages = self.paginate(
            PageRequest(path, params),
            NextUrlPaginator("paging.next"),
            records=lambda body: body.get("data", []),
        )
        for page in pages:
            yield from page.records


def token_times(info: dict) -> tuple[datetime | None, datetime | None]:
    """(expires_at, data_access_expires_at) of a debug_token answer; None: never."""

    def when(key: str) -> datetime | None:
        value = info.get(key)
        return datetime.fromtimestamp(int(value), tz=UTC) if value else None

    return when("expires_at"), when("data_access_expires_at")


def check_token(
    client: GraphClient, *, now: datetime, renew: str, log: logging.Logger
) -> TokenExpiry | None:
    """Ask Meta about the client's token before extracting (`debug_token`).

    Invalid or expired (its own expiry or its data access) -> AuthError saying how to get a
    new one (`renew`), carrying the expiry as `error.expiry` (when it ended; now for a revoked
    token), since an expired token is what `scorecard status` must show; expiring within 14
    days -> a warning naming the date. Returns the expiry for `scorecard status` (expires_at
    None: never expires), or None when Meta would not inspect the token (some tokens cannot):
    that is logged and the run goes on — a token that does not work fails the first real
    call anyway."""
    try:
        info = client.debug_token()
    except SourceError as e:
        if e.code == INVALID_TOKEN:
            raise  # not a refusal to inspect: the token itself is expired or revoked
        why = str(e).removeprefix(f"source {client.source}: ")
        log.info(
            f"{client.source}: Meta would not inspect the access token ({why}); its expiry "
            "is unknown, extracting anyway"
        )
        return None
    expires_at, data_access_until = token_times(info)
    expired = expires_at is not None and expires_at <= now
    if data_access_until is not None and data_access_until <= now and not expired:
        error = AuthError(
            client.source,
            f"the access token's data access expired {data_access_until:%Y-%m-%d} UTC (a user "
            f"must log in to the app again every 90 days). {renew}",
        )
        error.expiry = TokenExpiry(TOKEN_KIND, data_access_until, renews_itself=False)
        raise error
    if expired or info.get("is_valid") is False:
        reason = str((info.get("error") or {}).get("message") or "not valid").rstrip(".")
        ended = f" (expired {expires_at:%Y-%m-%d %H:%M} UTC)" if expired else ""
        error = AuthError(
            client.source,
            f"Meta says the access token is no longer valid{ended}: {reason}. {renew}",
        )
        error.expiry = TokenExpiry(TOKEN_KIND, expires_at if expired else now, False)
        raise error
    ends = [t for t in (expires_at, data_access_until) if t is not None]
    soonest = min(ends) if ends else None
    if soonest is not None and soonest - now <= EXPIRY_WARNING:
        what = "access token" if soonest == expires_at else "access token's data access"
        days = (soonest - now).days
        log.warning(
            f"{client.source}: the Meta {what} expires on {soonest:%Y-%m-%d} "
            f"({days} day{'s' if days != 1 else ''} from now). {renew}"
        )
    return TokenExpiry(TOKEN_KIND, soonest, renews_itself=False)


class GraphTokenCheck:
    """Mixin for the Graph API connectors: the token is checked once per run (the first
    extraction of any stream) and its expiry kept for `token_expiry()`."""

    # how to get a new token, for the errors and warnings (the permissions it needs)
    token_renewal: ClassVar[str] = (
        "Create a new long-lived token (best: a system user's token, which does not expire) "
        "and update the source's access_token environment variable."
    )
    _token_checked: bool = False
    _token_expiry: TokenExpiry | None = None

    def check_token(self, client: GraphClient, ctx) -> None:
        if self._token_checked:
            return
        now = ctx.moment or datetime.now(UTC)
        try:
            self._token_expiry = check_token(client, now=now, renew=self.token_renewal, log=ctx.log)
        except AuthError as e:
            # an expired token is what `scorecard status` must show, after the failed run;
            # one Meta refuses outright (code 190) stopped working by now
            self._token_expiry = getattr(e, "expiry", None) or TokenExpiry(TOKEN_KIND, now, False)
            raise
        self._token_checked = True

    def token_expiry(self) -> TokenExpiry | None:
        return self._token_expiry


def _message(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.reason


def _path_only(url: str) -> str:
    """A URL without its query string (a Graph next-page URL carries the access token)."""
    return url.split("?", 1)[0]


def _usage_percent(headers) -> float:
    """The highest percentage in X-App-Usage / X-Page-Usage / X-Business-Use-Case-Usage."""
    highest = 0.0
    for name in ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        entries = [value] if isinstance(value, dict) and "call_count" in value else []
        if isinstance(value, dict) and not entries:
            entries = [e for items in value.values() for e in (items or [])]
        for entry in entries:
            for key in ("call_count", "total_time", "total_cputime"):
                highest = max(highest, float(entry.get(key) or 0))
    return highest


def _regain_minutes(headers) -> float:
    raw = headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return 0.0
    try:
        value = json.loads(raw)
    except ValueError:
        return 0.0
    return max(
        (float(e.get("estimated_time_to_regain_access") or 0) for v in value.values() for e in v),
        default=0.0,
    )
