"""Demo posts of the social platforms, with lifetime numbers as of the extraction.

Each demo day has as many posts as the platform's daily `posts_published` count says (so the
posts and the `social.posts` metric agree). A post's final numbers depend only on the post
(its platform, account and day), and they accrue with its age — most views come in the first
hours, as on the real platforms — so a snapshot depends only on the post and the run, and
re-extracting gives the same rows. The connector's `demo_profile["post"]` sets the numbers:
final `views` of a typical post (it follows the page's seasonality and growth), the `reach`
share of views, interaction `rates` per view, `half_life_hours` of the accrual and the
platform's own post `kinds`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from connectors.base import Batch, ExtractContext, Stream, table_from_rows
from connectors.demo.seasonal import EPOCH, level, rng
from connectors.demo.social import day_values
from connectors.social_posts import post_window

COUNTS = ("clicks", "reactions", "comments", "shares", "saves")
_SHORTCODE = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class DemoPost:
    """One demo post and its lifetime numbers as of a snapshot (counts as floats, as landed)."""

    number: int  # unique per account: the day's number since the demo epoch and its order
    day: date  # publication day in the platform's zone
    published_at: datetime  # UTC
    kind: str  # the platform's own post type
    views: float
    reach: float
    clicks: float
    reactions: float
    comments: float
    shares: float
    saves: float

    @property
    def shortcode(self) -> str:
        """An Instagram-style permalink code, derived from the number."""
        n, code = self.number, ""
        while n:
            n, digit = divmod(n, len(_SHORTCODE))
            code += _SHORTCODE[digit]
        return "D" + code


def demo_posts(connector, ctx: ExtractContext) -> list[DemoPost]:
    """The posts a run of `connector`'s post stream reads: those published on its window's
    days, with their numbers as the day after the window began (the last day that is over)."""
    window = post_window(connector, ctx, connector.config.post_days)
    zone = ZoneInfo(connector.zone_for_days(ctx) or "UTC")
    as_of = datetime.combine(window.end + timedelta(days=1), time(), tzinfo=zone)
    platform, account = connector.config.type, connector.accounts()[0]
    return [
        post
        for day in window.days()
        for post in _posts_of_day(platform, account, connector.demo_profile, day, zone, as_of)
    ]


def _posts_of_day(platform, account, profile, day, zone, as_of) -> Iterator[DemoPost]:
    spec = profile["post"]
    _, _, growth = profile["reach"]
    key = f"{platform}:{account}"
    for i in range(int(day_values(platform, account, day)["posts_published"])):
        draw = rng(f"{key}:post:{i}", day)
        kind = spec["kinds"][int(draw.integers(len(spec["kinds"])))]
        hour, minute = int(draw.integers(7, 21)), int(draw.integers(60))
        published = datetime.combine(day, time(hour, minute), tzinfo=zone)
        # a typical post of the day, times how this one did (some posts take off)
        typical = level(day, base=spec["views"], growth=growth, noise=0.0, key=key)
        final_views = int(typical * float(draw.lognormal(0.0, 0.45)))
        final = {
            "views": final_views,
            "reach": int(final_views * spec["reach"] * float(draw.uniform(0.9, 1.05))),
            **{c: int(draw.binomial(final_views, spec["rates"].get(c, 0.0))) for c in COUNTS},
        }
        hours = (as_of - published).total_seconds() / 3600
        accrued = 1 - 0.5 ** (max(hours, 0.0) / spec["half_life_hours"])
        snapshot = {name: float(int(value * accrued)) for name, value in final.items()}
        yield DemoPost(
            number=(day - EPOCH).days * 10 + i + 1,
            day=day,
            published_at=published.astimezone(UTC),
            kind=kind,
            **snapshot,
        )


def post_batches(connector, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
    """One batch of the window's demo posts, in the connector's own landed shape."""
    window = post_window(connector, ctx, connector.config.post_days)
    rows = [connector.demo_post_row(post) for post in demo_posts(connector, ctx)]
    yield Batch(table_from_rows(stream.schema, rows), window)
