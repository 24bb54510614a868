"""Meta Ads (Marketing API insights) — spend, impressions, clicks, conversions and conversion
value per campaign and day of each ad account, in the account's currency and on its local day.

- `GET /act_{id}/insights?level=campaign&time_increment=1&time_range=…`: one row per campaign
  and day with delivery, numbers as decimal strings, conversions in the `actions` /
  `action_values` lists by action type (`conversion_action_types` says which are added up);
- windows longer than `async_after_days` (a first run, a backfill) go through an
  asynchronous report job (`GraphClient.report_job`), which Meta computes in the background;
- Meta keeps insights for 37 months: the days before are not asked for (a warning says so);
- the token is checked once per run (`debug_token`, connectors.meta.check_token).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from connectors import register
from connectors.ads import (
    AdAccount,
    AdsConnector,
    AdsSourceConfig,
    campaign_day_stream,
    listed_once,
    money,
)
from connectors.base import Batch, ExtractContext, Stream, Window
from connectors.meta import GraphClient, GraphTokenCheck
from connectors.secrets import EnvRef, resolve_secret

# Meta answers insights for the last 37 months; 37 consecutive months are never shorter than
# 1123 days (three years and a February), so this many days back is always within them
HISTORY_DAYS = 1123
INSIGHT_FIELDS = (
    "campaign_id,campaign_name,spend,impressions,clicks,actions,action_values,date_start,date_stop"
)
ACCOUNT_FIELDS = "currency,timezone_name,name"


def account_digits(value: object) -> object:
    """An ad account id as its digits: `act_1234` and `1234` are the same account."""
    if not isinstance(value, str | int):
        return value
    text = str(value).strip()
    if text.lower().startswith("act_"):
        text = text[4:]
    if not text.isdigit():
        raise ValueError(
            f"ad account id '{value}' must be the account's number, like act_1234567890 or "
            "1234567890 (Ads Manager shows it next to the account name)"
        )
    return text


AdAccountId = Annotated[str, BeforeValidator(account_digits)]


class MetaAdsConfig(AdsSourceConfig):
    type: Literal["meta_ads"] = "meta_ads"
    ad_account_ids: list[AdAccountId] = Field(
        min_length=1,
        description="The ad accounts to extract, as act_1234567890 or 1234567890.",
    )
    access_token: EnvRef = Field(
        description="env:NAME of a long-lived token with ads_read (best: a system user's)."
    )
    api_version: str = Field(default="v24.0", description="Graph API version.")
    conversion_action_types: list[str] = Field(
        default=["omni_purchase"],
        min_length=1,
        description="Action types of `actions` / `action_values` added into conversions and "
        "conversion value (types must not overlap: omni_purchase already includes purchase).",
    )
    async_after_days: int = Field(
        default=45,
        ge=1,
        description="Windows longer than this many days are read through an asynchronous "
        "report job (a first run, a backfill); the nightly 30-day lookback stays direct.",
    )
    async_timeout_seconds: float = Field(
        default=900,
        gt=0,
        description="How long an asynchronous report job may take before the run fails.",
    )

    @field_validator("ad_account_ids")
    @classmethod
    def _once_each(cls, ids: list[str]) -> list[str]:
        return listed_once(ids)


def action_total(items: list[dict] | None, types: set[str]) -> Decimal:
    """The sum of the `value`s (decimal strings) of the listed action types."""
    return sum(
        (money(item.get("value")) for item in items or () if item.get("action_type") in types),
        Decimal(0),
    )


def campaign_day(item: dict, types: set[str]) -> dict:
    """One insights row (level=campaign, time_increment=1) as the stream lands it."""
    return {
        "campaign_id": str(item["campaign_id"]),
        "campaign_name": item.get("campaign_name"),
        "date": date.fromisoformat(item["date_start"]),  # the account's local day
        "spend": money(item.get("spend")),
        "impressions": int(item.get("impressions") or 0),
        "clicks": int(item.get("clicks") or 0),
        "conversions": float(action_total(item.get("actions"), types)),
        "conversion_value": action_total(item.get("action_values"), types),
    }


@register
class MetaAds(GraphTokenCheck, AdsConnector):
    type = "meta_ads"
    platform_name = "Meta Ads"
    config_model = MetaAdsConfig
    history_days = HISTORY_DAYS
    token_renewal = (
        "Create a new long-lived token with ads_read (best: a system user's token from "
        "Business settings → Users → System users → Generate new token, which does not "
        "expire; the system user must be assigned to the ad accounts) and update the "
        "source's access_token environment variable."
    )
    poll_seconds = 5.0  # between polls of an asynchronous report job (tests shorten it)
    page_size = 500  # insights rows asked for per page
    demo_profile = {
        "currency": "EUR",
        "time_zone": "Europe/Copenhagen",
        # (name, season or None, daily spend, cost per click, click-through rate, conversion rate,
        # value per conversion)
        "campaigns": (
            ("prospecting", None, 260.0, 0.7, 0.012, 0.01, 120.0),
            ("retargeting", None, 120.0, 0.5, 0.02, 0.03, 130.0),
            ("black_friday", ((11, 1), (12, 31)), 300.0, 0.6, 0.015, 0.02, 125.0),
        ),
    }
    provenance_streams = ("campaign_insights",)
    streams = (
        campaign_day_stream(
            "campaign_insights",
            "Meta Ads insights per ad account, campaign and account-local day (level=campaign, "
            "time_increment=1): spend, impressions, clicks, and the configured conversion "
            "action types' count and value, in the account's currency.",
        ),
    )

    def __init__(self, config: MetaAdsConfig):
        super().__init__(config)
        self._graph: GraphClient | None = None
        self._history_warned = False

    def accounts(self) -> list[str]:
        return list(self.config.ad_account_ids)

    def client(self, ctx: ExtractContext) -> GraphClient:
        if self._graph is None:
            self._graph = GraphClient(
                self.config.name,
                token=resolve_secret(self.config.access_token, key="access_token"),
                api_version=self.config.api_version,
                base_url=self.config.base_url,
                policy=self.policy,
                log=ctx.log,
            )
        return self._graph

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        # the token first: an expired one stops the run before any account is read
        self.check_token(self.client(ctx), ctx)
        yield from super().extract(stream, ctx)

    def read_accounts(self, ctx: ExtractContext) -> list[AdAccount]:
        client = self.client(ctx)
        accounts = []
        for account_id in self.config.ad_account_ids:
            body = client.get_json(f"act_{account_id}", params={"fields": ACCOUNT_FIELDS})
            accounts.append(
                AdAccount(
                    account_id, body["currency"], body["timezone_name"], body.get("name") or ""
                )
            )
        return accounts

    def history_window(self, window: Window, ctx: ExtractContext) -> Window | None:
        """The part of `window` Meta still has insights for (its last 37 months)."""
        earliest = ctx.last_complete_day(self.zone_for_days(ctx)) - timedelta(days=HISTORY_DAYS - 1)
        if window.start < earliest and not self._history_warned:
            self._history_warned = True
            ctx.log.warning(
                f"{self.config.name}: Meta keeps ads insights for 37 months only; days before "
                f"{earliest} (start_date {self.config.start_date}) cannot be extracted"
            )
        if earliest > window.end:
            return None
        return Window(max(window.start, earliest), window.end)

    def campaign_days(
        self, account: AdAccount, window: Window, ctx: ExtractContext
    ) -> Iterator[dict]:
        part = self.history_window(window, ctx)
        if part is None:
            return
        client = self.client(ctx)
        path = f"act_{account.id}/insights"
        params = {
            "level": "campaign",
            "time_increment": 1,
            "time_range": json.dumps(
                {"since": part.start.isoformat(), "until": part.end.isoformat()}
            ),
            "fields": INSIGHT_FIELDS,
            "limit": self.page_size,
        }
        days = (part.end - part.start).days + 1
        if days > self.config.async_after_days:
            items = client.report_job(
                path,
                params,
                what=f"account act_{account.id}, {part}",
                timeout=self.config.async_timeout_seconds,
                poll_seconds=self.poll_seconds,
            )
        else:
            items = client.edge(path, params)
        types = set(self.config.conversion_action_types)
        for item in items:
            yield campaign_day(item, types)
