"""A local LinkedIn Community Management API (the REST endpoints our connector uses).

It insists on the `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0` headers, reads
Rest.li `timeIntervals=(timeRange:(start:…,end:…),timeGranularityType:DAY)` queries, and — like
LinkedIn — refuses statistics older than 12 months. It has a clock (`now`): a UTC day has
statistics only once it is over, and posts exist from their publication on. The Posts API lists
every post, however old.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from werkzeug.wrappers import Request, Response

INTERVAL = re.compile(r"\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:DAY\)")


def ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


@dataclass
class FakeLinkedIn:
    token: str
    organization: str
    now: datetime  # the platform's clock
    shares: dict[date, dict[str, int]] = field(default_factory=dict)
    gains: dict[date, dict[str, int]] = field(default_factory=dict)
    followers: int = 0
    posts: list[datetime] = field(default_factory=list)
    delayed: set[date] = field(default_factory=set)  # days whose statistics are not ready yet
    requests: list[dict] = field(default_factory=list)

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(r"^/rest/.+")).respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}"

    def handle(self, request: Request) -> Response:
        self.requests.append(
            {
                "path": request.path,
                "query": request.query_string.decode(),
                "headers": dict(request.headers),
            }
        )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if not re.fullmatch(r"\d{6}", request.headers.get("LinkedIn-Version", "")):
            return _error(426, "A version header is required", "VERSION_MISSING")
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return _error(400, "Rest.li protocol 2.0.0 is required", "ILLEGAL_ARGUMENT")
        urn = f"urn:li:organization:{self.organization}"
        path = request.path
        if path.startswith("/rest/networkSizes/"):
            if path.removeprefix("/rest/networkSizes/") != urn:
                return _error(404, "Not found", "NOT_FOUND")
            return _json({"firstDegreeSize": self.followers})
        if path == "/rest/posts":
            return self.answer_posts(request.args)
        if request.args.get("organizationalEntity") != urn:
            return _error(
                403, "Not enough permissions to access this organization", "ACCESS_DENIED"
            )
        m = INTERVAL.fullmatch(request.args.get("timeIntervals", ""))
        if not m:
            return _error(400, "Invalid timeIntervals", "ILLEGAL_ARGUMENT")
        start, end = int(m.group(1)), int(m.group(2))
        today = self.now.astimezone(UTC).date()
        if start < ms(today - timedelta(days=365)):
            return _error(400, "Time range must be within the last 12 months", "ILLEGAL_ARGUMENT")
        days = []
        d = datetime.fromtimestamp(start / 1000, tz=UTC).date()
        while ms(d) < end and d < today:  # the day still running has no statistics yet
            if d not in self.delayed:
                days.append(d)
            d += timedelta(days=1)
        if path == "/rest/organizationalEntityShareStatistics":
            elements = [
                {
                    "organizationalEntity": urn,
                    "timeRange": {"start": ms(d), "end": ms(d + timedelta(days=1))},
                    "totalShareStatistics": {
                        "uniqueImpressionsCount": 0,
                        "engagement": 0.01,
                        **{
                            k: 0
                            for k in (
                                "impressionCount",
                                "clickCount",
                                "likeCount",
                                "commentCount",
                                "shareCount",
                            )
                        },
                        **self.shares.get(d, {}),
                    },
                }
                for d in days
            ]
        elif path == "/rest/organizationalEntityFollowerStatistics":
            elements = [
                {
                    "organizationalEntity": urn,
                    "timeRange": {"start": ms(d), "end": ms(d + timedelta(days=1))},
                    "followerGains": {
                        "organicFollowerGain": 0,
                        "paidFollowerGain": 0,
                        **self.gains.get(d, {}),
                    },
                }
                for d in days
            ]
        else:
            return _error(404, "Not found", "NOT_FOUND")
        return _json({"paging": {"count": 10, "start": 0, "links": []}, "elements": elements})

    def answer_posts(self, args) -> Response:
        start, count = int(args.get("start", 0)), int(args.get("count", 10))
        ordered = sorted((t for t in self.posts if t <= self.now), reverse=True)
        page = ordered[start : start + count]
        elements = [
            {
                "id": f"urn:li:share:{start + i}",
                "author": args.get("author"),
                "createdAt": int(t.timestamp() * 1000),
                "publishedAt": int(t.timestamp() * 1000),
            }
            for i, t in enumerate(page)
        ]
        return _json(
            {
                "paging": {"start": start, "count": count, "total": len(ordered), "links": []},
                "elements": elements,
            }
        )


def _json(body) -> Response:
    return Response(
        json.dumps(body),
        content_type="application/json",
        headers={"x-restli-protocol-version": "2.0.0"},
    )


def _error(status: int, message: str, code: str) -> Response:
    return Response(
        json.dumps({"status": status, "code": code, "message": message}),
        status=status,
        content_type="application/json",
    )
