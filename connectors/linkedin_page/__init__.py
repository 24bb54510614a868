"""LinkedIn organisation page (Community Management API) — share and follower statistics, posts,
and each post's lifetime statistics.

LinkedIn's credentials (shared with connectors.linkedin_ads): a ready `access_token` (it lasts 60
days), or `oauth` with a refresh token (365 days) from which access tokens are fetched and renewed
at LinkedIn's token endpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from urllib.parse import quote

from pydantic import Field, model_validator

from connectors import register
from connectors.base import (
    ApiSourceConfig,
    Batch,
    Connector,
    ExtractContext,
    OptionalPart,
    Stream,
    Window,
    daily_metric_stream,
    table_from_rows,
)
from connectors.demo.social import SocialDemo
from connectors.facebook_page import chunks
from connectors.http import AuthError, HttpClient, RequestError
from connectors.oauth import OAuthConfig, token_source
from connectors.pagination import OffsetPaginator, PageRequest
from connectors.secrets import EnvRef
from connectors.social_posts import in_chunks, post_days_field, post_stream, post_window

API_URL = "https://api.linkedin.com"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # LinkedIn's OAuth token endpoint
POSTS = "posts_published"
SNAPSHOT = "firstDegreeSize"
SHARE_COUNTS = ("impressionCount", "clickCount", "likeCount", "commentCount", "shareCount")
GAINS = ("organicFollowerGain", "paidFollowerGain")
# endpoint, the element's group of counts, and the counts landed from it
STATISTICS = (
    ("organizationalEntityShareStatistics", "totalShareStatistics", SHARE_COUNTS),
    ("organizationalEntityFollowerStatistics", "followerGains", GAINS),
)
HISTORY_DAYS = 365  # LinkedIn answers statistics (not posts) for the last 12 months only
# a post's lifetime counts (totalShareStatistics of organizationalEntityShareStatistics asked
# for the post itself, without timeIntervals) and the snake_case columns they land in
POST_STATS = {
    "impressionCount": "impression_count",
    "uniqueImpressionsCount": "unique_impressions_count",
    "clickCount": "click_count",
    "likeCount": "like_count",
    "commentCount": "comment_count",
    "shareCount": "share_count",
}
STATS_PER_CALL = 20  # posts per statistics call: the URNs travel in the query string
# reading the organisation's posts (Posts API): without it the posts count and the posts stream
# are left out (optional), the share and follower statistics still land
POSTS_PERMISSION = "r_organization_social"
REFUSED = (400, 403)  # a post LinkedIn refuses statistics for (not the token: 401 still fails)


class LinkedInCredentials(ApiSourceConfig):
    """How a LinkedIn source authenticates: a ready access token, or OAuth with a refresh token
    (the access token is then fetched, and renewed, at LinkedIn's token endpoint)."""

    access_token: EnvRef | None = Field(
        default=None,
        description="env:NAME of a ready access token (LinkedIn's last 60 days); optional with "
        "oauth, which then starts from it and renews it when LinkedIn refuses it.",
    )
    oauth: OAuthConfig | None = Field(
        default=None,
        description="client_id, client_secret and refresh_token (each env:NAME) of the LinkedIn "
        "app: access tokens are fetched and renewed at LinkedIn's token endpoint (token_url "
        "overrides it).",
    )

    @model_validator(mode="after")
    def _needs_a_credential(self):
        if self.access_token is None and self.oauth is None:
            raise ValueError(
                f"source {self.name}: neither access_token nor oauth is given; give oauth: "
                "{client_id: env:…, client_secret: env:…, refresh_token: env:…} (the access "
                "token then renews itself) or access_token: env:NAME"
            )
        return self


def linkedin_token(config: LinkedInCredentials, timeout: float):
    """The token a LinkedIn source's client authenticates with (connectors.oauth)."""
    return token_source(
        access_token=config.access_token, oauth=config.oauth, token_url=TOKEN_URL, timeout=timeout
    )


def linkedin_client(config, token, *, policy, log, client_class=None) -> HttpClient:
    """A client for LinkedIn's REST API: the version headers every call needs and the source's
    token (pages and ads alike)."""
    return (client_class or LinkedInClient)(
        config.name,
        config.base_url or API_URL,
        headers={"LinkedIn-Version": config.api_version, "X-Restli-Protocol-Version": "2.0.0"},
        policy=policy,
        log=log,
        token=token,
    )


class LinkedInPageConfig(LinkedInCredentials):
    type: Literal["linkedin_page"] = "linkedin_page"
    organization_id: str = Field(description="Numeric id of the LinkedIn organization.")
    api_version: str = Field(default="202510", description="LinkedIn-Version header (YYYYMM).")
    post_days: int = post_days_field(
        HISTORY_DAYS, "LinkedIn answers share statistics for the last 12 months"
    )


def epoch_ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


def utc_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


def content_type(post: dict) -> str:
    """What a post carries, from the Posts API's `content`: the kind of its media (image, video,
    document), else its content key (article, multiImage, poll, carousel, ...), else text (or
    reshare)."""
    content = post.get("content") or {}
    media = (content.get("media") or {}).get("id") or ""
    if media.startswith("urn:li:") and media.count(":") >= 3:
        return media.split(":")[2]  # urn:li:image:C4E… -> image
    if content:
        return next(iter(content))
    return "reshare" if post.get("reshareContext") else "text"


class LinkedInClient(HttpClient):
    """Keeps the HTTP status on errors: a post refused statistics (403) is isolated, a rejected
    token (401) is not."""

    def error_for(self, response):
        error = super().error_for(response)
        error.status = response.status_code
        return error


@register
class LinkedInPage(SocialDemo, Connector):
    type = "linkedin_page"
    day_zone = "UTC"  # LinkedIn's statistics days are UTC days
    history_days = HISTORY_DAYS
    config_model = LinkedInPageConfig
    metric_domain = "social"
    metrics_model = "int_metrics__social"
    provenance_model = "int_provenance__social"
    provenance_streams = ("organization_statistics",)
    breakdown_dimensions = ("platform",)
    breakdowns_model = "int_metric_breakdowns__social"
    demo_profile = {
        "reach": ("impressionCount", 3200.0, 0.28),
        "engagement": {
            "clickCount": 0.018,
            "likeCount": 0.014,
            "commentCount": 0.002,
            "shareCount": 0.0012,
        },
        "gains": {"organicFollowerGain": 7.0, "paidFollowerGain": 2.0},
        "followers": ("firstDegreeSize", 4100, 1.5),
        "posts": 0.5,
        "post": {
            "views": 1300.0,
            "reach": 0.7,
            "rates": {"clicks": 0.025, "reactions": 0.02, "comments": 0.003, "shares": 0.002},
            "half_life_hours": 30.0,
            "kinds": ("image", "article", "video", "document", "text"),
        },
    }
    posts_stream = "organization_posts"
    optional_metrics = {POSTS: OptionalPart(POSTS_PERMISSION, metrics=(POSTS,))}
    default_metric_map = {
        "impressions": ("impressionCount",),
        "engagements": ("clickCount", "likeCount", "commentCount", "shareCount"),
        "followers": (SNAPSHOT,),  # networkSizes, daily snapshot
        "follower_gains": GAINS,
        "posts": (POSTS,),
    }
    streams = (
        daily_metric_stream(
            "organization_statistics",
            "Share statistics, follower gains and the follower-count snapshot per day (UTC).",
            staging_model="stg_linkedin_page__organization_statistics",
            every_day=True,
        ),
        post_stream(
            "organization_posts",
            "Each post the organisation published in the last post_days days (UTC days), with "
            "its lifetime statistics as of the extraction; one row per post and extraction.",
            kinds=("content_type",),
            metrics=tuple(POST_STATS.values()),
            permission=POSTS_PERMISSION,
        ),
    )

    def __init__(self, config: LinkedInPageConfig):
        super().__init__(config)
        self._token = None  # built with the first client, kept for the run (and its renewals)

    def client(self, ctx: ExtractContext) -> HttpClient:
        if self._token is None:
            self._token = linkedin_token(self.config, self.policy.timeout)
        return linkedin_client(self.config, self._token, policy=self.policy, log=ctx.log)

    def token_expiry(self):
        """With oauth, when the refresh token expires (LinkedIn's refresh_token_expires_in);
        nothing is known about a ready access token."""
        if self._token is None or not self._token.renews:
            return None
        return self._token.expiry()

    def statistics_window(self, window: Window, ctx: ExtractContext) -> Window | None:
        """The part of the window LinkedIn answers statistics for: its last 12 months. Posts
        have no such limit and are counted over the whole window."""
        # 12 months back from now, whatever range a backfill asks for
        earliest = ctx.last_complete_day(self.day_zone) - timedelta(days=HISTORY_DAYS - 1)
        if window.start < earliest:
            ctx.log.warning(
                f"{self.config.name}: LinkedIn keeps share and follower statistics for the last "
                f"12 months only; days before {earliest} (start_date {self.config.start_date}) "
                "get posts but no statistics"
            )
        if earliest > window.end:
            return None
        return Window(max(window.start, earliest), window.end)

    def accounts(self) -> list[str]:
        return [self.config.organization_id]

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        if stream.name == self.posts_stream:
            yield from self.extract_posts(stream, ctx)
            return
        window = self.window(ctx)
        client = self.client(ctx)
        urn = f"urn:li:organization:{self.config.organization_id}"
        wanted = {m for names in self.metric_map().values() for m in names}
        values: list[tuple] = []
        statistics = self.statistics_window(window, ctx)
        for part in chunks(statistics, 90) if statistics else ():
            # Rest.li 2.0: the URN is encoded, the structure's ( : , are not
            query = (
                f"q=organizationalEntity&organizationalEntity={quote(urn, safe='')}"
                f"&timeIntervals=(timeRange:(start:{epoch_ms(part.start)},"
                f"end:{epoch_ms(part.end + timedelta(days=1))}),timeGranularityType:DAY)"
            )
            for endpoint, group, fields in STATISTICS:
                if wanted & set(fields):
                    body = client.get_json(f"rest/{endpoint}?{query}")
                    for element in body.get("elements", []):
                        day = utc_day(element["timeRange"]["start"])
                        counts = element.get(group, {})
                        values += [(day, k, float(counts.get(k) or 0)) for k in fields]
        if SNAPSHOT in wanted:
            body = client.get_json(
                f"rest/networkSizes/{quote(urn, safe='')}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
            )
            # read at the nightly run: the count as the previous day ended
            values.append((ctx.snapshot_day, SNAPSHOT, float(body[SNAPSHOT])))
        if POSTS in wanted:
            # optional: a token without r_organization_social lands the statistics without it
            with ctx.optional(POSTS, self.optional_metrics[POSTS]):
                values += self.posts(client, urn, window)
        rows = [
            {"account_id": self.config.organization_id, "date": d, "metric": m, "value": v}
            for d, m, v in values
            if m in wanted
        ]
        yield Batch(table_from_rows(stream.schema, rows), window)

    def posts(self, client: HttpClient, urn: str, window: Window) -> list[tuple]:
        """Posts per UTC day of the window: the organisation's posts, newest first, paged with
        `start`/`count` until one is older than the window."""
        counts: Counter = Counter()
        pages = client.paginate(
            PageRequest("rest/posts", {"q": "author", "author": urn, "sortBy": "CREATED"}),
            OffsetPaginator(offset_param="start", limit_param="count", limit=100),
            records=lambda body: body.get("elements", []),
        )
        for page in pages:
            days = [utc_day(p.get("publishedAt") or p["createdAt"]) for p in page.records]
            counts.update(d for d in days if d >= window.start)
            if any(d < window.start for d in days):
                break  # newest first: the rest is older than the window
        return [(day, POSTS, float(counts.get(day, 0))) for day in window.days()]

    def extract_posts(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """The organisation's posts published on the window's UTC days, with each post's
        lifetime statistics (up to STATS_PER_CALL posts per call)."""
        window = post_window(self, ctx, self.config.post_days)
        client = self.client(ctx)
        urn = f"urn:li:organization:{self.config.organization_id}"
        posts = list(self.published_posts(client, urn, window))
        stats = self.post_statistics(client, urn, [p["id"] for p in posts], ctx)
        rows = [
            {
                "account_id": self.config.organization_id,
                "post_id": p["id"],
                "created_time": datetime.fromtimestamp(p["publishedAt"] / 1000, tz=UTC),
                "published_date": utc_day(p["publishedAt"]),
                # LinkedIn's own link to a post: the feed update of its URN
                "permalink": f"https://www.linkedin.com/feed/update/{p['id']}/",
                "content_type": content_type(p),
                **{c: stats.get(p["id"], {}).get(k) for k, c in POST_STATS.items()},
            }
            for p in posts
        ]
        yield Batch(table_from_rows(stream.schema, rows), window)

    def published_posts(self, client: HttpClient, urn: str, window: Window) -> Iterator[dict]:
        """Posts published on the window's days, from the Posts API (newest created first)."""
        pages = client.paginate(
            PageRequest("rest/posts", {"q": "author", "author": urn, "sortBy": "CREATED"}),
            OffsetPaginator(offset_param="start", limit_param="count", limit=100),
            records=lambda body: body.get("elements", []),
        )
        for page in pages:
            for post in page.records:
                published = post.get("publishedAt")  # none: a draft
                if published and window.start <= utc_day(published) <= window.end:
                    yield post
            # a post is published when or after it is created: once one was created before
            # the window, the rest were too (a post scheduled across the cutoff is the exception)
            if any(utc_day(p["createdAt"]) < window.start for p in page.records):
                return

    def post_statistics(
        self, client: HttpClient, urn: str, ids: list[str], ctx: ExtractContext
    ) -> dict[str, dict[str, float]]:
        """{post URN: lifetime counts}. Shares and UGC posts are asked for by their own
        parameter. A call LinkedIn refuses (400/403, e.g. a post it will not report on) is
        repeated post by post, so one refused post lands without numbers and the others with
        theirs; when every post is refused the permission is missing, and the run fails."""
        stats: dict[str, dict[str, float]] = {}
        refused: list[tuple[str, Exception]] = []
        answered = 0
        for param, kind in (("shares", "urn:li:share:"), ("ugcPosts", "urn:li:ugcPost:")):
            wanted = [i for i in ids if i.startswith(kind)]
            for chunk in in_chunks(wanted, STATS_PER_CALL):
                try:
                    stats.update(self._statistics(client, urn, param, chunk))
                    answered += 1
                    continue
                except (AuthError, RequestError) as e:
                    if getattr(e, "status", None) not in REFUSED:
                        raise
                for post in chunk:
                    try:
                        stats.update(self._statistics(client, urn, param, [post]))
                        answered += 1
                    except (AuthError, RequestError) as e:
                        if getattr(e, "status", None) not in REFUSED:
                            raise
                        refused.append((post, e))
        if refused and not answered:
            raise refused[0][1]
        if refused:
            ctx.log.warning(
                f"{self.config.name}: LinkedIn refused statistics for {len(refused)} post(s) "
                f"({', '.join(p for p, _ in refused[:5])}: {refused[0][1]}); they land "
                "without numbers, the other posts with theirs"
            )
        return stats

    def _statistics(
        self, client: HttpClient, urn: str, param: str, posts
    ) -> dict[str, dict[str, float]]:
        # Rest.li 2.0: URNs encoded inside List(...), whose brackets and commas are not
        urns = ",".join(quote(p, safe="") for p in posts)
        body = client.get_json(
            "rest/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={quote(urn, safe='')}&{param}=List({urns})"
        )
        out = {}
        for element in body.get("elements", []):
            post = element.get("share") or element.get("ugcPost")
            counts = element.get("totalShareStatistics") or {}
            out[post] = {
                k: float(counts[k]) for k in POST_STATS if isinstance(counts.get(k), int | float)
            }
        return out

    def demo_post_row(self, post) -> dict:
        """A demo post (connectors.demo.social_posts) as this stream lands it."""
        urn = f"urn:li:share:{7_000_000_000_000_000_000 + post.number}"
        return {
            "account_id": self.config.organization_id,
            "post_id": urn,
            "created_time": post.published_at,
            "published_date": post.day,
            "permalink": f"https://www.linkedin.com/feed/update/{urn}/",
            "content_type": post.kind,
            "impression_count": post.views,
            "unique_impressions_count": post.reach,
            "click_count": post.clicks,
            "like_count": post.reactions,
            "comment_count": post.comments,
            "share_count": post.shares,
        }
