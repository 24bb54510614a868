"""Instagram professional account insights (Graph API) — daily metrics, follower snapshots and
each media's lifetime insights."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
from connectors.facebook_page import POSTS, daily_series, graph_client, posts_per_day, unix
from connectors.meta import GraphTokenCheck, moment, pacific_date
from connectors.social_posts import post_days_field, post_stream, post_window

SNAPSHOT = "followers_count"  # a field of the account, read once a night
TIME_SERIES = {"follower_count"}  # insights that still come as a daily time series
FOLLOWER_COUNT_DAYS = 30  # Instagram keeps follower_count for the last 30 days only
# lifetime media insights since v22 (impressions, plays and video_views are retired): views,
# accounts reached, and the interactions (total_interactions adds likes, comments, saves,
# shares and reposts)
MEDIA_METRICS = ("views", "reach", "total_interactions", "likes", "comments", "saved", "shares")
MEDIA_FIELDS = "id,timestamp,permalink,media_type,media_product_type"
# listing the account's media: without it the posts count and the media stream are left out
# (optional), the account's insights still land
MEDIA_PERMISSION = "instagram_basic"


class InstagramConfig(TokenSourceConfig):
    type: Literal["instagram"] = "instagram"
    account_id: str = Field(description="Instagram professional account id.")
    api_version: str = Field(default="v24.0", description="Graph API version.")
    post_days: int = post_days_field(730, "Instagram keeps media insights for two years")


@register
class Instagram(GraphTokenCheck, SocialDemo, Connector):
    type = "instagram"
    token_renewal = (
        "Create a new long-lived token with instagram_basic, instagram_manage_insights and "
        "pages_read_engagement (best: from a system user of your Business Manager, which does "
        "not expire) and update the source's access_token environment variable."
    )
    day_zone = "America/Los_Angeles"  # Meta's insights days are Pacific days
    config_model = InstagramConfig
    metric_domain = "social"
    metrics_model = "int_metrics__social"
    provenance_model = "int_provenance__social"
    provenance_streams = ("account_insights",)
    breakdown_dimensions = ("platform",)
    breakdowns_model = "int_metric_breakdowns__social"
    demo_profile = {
        "reach": ("views", 15000.0, 0.35),
        "engagement": {"total_interactions": 0.046},
        "gains": {"follower_count": 22.0},
        "followers": ("followers_count", 8000, 6.0),
        "posts": 0.7,
        "post": {
            "views": 4200.0,
            "reach": 0.62,
            "rates": {"reactions": 0.045, "comments": 0.003, "shares": 0.004, "saves": 0.006},
            "half_life_hours": 14.0,
            "kinds": ("FEED:IMAGE", "FEED:CAROUSEL_ALBUM", "REELS:VIDEO"),
        },
    }
    posts_stream = "account_media"
    optional_metrics = {POSTS: OptionalPart(MEDIA_PERMISSION, metrics=(POSTS,))}
    default_metric_map = {
        "impressions": ("views",),
        "engagements": ("total_interactions",),
        "followers": (SNAPSHOT,),  # daily snapshot of the account's follower count
        "follower_gains": ("follower_count",),  # insights metric: new followers that day
        "posts": (POSTS,),
    }
    streams = (
        daily_metric_stream(
            "account_insights",
            "Account insights per day plus the daily followers_count snapshot.",
            staging_model="stg_instagram__account_insights",
            every_day=True,
        ),
        post_stream(
            "account_media",
            "Each media (feed post, carousel, reel) published in the last post_days days "
            "(Pacific days), with its lifetime insights as of the extraction; one row per "
            "media and extraction.",
            kinds=("media_type", "media_product_type"),
            metrics=MEDIA_METRICS,
            permission=MEDIA_PERMISSION,
        ),
    )

    def accounts(self) -> list[str]:
        return [self.config.account_id]

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        if stream.name == self.posts_stream:
            yield from self.extract_media(stream, ctx)
            return
        window = self.window(ctx)
        client = graph_client(self.config, ctx, self.policy)
        self.check_token(client, ctx)
        account = self.config.account_id
        wanted = sorted({m for names in self.metric_map().values() for m in names})
        totals = [m for m in wanted if m not in TIME_SERIES | {SNAPSHOT, POSTS}]
        values = []
        # interaction metrics come as one total per request: ask day by day
        for day in window.days():
            params = {
                "period": "day",
                "metric_type": "total_value",
                "since": day.isoformat(),
                "until": (day + timedelta(days=1)).isoformat(),
            }
            for item in client.insights(account, totals, params):
                value = (item.get("total_value") or {}).get("value")
                if isinstance(value, int | float):
                    values.append((day, item["name"], float(value)))
        series = [m for m in wanted if m in TIME_SERIES]
        # the last 30 days before today in Los Angeles, whatever range a backfill asks for
        earliest = ctx.last_complete_day(self.day_zone) - timedelta(days=FOLLOWER_COUNT_DAYS - 1)
        recent = Window(max(window.start, earliest), window.end)
        if series and recent.start <= recent.end:
            params = {
                "period": "day",
                "since": recent.start.isoformat(),
                "until": (recent.end + timedelta(days=1)).isoformat(),
            }
            values += daily_series(client.insights(account, series, params), recent)
        if SNAPSHOT in wanted:
            # read at the nightly run: the count as the previous day ended
            count = client.get_json(account, params={"fields": SNAPSHOT}).get(SNAPSHOT)
            if count is not None:
                values.append((ctx.snapshot_day, SNAPSHOT, float(count)))
        if POSTS in wanted:
            # optional: a token that may not list the media lands the insights without it
            with ctx.optional(POSTS, self.optional_metrics[POSTS]):
                media = []
                listing = client.edge(f"{account}/media", {"fields": "timestamp", "limit": 100})
                for item in listing:
                    if pacific_date(item["timestamp"]) < window.start:
                        break  # newest first: everything after this is older
                    media.append(item)
                values += posts_per_day(media, window, "timestamp")
        rows = [{"account_id": account, "date": d, "metric": m, "value": v} for d, m, v in values]
        yield Batch(table_from_rows(stream.schema, rows), window)

    def extract_media(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """The account's media published on the window's Pacific days, each with its lifetime
        insights (one call per media). `since`/`until` limit the listing; it also comes newest
        first, so reading stops at the first older media whatever the server does with them."""
        window = post_window(self, ctx, self.config.post_days)
        client = graph_client(self.config, ctx, self.policy)
        self.check_token(client, ctx)
        account = self.config.account_id
        media = client.edge(
            f"{account}/media",
            {
                "fields": MEDIA_FIELDS,
                "since": unix(window.start),
                "until": unix(window.end + timedelta(days=1)),
                "limit": 100,
            },
        )
        rows = []
        for item in media:
            day = pacific_date(item["timestamp"])
            if day > window.end:
                continue  # published on a day that is not over yet: read the night after
            if day < window.start:
                break
            values = client.lifetime(item["id"], list(MEDIA_METRICS), {})
            rows.append(
                {
                    "account_id": account,
                    "post_id": item["id"],
                    "created_time": moment(item["timestamp"]),
                    "published_date": day,
                    "permalink": item.get("permalink"),
                    "media_type": item.get("media_type"),
                    "media_product_type": item.get("media_product_type"),
                    **{m: values.get(m) for m in MEDIA_METRICS},
                }
            )
        yield Batch(table_from_rows(stream.schema, rows), window)

    def demo_post_row(self, post) -> dict:
        """A demo post (connectors.demo.social_posts) as this stream lands it."""
        product, media_type = post.kind.split(":")
        interactions = post.reactions + post.comments + post.saves + post.shares
        return {
            "account_id": self.config.account_id,
            "post_id": f"18{post.number:015d}",
            "created_time": post.published_at,
            "published_date": post.day,
            "permalink": f"https://www.instagram.com/p/{post.shortcode}/",
            "media_type": media_type,
            "media_product_type": product,
            "views": post.views,
            "reach": post.reach,
            "total_interactions": interactions,
            "likes": post.reactions,
            "comments": post.comments,
            "saved": post.saves,
            "shares": post.shares,
        }
