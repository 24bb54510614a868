"""A local LinkedIn Community Management API (the REST endpoints our connector uses).

It insists on the `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0` headers, reads
Rest.li `timeIntervals=(timeRange:(start:…,end:…),timeGranularityType:DAY)` queries, and — like
LinkedIn — refuses statistics older than 12 months. It has a clock (`now`): a UTC day has
statistics only once it is over, and posts exist from their publication on. The Posts API lists
every post, however old, newest created first, paged with `start`/`count`.

Asked for posts (`shares=List(urn%3Ali%3Ashare%3A…)` or `ugcPosts=List(…)`, no
`timeIntervals`), the statistics endpoint answers each post's lifetime `totalShareStatistics`,
with an element per post it reports on (a post older than 12 months gets none); a post in
`refused` makes it answer 403 ACCESS_DENIED for the whole call, as LinkedIn does for a post it
will not report on.

`refuse_posts` makes the Posts API answer as LinkedIn does a token without
r_organization_social: 403 `{"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED",
"message": "Not enough permissions to access: partnerApiPostsExternal.FINDER-author…"}`; give
(status, code, message) for another answer (401 INVALID_ACCESS_TOKEN, 500, ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from werkzeug.wrappers import Request, Response

INTERVAL = re.compile(r"\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:DAY\)")


POST_STATS = (
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
    "likeCount",
    "commentCount",
    "shareCount",
)


def ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class FakePost:
    """An organisation post. `stats` None: LinkedIn reports zeros for it; `created` defaults
    to its publication (a scheduled post was created earlier)."""

    published: datetime
    content: dict | None = None
    stats: dict[str, int] | None = None
    created: datetime | None = None
    id: str = ""  # given by the fake: urn:li:share:<n>, n counting posts oldest first


@dataclass
class FakeLinkedIn:
    token: str
    organization: str
    now: datetime  # the platform's clock
    shares: dict[date, dict[str, int]] = field(default_factory=dict)
    gains: dict[date, dict[str, int]] = field(default_factory=dict)
    followers: int = 0
    posts: list[datetime | FakePost] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # post URNs refused statistics (403)
    delayed: set[date] = field(default_factory=set)  # days whose statistics are not ready yet
    requests: list[dict] = field(default_factory=list)
    # the Posts API's answer: True (no permission to read posts), or (status, code, message)
    refuse_posts: bool | tuple[int, str, str] = False

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
        if path == "/rest/posts" and self.refuse_posts is True:
            return _error(
                403,
                "Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20251001",
                "ACCESS_DENIED",
                service_code=100,
            )
        if path == "/rest/posts" and self.refuse_posts:
            status, code, message = self.refuse_posts
            return _error(status, message, code)
        if path == "/rest/posts":
            return self.answer_posts(request.args)
        if request.args.get("organizationalEntity") != urn:
            return _error(
                403, "Not enough permissions to access this organization", "ACCESS_DENIED"
            )
        if path == "/rest/organizationalEntityShareStatistics" and (
            "shares" in request.args or "ugcPosts" in request.args
        ):
            return self.answer_post_statistics(request.args, urn)
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

    def posts_of(self) -> list[FakePost]:
        """Every post, oldest first, each with its URN."""
        posts = [p if isinstance(p, FakePost) else FakePost(p) for p in self.posts]
        posts.sort(key=lambda p: p.published)
        for n, post in enumerate(posts):
            post.id = post.id or f"urn:li:share:{7_100_000_000_000_000_000 + n}"
        self.posts = posts
        return posts

    def answer_posts(self, args) -> Response:
        start, count = int(args.get("start", 0)), int(args.get("count", 10))
        ordered = sorted(
            (p for p in self.posts_of() if p.published <= self.now),
            key=lambda p: p.created or p.published,
            reverse=True,
        )
        page = ordered[start : start + count]
        elements = [
            {
                "id": p.id,
                "author": args.get("author"),
                "createdAt": epoch_ms(p.created or p.published),
                "publishedAt": epoch_ms(p.published),
                "lifecycleState": "PUBLISHED",
                "visibility": "PUBLIC",
                **({"content": p.content} if p.content else {}),
            }
            for p in page
        ]
        return _json(
            {
                "paging": {"start": start, "count": count, "total": len(ordered), "links": []},
                "elements": elements,
            }
        )

    def answer_post_statistics(self, args, urn: str) -> Response:
        wanted = []
        for param in ("shares", "ugcPosts"):
            value = args.get(param)
            if value is None:
                continue
            if not (value.startswith("List(") and value.endswith(")")):
                return _error(400, f"Invalid {param}", "ILLEGAL_ARGUMENT")
            wanted += [(param, u) for u in value[5:-1].split(",") if u]
        for i, (param, post) in enumerate(wanted):
            if post in self.refused:
                return _error(
                    403,
                    "Unpermitted fields present in PARAMETER: Data Processing Exception while "
                    f"processing fields [/{param}[{i}]]",
                    "ACCESS_DENIED",
                )
        year_ago = self.now - timedelta(days=365)
        posts = {p.id: p for p in self.posts_of() if year_ago <= p.published <= self.now}
        elements = []
        for param, post in wanted:
            if post not in posts:
                continue
            stats = dict.fromkeys(POST_STATS, 0) | (posts[post].stats or {})
            key = "share" if param == "shares" else "ugcPost"
            elements.append({"organizationalEntity": urn, key: post, "totalShareStatistics": stats})
        return _json({"paging": {"count": 10, "start": 0, "links": []}, "elements": elements})


def _json(body) -> Response:
    return Response(
        json.dumps(body),
        content_type="application/json",
        headers={"x-restli-protocol-version": "2.0.0"},
    )


def _error(status: int, message: str, code: str, service_code: int | None = None) -> Response:
    body = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
    )
