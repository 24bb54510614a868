"""What the social platforms' post streams share: one row per post and extraction.

A post's insights are *lifetime* numbers as the platform reports them at the extraction (views,
reach, interactions so far), not daily values: they grow while people still see the post and
never add up to the page's daily totals. So every run re-reads the posts published in the last
`post_days` days (up to the last day that is over in the platform's zone) and lands their
numbers as they stand; staging keeps the newest snapshot of each post. A post older than
`post_days` keeps the numbers of its last extraction (decision 53).

Post streams are optional (`Stream.optional`): a token without the platform's permission to
read posts gets the source's daily metrics all the same, and the posts stream lands nothing
that run (see docs/connectors.md, "Optional streams").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pyarrow as pa
from pydantic import Field

from connectors.base import ExtractContext, NothingToExtract, OptionalPart, Stream, Window
from connectors.checks import AtLeast, NotNull

POST_DAYS = 90  # default: the posts of the last 90 days are re-read every run


def post_days_field(most: int, why: str) -> Any:
    """The `post_days` key of a social source: 1 to what the platform keeps insights for."""
    return Field(
        default=POST_DAYS,
        ge=1,
        le=most,
        description="Posts published in the last N days are read again every run with their "
        f"lifetime insights (at most {most}: {why}).",
    )


POSTS_TABLE = (
    "scorecard.social_posts gets no new posts or numbers from it; posts read before keep "
    "their last numbers"
)


def post_stream(
    name: str,
    description: str,
    *,
    kinds: Sequence[str],
    metrics: Sequence[str],
    permission: str,
) -> Stream:
    """A post stream: the post, when and where it was published, the platform's own type
    columns (`kinds`) and one float column per lifetime metric (null: not reported).
    Optional: a platform refusing it for want of `permission` fails nothing else."""
    return Stream(
        name=name,
        schema=pa.schema(
            [
                pa.field("account_id", pa.string()),
                pa.field("post_id", pa.string()),
                pa.field("created_time", pa.timestamp("us", tz="UTC")),
                pa.field("published_date", pa.date32()),  # the day in the platform's zone
                pa.field("permalink", pa.string()),
                *(pa.field(k, pa.string()) for k in kinds),
                *(pa.field(m, pa.float64()) for m in metrics),
            ]
        ),
        primary_key=("account_id", "post_id"),
        cursor="published_date",
        description=description,
        # a page may publish nothing for weeks: no post in the window is a normal answer
        may_be_empty=True,
        checks=(NotNull("created_time"), *(AtLeast(m, 0) for m in metrics)),
        optional=OptionalPart(permission, shows=POSTS_TABLE),
    )


def post_window(connector, ctx: ExtractContext, post_days: int) -> Window:
    """The publication days whose posts are read: the last `post_days` days up to the last day
    that is over in the platform's zone, never before the source's start_date. A backfill reads
    the same days: lifetime numbers have no history to extract again."""
    end = ctx.last_complete_day(connector.zone_for_days(ctx))
    start = max(connector.config.start_date, end - timedelta(days=post_days - 1))
    if start > end:
        raise NothingToExtract(
            f"{connector.config.name}: no day from {start} is over yet (last complete day "
            f"{end}); no post to read this run"
        )
    return Window(start, end)


def in_chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
