"""Demo social platform data: Facebook Page, Instagram and LinkedIn, in each platform's own
metric vocabulary (the source metric names the connectors land)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date, timedelta

from connectors.base import Batch, ExtractContext, Stream, table_from_rows
from connectors.demo.seasonal import EPOCH, count, level

PLATFORMS = {
    "facebook_page": {
        "reach": ("page_media_view", 9000.0, 0.08),
        "engagement": {"page_post_engagements": 0.038},
        "gains": {"page_daily_follows_unique": 14.0},
        "followers": ("page_follows", 12000, 4.0),
        "posts": 0.9,
    },
    "instagram": {
        "reach": ("views", 15000.0, 0.35),
        "engagement": {"total_interactions": 0.046},
        "gains": {"follower_count": 22.0},
        "followers": ("followers_count", 8000, 6.0),
        "posts": 0.7,
    },
    "linkedin_page": {
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
    },
}


@functools.lru_cache(maxsize=65536)
def day_values(platform: str, account: str, day: date) -> dict[str, float]:
    """Flow metrics of one day (not the follower stock)."""
    spec = PLATFORMS[platform]
    key = f"{platform}:{account}"
    reach_name, base, growth = spec["reach"]
    reach = round(level(day, base=base, growth=growth, noise=0.12, key=key))
    out = {reach_name: float(reach)}
    for name, rate in spec["engagement"].items():
        out[name] = float(count(day, mean=reach * rate, key=f"{key}:{name}"))
    trend = 1 + (day - EPOCH).days / 730  # follower gains grow with the audience
    for name, mean in spec["gains"].items():
        out[name] = float(count(day, mean=mean * trend, key=f"{key}:{name}"))
    out["posts_published"] = float(count(day, mean=spec["posts"], key=f"{key}:posts"))
    return out


@functools.lru_cache(maxsize=64)
def _follower_series(platform: str, account: str, last: date) -> dict[date, float]:
    spec = PLATFORMS[platform]
    _, start_count, churn = spec["followers"]
    total, out = float(start_count), {}
    day = EPOCH
    while day <= last:
        gains = sum(day_values(platform, account, day)[g] for g in spec["gains"])
        lost = count(day, mean=churn, key=f"{platform}:{account}:unfollow")
        total = max(0.0, total + gains - lost)
        out[day] = total
        day += timedelta(days=1)
    return out


def social_batches(connector, stream: Stream, ctx: ExtractContext, account: str) -> Iterator[Batch]:
    """Every day of the connector's window: the days that are over in the platform's zone."""
    platform = connector.config.type
    window = connector.window(ctx)
    followers = _follower_series(platform, account, window.end)
    stock_name = PLATFORMS[platform]["followers"][0]
    rows = []
    for day in window.days():
        values = {**day_values(platform, account, day), stock_name: followers[day]}
        rows += [
            {"account_id": account, "date": day, "metric": m, "value": v} for m, v in values.items()
        ]
    yield Batch(table_from_rows(stream.schema, rows), window)
