"""Facebook Page insights (Graph API) — daily page metrics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors import register
from connectors.base import Connector, TokenSourceConfig, daily_metric_stream


class FacebookPageConfig(TokenSourceConfig):
    type: Literal["facebook_page"] = "facebook_page"
    page_id: str = Field(description="Numeric id of the Facebook Page.")
    api_version: str = Field(default="v24.0", description="Graph API version.")


@register
class FacebookPage(Connector):
    type = "facebook_page"
    config_model = FacebookPageConfig
    metric_domain = "social"
    default_metric_map = {
        "impressions": ("page_media_view",),
        "engagements": ("page_post_engagements",),
        "followers": ("page_follows",),
        "follower_gains": ("page_daily_follows_unique",),
        "posts": ("posts_published",),
    }
    streams = (
        daily_metric_stream(
            "page_insights", "Page insights per Pacific day, placed on the page's local date."
        ),
    )
