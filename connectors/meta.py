"""Meta's Graph API (Facebook Pages and Instagram), shared by both connectors.

- daily values are placed on the Pacific day their `end_time` closes: Meta's `end_time` is the
  end of a day in America/Los_Angeles (07:00 or 08:00 UTC, by daylight saving) — convert, never
  truncate UTC;
- a retired or unknown metric fails the whole call with error code 100, so a failed batch is
  retried metric by metric: the good ones land, the bad one is reported once and skipped;
- throttling (codes 4, 17, 32, 613 and the 80000-range business limits) and the usage headers
  slow the connector down instead of failing it;
- a post's (or media's) lifetime insights come as one value per metric, without `end_time`;
  a media too few people saw answers error code 10 and lands without numbers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from connectors.http import HttpClient, RequestError, RetryPolicy
from connectors.pagination import NextUrlPaginator, PageRequest

PACIFIC = ZoneInfo("America/Los_Angeles")
GRAPH_URL = "https://graph.facebook.com"
THROTTLE_CODES = {4, 17, 32, 613}
UNKNOWN_METRIC = 100
NOT_ENOUGH_VIEWERS = 10  # "(#10) Not enough viewers for the media to show insights"
USAGE_SLOW_DOWN = 85  # percent of a usage quota at which calls are spaced out


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
        code = error_code(response)
        if code not in THROTTLE_CODES and not (code and 80000 <= code < 81000):
            return None
        minutes = _regain_minutes(response.headers)
        if minutes:
            return min(self.policy.max_retry_after, 60.0 * minutes)
        return self.policy.delay(retries + 1)

    def error_for(self, response: requests.Response):
        error = super().error_for(response)
        error.code = error_code(response)
        return error

    def insights(self, node: str, metrics: list[str], params: dict[str, Any]) -> list[dict]:
        """`/{node}/insights` for several metrics; a retired metric does not sink the others."""
        wanted = [m for m in metrics if m not in self.retired]
        if not wanted:
            return []
        try:
            return self._insights(node, wanted, params)
        except RequestError as e:
            if e.code != UNKNOWN_METRIC:
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
                if e.code != UNKNOWN_METRIC:
                    raise
                self._retire(metric, e)
        return data

    def lifetime(self, node: str, metrics: list[str], params: dict[str, Any]) -> dict[str, float]:
        """A post's or media's lifetime insights as they stand now ({metric: value}); a retired
        metric is isolated as in `insights`, and a media Meta shows no insights for (too few
        viewers) answers {} — the post still lands, without numbers."""
        try:
            return lifetime_values(self.insights(node, metrics, params))
        except RequestError as e:
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
