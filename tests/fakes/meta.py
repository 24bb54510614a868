"""A local Graph API for Facebook Pages and Instagram accounts (the parts our connectors use).

Insights come back as Meta documents them: `{"data": [{"name", "period", "values":
[{"value", "end_time"}]}], "paging": {...}}` with `end_time` the end of the Pacific day in UTC
(07:00 or 08:00, by daylight saving); Instagram's `metric_type=total_value` answers one
`total_value` per metric. A retired metric fails the whole call with error code 100.

Like Meta, it has a clock (`now`): a Pacific day has insights only once it is over (a series
stops at the last day that ended; a total counts only days that ended), posts exist from their
creation time on, and Instagram's follower_count reaches back 30 days, not counting today.

Posts and media (`/{page}/published_posts`, `/{account}/media`) come newest first, cursor-paged
with `paging.next`, filtered by `since`/`until` (Unix seconds) and answering the `fields` asked
for; `comments.limit(0).summary(true)` gives `summary.total_count`, and `shares` is left out of
a post nobody shared, as Graph does. A post's `/{post-id}/insights` answers its lifetime values
(`period: lifetime`, one value, no end_time); a metric it has no value for is left out of
`data` (Instagram's "empty data set"), a retired one fails the call with code 100, and a media
with too few viewers answers code 10.

`GET /debug_token?input_token=…` answers what Meta says about a token (`token_info`, by token:
`expires_at`, `data_access_expires_at` in Unix seconds with 0 for never, `is_valid`; a token
without an entry is valid and expires far in the future). A token that is expired by the
fake's clock or not valid is refused by every other call with code 190, as Meta does;
`refuse_debug_token` makes debug_token answer code 100 (a token that may not inspect itself).
Token checks are recorded in `token_checks`, not in `requests` (the data calls).

`refuse_posts` makes the posts listings (`published_posts`, `media`) answer a Graph error, by
default what Meta answers a token without the permission to read posts: HTTP 403 with
`OAuthException` code 10 "(#10) This endpoint requires the 'pages_read_user_content'
permission …"; give (status, code, message) for another (400/190 a bad token, 500/2 a server
error).
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
FAR_FUTURE = int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())


def token_info(
    *, expires_at: datetime | int | None = None, data_access_until: datetime | None = None, **kw
) -> dict:
    """A debug_token `data` entry: expires_at a datetime (0 or None: never expires)."""

    def unix(value) -> int:
        return int(value.timestamp()) if isinstance(value, datetime) else int(value or 0)

    return {
        "app_id": "1234567890",
        "type": "SYSTEM_USER",
        "application": "Marketing Scorecard",
        "expires_at": unix(expires_at),
        "data_access_expires_at": unix(data_access_until),
        "is_valid": True,
        "issued_at": 1700000000,
        "scopes": ["ads_read", "read_insights", "pages_read_engagement"],
        "user_id": "10987654321",
        **kw,
    }


def token_refusal(info: dict, now: datetime) -> str | None:
    """Why Meta refuses a token with code 190 (None: it works)."""
    if info.get("is_valid") is False:
        return "Error validating access token: The session has been invalidated"
    ends = [v for v in (info.get("expires_at"), info.get("data_access_expires_at")) if v]
    if any(v <= now.timestamp() for v in ends):
        when = datetime.fromtimestamp(min(ends), tz=UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
        return f"Error validating access token: Session has expired on {when}."
    return None


def answer_debug_token(infos: dict[str, dict], now: datetime, args, *, refuse: bool) -> Response:
    """`/debug_token?input_token=…` as Meta answers it (`{"data": {...}}`)."""
    if refuse:
        return _error(
            400,
            100,
            "(#100) You must provide an app access token, or a user access token that is an "
            "owner or developer of the app",
        )
    info = dict(infos.get(args.get("input_token", ""), token_info(expires_at=FAR_FUTURE)))
    why = token_refusal(info, now)
    if why:
        info.update(is_valid=False, error={"code": 190, "message": why, "subcode": 463})
    return Response(json.dumps({"data": info}), content_type="application/json")


def end_time(day: date) -> str:
    """Meta's end_time of a Pacific day: midnight after it, Pacific, written in UTC."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=PACIFIC).astimezone(UTC)
    return end.strftime("%Y-%m-%dT%H:%M:%S+0000")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class FakePost:
    """A post or media with what Graph tells about it. `insights` None: every metric asked
    for is 0 (a post only counted by time); `insights_error` is a Graph error code its insights
    answer (10: not enough viewers)."""

    created: datetime
    fields: dict = field(default_factory=dict)  # permalink_url, status_type, media_type, ...
    insights: dict | None = None  # lifetime metric -> value (a dict for *_by_type_total)
    comments: int = 0
    shares: int = 0
    insights_error: int | None = None
    id: str = ""  # given by the fake: <node>_<n>, n counting the node's posts oldest first


def requested_fields(spec: str) -> set[str]:
    """The top-level names of a Graph `fields` list (`a,b.limit(0).summary(true),c{d,e}`)."""
    names, depth, current = set(), 0, ""
    for ch in spec:
        depth += (ch in "({") - (ch in ")}")
        if ch == "," and depth == 0:
            names.add(current)
            current = ""
        else:
            current += ch
    names.add(current)
    return {re.split(r"[.{(]", n, maxsplit=1)[0].strip() for n in names if n.strip()}


