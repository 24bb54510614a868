"""Paid media (Google Ads, Meta Ads, LinkedIn Ads): what the three connectors share.

Each lands one stream: a campaign's day in its ad account — spend, impressions, clicks,
conversions and conversion value — in the **account's own currency** on the **account's own
local day** (an ad platform's day ends at midnight in the account's time zone). Money is landed
exactly (decimal, never float: Google's micros divided exactly, Meta's decimal strings read as
decimals); dbt converts it to the reporting currency with the day's reference rate (fx_rates).

Conversions restate for weeks (attribution windows), so the default lookback is 30 days, and
staging keeps the newest landing of each account, campaign and day: a restated day is
overwritten, never added twice.

A platform connector says how to find its accounts (`ad_accounts`: id, currency, time zone,
read from the platform) and how to read one account's campaign days (`campaign_days`); the
window, the rows' account and currency columns, the metrics, breakdowns and demo data are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import Field

from connectors.base import (
    ApiSourceConfig,
    Batch,
    Connector,
    ExtractContext,
    MetricDef,
    Stream,
    Window,
    table_from_rows,
)
from connectors.checks import AtLeast, NotNull

MONEY = pa.decimal128(18, 6)  # an amount in the account's currency, exact to the micro
# metric (ads.<name>) -> unit; all are `sum` over days, campaigns and accounts
ADS_METRICS = {
    "spend": "currency",
    "impressions": "count",
    "clicks": "count",
    "conversions": "count",
    "conversion_value": "currency",
}
CAMPAIGN_DAY_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string()),
        pa.field("campaign_id", pa.string()),
        pa.field("campaign_name", pa.string()),
        pa.field("date", pa.date32()),  # the account's local day
        pa.field("currency", pa.string()),  # the account's currency (ISO 4217)
        pa.field("spend", MONEY),
        pa.field("impressions", pa.int64()),
        pa.field("clicks", pa.int64()),
        pa.field("conversions", pa.float64()),  # platforms count fractional conversions
        pa.field("conversion_value", MONEY),
    ]
)


def campaign_day_stream(name: str, description: str) -> Stream:
    """The stream every ad platform lands: account × campaign × local day."""
    return Stream(
        name=name,
        schema=CAMPAIGN_DAY_SCHEMA,
        primary_key=("account_id", "campaign_id", "date"),
        cursor="date",
        description=description,
        # platforms leave out campaigns without delivery: an account with everything paused
        # answers no rows, which is news for the scorecard but not a broken extraction
        may_be_empty=True,
        checks=(
            NotNull("currency"),
            *(AtLeast(c, 0) for c in ("spend", "impressions", "clicks", "conversions")),
        ),
    )


@dataclass(frozen=True)
class AdAccount:
    """An ad account as the platform describes it."""

    id: str
    currency: str
    time_zone: str
    name: str = ""


class AdsSourceConfig(ApiSourceConfig):
    """Keys every ad platform source takes."""

    lookback_days: int = Field(
        default=30,
        ge=0,
        le=90,
        description="Days re-extracted every run: conversions are attributed to the day of the "
        "click and restate for weeks (default 30).",
    )


MICRO = Decimal("0.000001")


def listed_once(ids: list[str], what: str = "ad account") -> list[str]:
    """Validator body for a source's account ids: each may be listed once (a repeated account
    would land its campaign days twice)."""
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"{what} {', '.join(twice)} is listed more than once")
    return ids


def money(value: Any) -> Decimal:
    """An amount as an exact decimal (a platform's decimal string, int or None), to the micro
    the landed column holds (a JSON double like 12.345678901 is rounded half-even)."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value)).quantize(MICRO)


def micros(value: Any) -> Decimal:
    """Google's micros (int64, sent as a string) as an exact amount: 1 230 000 -> 1.23."""
    return Decimal(int(value or 0)).scaleb(-6)


class AdsConnector(Connector):
    """Base of the ad platform connectors: one campaign-day stream, `ads.*` metrics."""

    platform_name: ClassVar[str]  # as people say it: "Google Ads"
    metric_domain = None  # mapped in SQL (int_metrics__ads), not through a metric map
    metrics_model = "int_metrics__ads"
    breakdowns_model = "int_metric_breakdowns__ads"
    # platform: the ad platform (google_ads, meta_ads, linkedin_ads); channel: Paid Search or
    # Paid Social, as GA4 names them; campaign: the campaign's name
    breakdown_dimensions = ("platform", "channel", "campaign")
    # which landed batch and ad account each ads.* value came from (`scorecard explain`); each
    # platform names its stream in `provenance_streams`
    provenance_model = "int_provenance__ads"
    config_model: ClassVar[type[AdsSourceConfig]]

    def __init__(self, config):
        super().__init__(config)
        self._accounts: list[AdAccount] | None = None
        self._token = None  # a connectors.oauth token, once a client was built

    # ── what a platform implements ───────────────────────────────────────────────────
    def read_accounts(self, ctx: ExtractContext) -> list[AdAccount]:
        """The configured accounts with their currency and time zone, read from the platform."""
        raise NotImplementedError

    def campaign_days(
        self, account: AdAccount, window: Window, ctx: ExtractContext
    ) -> Iterator[dict]:
        """One account's rows for `window`: campaign_id, campaign_name, date, spend,
        impressions, clicks, conversions, conversion_value (account_id and currency are
        added here)."""
        raise NotImplementedError

    # ── shared ───────────────────────────────────────────────────────────────────────
    def provided_metrics(self) -> list[MetricDef]:
        return [MetricDef(f"ads.{n}", unit=unit) for n, unit in ADS_METRICS.items()]

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        dims = self.dimensions()
        return {f"ads.{n}": dims for n in ADS_METRICS} if dims else {}

    def ad_accounts(self, ctx: ExtractContext) -> list[AdAccount]:
        if self._accounts is None:
            self._accounts = self.read_accounts(ctx)
            described = (f"account {a.id} in {a.currency}, {a.time_zone}" for a in self._accounts)
            ctx.log.info(f"{self.config.name}: " + ", ".join(described))
        return self._accounts

    def zone_for_days(self, ctx: ExtractContext) -> str:
        """An account's days end at midnight in its own time zone; with several accounts the
        zone whose day ends last decides, so every account lands the same complete days."""
        zones = {a.time_zone for a in self.ad_accounts(ctx)}
        return min(sorted(zones), key=ctx.last_complete_day)

    def token_expiry(self):
        """What is known about when this source's credentials stop working (None: nothing)."""
        return self._token.expiry() if self._token is not None else None

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        window = self.window(ctx)
        rows = []
        for account in self.ad_accounts(ctx):
            before = len(rows)
            for row in self.campaign_days(account, window, ctx):
                rows.append({**row, "account_id": account.id, "currency": account.currency})
            ctx.log.info(
                f"{self.config.name}: account {account.id}: {len(rows) - before} campaign days "
                f"for {window}"
            )
        yield Batch(table_from_rows(stream.schema, rows), window)

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        from connectors.demo.ads import ads_batches

        yield from ads_batches(self, stream, ctx)
