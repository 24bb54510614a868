"""LinkedIn organisation page (Community Management API) — share and follower statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from urllib.parse import quote

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
from connectors.facebook_page import chunks
from connectors.http import HttpClient, bearer_client
from connectors.pagination import OffsetPaginator, PageRequest

API_URL = "https://api.linkedin.com"
POSTS = "posts_published"
SNAPSHOT = "firstDegreeSize"
SHARE_COUNTS = ("impressionCount", "clickCount", "likeCount", "commentCount", "shareCount")
GAINS = ("organicFollowerGain", "paidFollowerGain")
# endpoint, the element's group of counts, and the counts landed from it
STATISTICS = (
    ("organizationalEntityShareStatistics", "totalShareStatistics", SHARE_COUNTS),
    ("organizationalEntityFollowerStatistics", "followerGains", GAINS),
)
HISTORY_DAYS = 365  # LinkedIn answers statistics (not posts) for the last 12 months only


class LinkedInPageConfig(TokenSourceConfig):
    type: Literal["linkedin_page"] = "linkedin_page"
    organization_id: str = Field(description="Numeric id of the LinkedIn organization.")
    api_version: str = Field(default="202510", description="LinkedIn-Version header (YYYYMM).")


def epoch_ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


def utc_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


@register
class LinkedInPage(SocialDemo, Connector):
    type = "linkedin_page"
    day_zone = "UTC"  # LinkedIn's statistics days are UTC days
    history_days = HISTORY_DAYS
    config_model = LinkedInPageConfig
    metric_domain = "social"
    metrics_model = "int_metrics__social"
    provenance_model = "int_provenance__social"
    provenance_streams = ("organization_statistics",)
    breakdown_dimensions = ("platform",)
    breakdowns_model = "int_metric_breakdowns__social"
    demo_profile = {
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
    }
    default_metric_map = {
        "impressions": ("impressionCount",),
        "engagements": ("clickCount", "likeCount", "commentCount", "shareCount"),
        "followers": (SNAPSHOT,),  # networkSizes, daily snapshot
        "follower_gains": GAINS,
        "posts": (POSTS,),
    }
    streams = (
        daily_metric_stream(
            "organization_statistics",
            "Share statistics, follower gains and the follower-count snapshot per day (UTC).",
            staging_model="stg_linkedin_page__organization_statistics",
            every_day=True,
        ),
    )

    def client(self, ctx: ExtractContext) -> HttpClient:
        return bearer_client(
            self.config,
            API_URL,
            headers={
                "LinkedIn-Version": self.config.api_version,
                "X-Restli-Protocol-Version": "2.0.0",
            },
            policy=self.policy,
            log=ctx.log,
        )

    def statistics_window(self, window: Window, ctx: ExtractContext) -> Window | None:
        """The part of the window LinkedIn answers statistics for: its last 12 months. Posts
        have no such limit and are counted over the whole window."""
        # 12 months back from now, whatever range a backfill asks for
        earliest = ctx.last_complete_day(self.day_zone) - timedelta(days=HISTORY_DAYS - 1)
        if window.start < earliest:
            ctx.log.warning(
                f"{self.config.name}: LinkedIn keeps share and follower statistics for the last "
                f"12 months only; days before {earliest} (start_date {self.config.start_date}) "
                "get posts but no statistics"
            )
        if earliest > window.end:
            return None
        return Window(max(window.start, earliest), window.end)

    def accounts(self) -> list[str]:
        return [self.config.organization_id]

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        window = self.window(ctx)
        client = self.client(ctx)
        urn = f"urn:li:organization:{self.config.organization_id}"
        wanted = {m for names in self.metric_map().values() for m in names}
        values: list[tuple] = []
        statistics = self.statistics_window(window, ctx)
        for part in chunks(statistics, 90) if statistics else ():
            # Rest.li 2.0: the URN is encoded, the structure's ( : , are not
            query = (
                f"q=organizationalEntity&organizationalEntity={quote(urn, safe='')}"
                f"&timeIntervals=(timeRange:(start:{epoch_ms(part.start)},"
                f"end:{epoch_ms(part.end + timedelta(days=1))}),timeGranularityType:DAY)"
            )
            for endpoint, group, fields in STATISTICS:
                if wanted & set(fields):
                    body = client.get_json(f"rest/{endpoint}?{query}")
                    for element in body.get("elements", []):
                        day = utc_day(element["timeRange"]["start"])
                        counts = element.get(group, {})
                        values += [(day, k, float(counts.get(k) or 0)) for k in fields]
        if SNAPSHOT in wanted:
            body = client.get_json(
                f"rest/networkSizes/{quote(urn, safe='')}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
            )
            # read at the nightly run: the count as the previous day ended
            values.append((ctx.snapshot_day, SNAPSHOT, float(body[SNAPSHOT])))
        if POSTS in wanted:
            values += self.posts(client, urn, window)
        rows = [
            {"account_id": self.config.organization_id, "date": d, "metric": m, "value": v}
            for d, m, v in values
            if m in wanted
        ]
        yield Batch(table_from_rows(stream.schema, rows), window)

    def posts(self, client: HttpClient, urn: str, window: Window) -> list[tuple]:
        """Posts per UTC day of the window: the organisation's posts, newest first, paged with
        `start`/`count` until one is older than the window."""
        counts: Counter = Counter()
        pages = client.paginate(
            PageRequest("rest/posts", {"q": "author", "author": urn, "sortBy": "CREATED"}),
            OffsetPaginator(offset_param="start", limit_param="count", limit=100),
            records=lambda body: body.get("elements", []),
        )
        for page in pages:
            days = [utc_day(p.get("publishedAt") or p["createdAt"]) for p in page.records]
            counts.update(d for d in days if d >= window.start)
            if any(d < window.start for d in days):
                break  # newest first: the rest is older than the window
        return [(day, POSTS, float(counts.get(day, 0))) for day in window.days()]
