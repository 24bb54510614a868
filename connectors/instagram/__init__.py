"""Instagram professional account insights (Graph API) — daily metrics and follower snapshots."""

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
    Stream,
    TokenSourceConfig,
    Window,
    daily_metric_stream,
    table_from_rows,
)
from connectors.demo.social import SocialDemo
from connectors.facebook_page import POSTS, daily_series, graph_client, posts_per_day
from connectors.meta import pacific_date

SNAPSHOT = "followers_count"  # a field of the account, read once a night
TIME_SERIES = {"follower_count"}  # insights that still come as a daily time series
FOLLOWER_COUNT_DAYS = 30  # Instagram keeps follower_count for the last 30 days only


class InstagramConfig(TokenSourceConfig):
    type: Literal["instagram"] = "instagram"
    account_id: str = Field(description="Instagram professional account id.")
    api_version: str = Field(default="v24.0", description="Graph API version.")


@register
class Instagram(SocialDemo, Connector):
    type = "instagram"
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
    }
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
    )

    def accounts(self) -> list[str]:
        return [self.config.account_id]

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        window = self.window(ctx)
        client = graph_client(self.config, ctx, self.policy)
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
            media = []
            for item in client.edge(f"{account}/media", {"fields": "timestamp", "limit": 100}):
                if pacific_date(item["timestamp"]) < window.start:
                    break  # newest first: everything after this is older
                media.append(item)
            values += posts_per_day(media, window, "timestamp")
        rows = [{"account_id": account, "date": d, "metric": m, "value": v} for d, m, v in values]
        yield Batch(table_from_rows(stream.schema, rows), window)
