"""LinkedIn organisation page (Community Management API) — share and follower statistics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors import register
from connectors.base import Connector, TokenSourceConfig, daily_metric_stream


class LinkedInPageConfig(TokenSourceConfig):
    type: Literal["linkedin_page"] = "linkedin_page"
    organization_id: str = Field(description="Numeric id of the LinkedIn organization.")
    api_version: str = Field(default="202510", description="LinkedIn-Version header (YYYYMM).")


@register
class LinkedInPage(Connector):
    type = "linkedin_page"
    config_model = LinkedInPageConfig
    metric_domain = "social"
    default_metric_map = {
        "impressions": ("impressionCount",),
        "engagements": ("clickCount", "likeCount", "commentCount", "shareCount"),
        "followers": ("firstDegreeSize",),  # networkSizes, daily snapshot
        "follower_gains": ("organicFollowerGain", "paidFollowerGain"),
        "posts": ("posts_published",),
    }
    streams = (
        daily_metric_stream(
            "organization_statistics",
            "Share statistics, follower gains and the follower-count snapshot per day.",
        ),
    )
