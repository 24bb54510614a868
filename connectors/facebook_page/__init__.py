"""Facebook Page insights (Graph API) — daily page metrics, posts published, and each post's
lifetime insights."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import Field

from connectors import register
from connectors.base import (
    Batch,
    Connector,
    ExtractContext,
    OptionalPart,
    Stream,
    TokenSourceConfig,
    Window,
    daily_metric_stream,
    table_from_rows,
)
from connectors.demo.social import SocialDemo
from connectors.meta import (
    PACIFIC,
    GraphClient,
    GraphTokenCheck,
    moment,
    pacific_date,
    pacific_day,
)
from connectors.secrets import resolve_secret
from connectors.social_posts import post_days_field, post_stream, post_window

POSTS = "posts_published"  # counted from the page's published posts, not an insights metric
# reading a page's posts needs this permission besides the insights ones: without it the posts
# count and the posts stream are left out (optional), the page's insights still land
POSTS_PERMISSION = "pages_read_user_content"
MAX_DAYS = 90  # the Graph API answers insights for at most ~90 days per call
# lifetime post insights: views and viewers (Meta retires post_impressions and
# post_impressions_unique for these), clicks, and reactions (summed over their types)
POST_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
# comments and shares are counts on the post itself, not insights metrics
POST_FIELDS = "id,created_time,permalink_url,status_type,shares,comments.limit(0).summary(true)"


class FacebookPageConfig(TokenSourceConfig):
    type: Literal["facebook_page"] = "facebook_page"
    page_id: str = Field(description="Numeric id of the Facebook Page.")
    api_version: str = Field(default="v24.0", description="Graph API version.")
    post_days: int = post_days_field(730, "Meta keeps Page insights for two years")


def chunks(window: Window, days: int) -> Iterator[Window]:
    start = window.start
    while start <= window.end:
        end = min(window.end, start + timedelta(days=days - 1))
        yield Window(start, end)
        start = end + timedelta(days=1)


def unix(day, tz=PACIFIC) -> int:
    return int(datetime.combine(day, time(), tzinfo=tz).timestamp())


def graph_client(config, ctx: ExtractContext, policy) -> GraphClient:
    return GraphClient(
        config.name,
        token=resolve_secret(config.access_token, key="access_token"),
        api_version=config.api_version,
        base_url=config.base_url,
        policy=policy,
        log=ctx.log,
    )


def daily_series(data: list[dict], window: Window) -> list[tuple]:
    """(day, metric, value) of insights time series, each value on its Pacific day."""
    out = []
    for series in data:
        for point in series.get("values", []):
            value = point.get("value")
            if not isinstance(value, int | float):  # breakdown metrics are dicts: not ours
                continue
            day = pacific_day(point["end_time"])
            if window.start <= day <= window.end:
                out.append((day, series["name"], float(value)))
    return out


def posts_per_day(items, window: Window, key: str) -> list[tuple]:
    counts = Counter(pacific_date(item[key]) for item in items)
    return [(day, POSTS, float(counts.get(day, 0))) for day in window.days()]


@register
class FacebookPage(GraphTokenCheck, SocialDemo, Connector):
    type = "facebook_page"
    token_renewal = (
        "Create a new long-lived Page access token with pages_read_engagement and "
        "read_insights (best: from a system user of your Business Manager, which does not "
        "expire) and update the source's access_token environment variable."
    )
    day_zone = "America/Los_Angeles"  # Meta's insights days are Pacific days
    config_model = FacebookPageConfig
    metric_domain = "social"
    metrics_model = "int_metrics__social"
    provenance_model = "int_provenance__social"
    provenance_streams = ("page_insights",)
    breakdown_dimensions = ("platform",)
    breakdowns_model = "int_metric_breakdowns__social"
    demo_profile = {
        "reach": ("page_media_view", 9000.0, 0.08),
        "engagement": {"page_post_engagements": 0.038},
        "gains": {"page_daily_follows_unique": 14.0},
        "followers": ("page_follows", 12000, 4.0),
        "posts": 0.9,
        "post": {
            "views": 2400.0,
            "reach": 0.68,
            "rates": {"clicks": 0.02, "reactions": 0.03, "comments": 0.004, "shares": 0.003},
            "half_life_hours": 18.0,
            "kinds": ("added_photos", "added_video", "shared_story", "mobile_status_update"),
        },
    }
    posts_stream = "page_posts"
    optional_metrics = {POSTS: OptionalPart(POSTS_PERMISSION, metrics=(POSTS,))}
    default_metric_map = {
        "impressions": ("page_media_view",),
        "engagements": ("page_post_engagements",),
        "followers": ("page_follows",),
        "follower_gains": ("page_daily_follows_unique",),
        "posts": (POSTS,),
    }
    streams = (
        daily_metric_stream(
            "page_insights",
            "Page insights per Pacific day, placed on the page's local date.",
            staging_model="stg_facebook_page__page_insights",
            every_day=True,
        ),
        post_stream(
            "page_posts",
            "Each post published on the page in the last post_days days (Pacific days), with "
            "its lifetime insights as of the extraction; one row per post and extraction.",
            kinds=("status_type",),
            metrics=(*POST_METRICS, "comments", "shares"),
            permission=POSTS_PERMISSION,
        ),
    )

    def source_metrics(self) -> list[str]:
        return sorted({m for names in self.metric_map().values() for m in names})

    def accounts(self) -> list[str]:
        return [self.config.page_id]

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        if stream.name == self.posts_stream:
            yield from self.extract_posts(stream, ctx)
            return
        window = self.window(ctx)
        client = graph_client(self.config, ctx, self.policy)
        self.check_token(client, ctx)
        page = self.config.page_id
        metrics = [m for m in self.source_metrics() if m != POSTS]
        values = []
        for part in chunks(window, MAX_DAYS):
            params = {
                "period": "day",
                "since": part.start.isoformat(),
                # `until` is exclusive: the day after the window's last day
                "until": (part.end + timedelta(days=1)).isoformat(),
            }
            values += daily_series(client.insights(page, metrics, params), part)
        if POSTS in self.source_metrics():
            # optional: a token without pages_read_user_content lands the insights without it
            with ctx.optional(POSTS, self.optional_metrics[POSTS]):
                posts = client.edge(
                    f"{page}/published_posts",
                    {
                        "fields": "created_time",
                        "since": unix(window.start),
                        "until": unix(window.end + timedelta(days=1)),
                        "limit": 100,
                    },
                )
                values += posts_per_day(posts, window, "created_time")
        rows = [{"account_id": page, "date": d, "metric": m, "value": v} for d, m, v in values]
        yield Batch(table_from_rows(stream.schema, rows), window)

    def extract_posts(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """The page's posts published on the window's Pacific days, each with its lifetime
        insights (one call per post: a retired metric is isolated and reported once)."""
        window = post_window(self, ctx, self.config.post_days)
        client = graph_client(self.config, ctx, self.policy)
        self.check_token(client, ctx)
        page = self.config.page_id
        posts = client.edge(
            f"{page}/published_posts",
            {
                "fields": POST_FIELDS,
                "since": unix(window.start),
                "until": unix(window.end + timedelta(days=1)),
                "limit": 100,
            },
        )
        rows = []
        for post in posts:
            day = pacific_date(post["created_time"])
            if not window.start <= day <= window.end:
                continue
            values = client.lifetime(post["id"], list(POST_METRICS), {"period": "lifetime"})
            comments = ((post.get("comments") or {}).get("summary") or {}).get("total_count")
            rows.append(
                {
                    "account_id": page,
                    "post_id": post["id"],
                    "created_time": moment(post["created_time"]),
                    "published_date": day,
                    "permalink": post.get("permalink_url"),
                    "status_type": post.get("status_type"),
                    **{m: values.get(m) for m in POST_METRICS},
                    "comments": None if comments is None else float(comments),
                    # Graph leaves `shares` out of a post nobody shared
                    "shares": float((post.get("shares") or {}).get("count", 0)),
                }
            )
        yield Batch(table_from_rows(stream.schema, rows), window)

    def demo_post_row(self, post) -> dict:
        """A demo post (connectors.demo.social_posts) as this stream lands it."""
        return {
            "account_id": self.config.page_id,
            "post_id": f"{self.config.page_id}_{post.number}",
            "created_time": post.published_at,
            "published_date": post.day,
            "permalink": f"https://www.facebook.com/{self.config.page_id}/posts/{post.number}",
            "status_type": post.kind,
            "post_media_view": post.views,
            "post_total_media_view_unique": post.reach,
            "post_clicks": post.clicks,
            "post_reactions_by_type_total": post.reactions,
            "comments": post.comments,
            "shares": post.shares,
        }