@dataclass
class FakeGraph:
    token: str
    version: str = "v24.0"
    insights: dict[str, dict[str, dict[date, float]]] = field(
        default_factory=dict
    )  # node->metric->day
    # node -> its posts or media: created times, or FakePosts with fields and insights
    posts: dict[str, list[datetime | FakePost]] = field(default_factory=dict)
    fields: dict[str, dict] = field(default_factory=dict)  # node -> account fields
    retired: set[str] = field(default_factory=set)
    throttle_next: list[int] = field(default_factory=list)  # error codes to answer next
    usage: dict | None = None  # X-App-Usage to send
    requests: list[dict] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)  # more tokens accepted besides `token`
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # the platform's clock
    ignores_since: bool = False  # list every post, whatever since/until say
    token_info: dict[str, dict] = field(default_factory=dict)  # token -> debug_token data
    refuse_debug_token: bool = False
    token_checks: list[dict] = field(default_factory=list)  # debug_token calls
    # the posts listings' answer: True (a missing permission), or (status, code, message)
    refuse_posts: bool | tuple[int, int, str] = False

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
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        checking = request.path == f"/{self.version}/debug_token"
        log = self.token_checks if checking else self.requests
        log.append({"path": request.path, "args": request.args.to_dict()})
        if token not in {self.token, *self.tokens}:
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if checking:
            return answer_debug_token(
                self.token_info, self.now, request.args, refuse=self.refuse_debug_token
            )
        why = token_refusal(self.token_info.get(token, {}), self.now)
        if why:
            return _error(400, 190, why)
        if self.throttle_next:
            code = self.throttle_next.pop(0)
            return _error(400, code, f"({code}) Application request limit reached")
        parts = request.path.split("/")[2:]
        node, edge = parts[0], (parts[1] if len(parts) > 1 else None)
        post = self.post(node)
        if edge == "insights" and post is not None:
            body = self.answer_post_insights(post, request.args)
        elif edge == "insights":
            body = self.answer_insights(node, request.args)
        elif edge in ("published_posts", "media") and self.refuse_posts:
            return _error(*self.posts_refusal(edge))
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

    def posts_refusal(self, edge: str) -> tuple[int, int, str]:
        if self.refuse_posts is not True:
            return self.refuse_posts
        permission = "pages_read_user_content" if edge == "published_posts" else "instagram_basic"
        return (
            403,
            10,
            f"(#10) This endpoint requires the '{permission}' permission or the 'Page Public "
            "Content Access' feature. Refer to https://developers.facebook.com/docs/apps/"
            "review/login-permissions#manage-pages for details.",
        )

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

    def posts_of(self, node: str) -> list[FakePost]:
        """The node's posts, oldest first, each with its id."""
        posts = [p if isinstance(p, FakePost) else FakePost(p) for p in self.posts.get(node, [])]
        posts.sort(key=lambda p: p.created)
        for n, post in enumerate(posts):
            post.id = post.id or f"{node}_{n}"
        self.posts[node] = posts
        return posts

    def post(self, node: str) -> FakePost | None:
        """The post or media with this id, once it exists by the platform's clock."""
        for owner in list(self.posts):
            for post in self.posts_of(owner):
                if post.id == node and post.created <= self.now:
                    return post
        return None

    def answer_post_insights(self, post: FakePost, args):
        metrics = args["metric"].split(",")
        if any(m in self.retired for m in metrics):
            return _error(400, 100, "(#100) The value must be a valid insights metric")
        if post.insights_error is not None:
            return _error(
                400, post.insights_error, "(#10) Not enough viewers for the media to show insights"
            )
        values = post.insights if post.insights is not None else dict.fromkeys(metrics, 0)
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values[m]}],
                "title": m,
                "description": m,
                "id": f"{post.id}/insights/{m}/lifetime",
            }
            for m in metrics
            if m in values
        ]
        return {"data": data}

    def render(self, post: FakePost, key: str, wanted: set[str]) -> dict:
        """A post as Graph answers it: the fields asked for (and its id and time)."""
        item = {"id": post.id, key: utc_text(post.created)}
        item.update({k: v for k, v in post.fields.items() if k in wanted})
        if "comments" in wanted:
            item["comments"] = {
                "data": [],
                "summary": {"order": "ranked", "total_count": post.comments, "can_comment": True},
            }
        if "shares" in wanted and post.shares:
            item["shares"] = {"count": post.shares}
        return item

    def answer_posts(self, node, edge, request):
        args = request.args
        limit = int(args.get("limit", 25))
        start = int(args.get("after", 0))
        # newest first; a post scheduled after the platform's clock does not exist yet
        posts = [p for p in reversed(self.posts_of(node)) if p.created <= self.now]
        if "since" in args and not self.ignores_since:
            lo, hi = int(args["since"]), int(args["until"])
            posts = [p for p in posts if lo <= p.created.timestamp() < hi]
        key = "created_time" if edge == "published_posts" else "timestamp"
        wanted = requested_fields(args.get("fields", ""))
        body = {"data": [self.render(p, key, wanted) for p in posts[start : start + limit]]}
        if start + limit < len(posts):
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
