"""Instagram professional account insights (Graph API) — daily metrics and follower snapshots."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors import register
from connectors.base import Connector, TokenSourceConfig, daily_metric_stream


class InstagramConfig(TokenSourceConfig):
    type: Literal["instagram"] = "instagram"
    account_id: str = Field(description="Instagram professional account id.")
    api_version: str = Field(default="v24.0", description="Graph API version.")


@register
class Instagram(Connector):
    type = "instagram"
    config_model = InstagramConfig
    metric_domain = "social"
    default_metric_map = {
        "impressions": ("views",),
        "engagements": ("total_interactions",),
        "followers": ("followers_count",),  # daily snapshot of the account's follower count
        "follower_gains": ("follower_count",),  # insights metric: new followers that day
        "posts": ("posts_published",),
    }
    streams = (
        daily_metric_stream(
            "account_insights", "Account insights per day plus the daily followers_count snapshot."
        ),
    )
