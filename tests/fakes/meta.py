"""A local Graph API for Facebook Pages and Instagram accounts (the parts our connectors use).

Insights come back as Meta documents them: `{"data": [{"name", "period", "values":
[{"value", "end_time"}]}], "paging": {...}}` with `end_time` the end of the Pacific day in UTC
(07:00 or 08:00, by daylight saving); Instagram's `metric_type=total_value` answers one
`total_value` per metric. A retired metric fails the whole call with error code 100.

Like Meta, it has a clock (`now`): a Pacific day has insights only once it is over (a series
stops at the last day that ended; a total counts only days that ended), posts exist from their
creation time on, and Instagram's follower_count reaches back 30 days, not counting today.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

PACIFIC = ZoneInfo("America/Los_Angeles")
FOLLOWER_COUNT_DAYS = 30


def end_time(day: date) -> str:
    """Meta's end_time of a Pacific day: midnight after it, Pacific, written in UTC."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=PACIFIC).astimezone(UTC)
    return end.strftime("%Y-%m-%dT%H:%M:%S+0000")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class FakeGraph:
    token: str
    version: str = "v24.0"
    insights: dict[str, dict[str, dict[date, float]]] = field(
        default_factory=dict
    )  # node->metric->day
    posts: dict[str, list[datetime]] = field(default_factory=dict)  # node -> created times
    fields: dict[str, dict] = field(default_factory=dict)  # node -> account fields
    retired: set[str] = field(default_factory=set)
    throttle_next: list[int] = field(default_factory=list)  # error codes to answer next
    usage: dict | None = None  # X-App-Usage to send
    requests: list[dict] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)  # more tokens accepted besides `token`
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # the platform's clock

    def is_over(self, day: date) -> bool:
        """Whether a Pacific day has ended by the platform's clock (insights exist for it)."""
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=PACIFIC) <= self.now

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(rf"^/{self.version}/.+")).respond_with_handler(
            self.handle
        )
        self.base = f"http://{httpserver.host}:{httpserver.port}"
        return self.base

    def handle(self, request: Request) -> Response:
        self.requests.append({"path": request.path, "args": request.args.to_dict()})
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in {
            self.token,
            *self.tokens,
        }:
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if self.throttle_next:
            code = self.throttle_next.pop(0)
            return _error(400, code, f"({code}) Application request limit reached")
        parts = request.path.split("/")[2:]
        node, edge = parts[0], (parts[1] if len(parts) > 1 else None)
        if edge == "insights":
            body = self.answer_insights(node, request.args)
        elif edge in ("published_posts", "media"):
            body = self.answer_posts(node, edge, request)
        elif edge is None:
            wanted = request.args.get("fields", "").split(",")
            body = {
                "id": node,
                **{k: v for k, v in self.fields.get(node, {}).items() if k in wanted},
            }
        else:
            return _error(400, 100, f"Unknown edge {edge}")
        if isinstance(body, Response):
            return body
        headers = {"X-App-Usage": json.dumps(self.usage)} if self.usage else {}
        return Response(json.dumps(body), headers=headers, content_type="application/json")

    def answer_insights(self, node, args):
        metrics = args["metric"].split(",")
        bad = [m for m in metrics if m in self.retired or m not in self.insights.get(node, {})]
        if bad:
            return _error(400, 100, "(#100) The value must be a valid insights metric")
        since, until = date.fromisoformat(args["since"]), date.fromisoformat(args["until"])
        today = self.now.astimezone(PACIFIC).date()
        if "follower_count" in metrics and since < today - timedelta(days=FOLLOWER_COUNT_DAYS):
            return _error(
                400,
                100,
                "(#100) follower_count only supports querying data for the last 30 days "
                "excluding the current day",
            )
        # the day still running (and any later one) has no insights yet
        days = [since + timedelta(days=i) for i in range((until - since).days)]
        days = [d for d in days if self.is_over(d)]
        data = []
        for m in metrics:
            series = self.insights[node][m]
            item = {
                "name": m,
                "period": args.get("period", "day"),
                "title": m,
                "id": f"{node}/insights/{m}/day",
            }
            if args.get("metric_type") == "total_value":
                item["total_value"] = {"value": sum(series.get(d, 0) for d in days)}
            else:
                item["values"] = [
                    {"value": series.get(d, 0), "end_time": end_time(d)} for d in days
                ]
            data.append(item)
        return {"data": data, "paging": {"previous": "", "next": ""}}

    def answer_posts(self, node, edge, request):
        args = request.args
        limit = int(args.get("limit", 25))
        start = int(args.get("after", 0))
        # newest first; a post scheduled after the platform's clock does not exist yet
        times = sorted((t for t in self.posts.get(node, []) if t <= self.now), reverse=True)
        if "since" in args:
            lo, hi = int(args["since"]), int(args["until"])
            times = [t for t in times if lo <= t.timestamp() < hi]
        key = "created_time" if edge == "published_posts" else "timestamp"
        page = times[start : start + limit]
        body = {
            "data": [{key: utc_text(t), "id": f"{node}_{start + i}"} for i, t in enumerate(page)]
        }
        if start + limit < len(times):
            query = "&".join(
                f"{k}={v}" for k, v in {**args.to_dict(), "after": start + limit}.items()
            )
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + limit)},
                "next": f"{self.base}{request.path}?{query}",
            }
        return body


def _error(status: int, code: int, message: str) -> Response:
    body = {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AbCdEf",
        }
    }
    return Response(json.dumps(body), status=status, content_type="application/json")
