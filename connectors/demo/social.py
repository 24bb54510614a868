"""Demo social platform data, generated from each platform connector's `demo_profile` in the
platform's own metric vocabulary (the source metric names the connector lands)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import ClassVar

from connectors.base import Batch, ExtractContext, Stream, table_from_rows
from connectors.demo.seasonal import EPOCH, count, level


def _profile(platform: str) -> dict:
    from connectors import connector_for

    return connector_for(platform).demo_profile


class SocialDemo:
    """Demo data for a social platform connector, in the platform's own metric vocabulary.

    The connector's `demo_profile` says how its metrics behave: `reach` (metric, base level,
    yearly growth), `engagement` (metric -> share of reach), `gains` (metric -> mean per day),
    `followers` (stock metric, count at the start, unfollows per day) and `posts` per day.
    """

    demo_profile: ClassVar[dict]
    # the connector's per-post stream (connectors.demo.social_posts generates it from
    # `demo_profile["post"]`); every other stream is the daily one
    posts_stream: ClassVar[str | None] = None

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        if stream.name == self.posts_stream:
            from connectors.demo.social_posts import post_batches

            yield from post_batches(self, stream, ctx)
            return
        yield from social_batches(self, stream, ctx, self.accounts()[0])


@functools.lru_cache(maxsize=65536)
def day_values(platform: str, account: str, day: date) -> dict[str, float]:
    """Flow metrics of one day (not the follower stock)."""
    spec = _profile(platform)
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
    spec = _profile(platform)
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
    stock_name = _profile(platform)["followers"][0]
    rows = []
    for day in window.days():
        values = {**day_values(platform, account, day), stock_name: followers[day]}
        rows += [
            {"account_id": account, "date": day, "metric": m, "value": v} for m, v in values.items()
        ]
    yield Batch(table_from_rows(stream.schema, rows), window)
