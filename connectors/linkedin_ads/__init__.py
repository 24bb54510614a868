"""LinkedIn Ads (Advertising API): each campaign's day in each ad account, from adAnalytics.

The days are UTC days (LinkedIn's ad analytics are kept by UTC day, whatever the account), the
money is in the account's own currency (`costInLocalCurrency`, `conversionValueInLocalCurrency`,
landed as exact decimals). Credentials as for the organisation page (connectors.linkedin_page):
`oauth` with a refresh token (renews itself) or a ready `access_token`.

adAnalytics is not paged: one response holds at most 15,000 elements and LinkedIn cuts the rest
off without saying so. A request asks for so few days that campaigns × days stays under that
cap, and a response that comes back full is asked again in halves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import quote

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
from connectors.base import ExtractContext, Window
from connectors.facebook_page import chunks
from connectors.http import AuthError, RequestError
from connectors.linkedin_page import (
    LinkedInClient,
    LinkedInCredentials,
    linkedin_client,
    linkedin_token,
)
from connectors.pagination import CursorPaginator, PageRequest

ACCOUNT_URN = "urn:li:sponsoredAccount:"
CAMPAIGN_URN = "urn:li:sponsoredCampaign:"
# adAnalytics fields asked for (LinkedIn answers only the fields named, at most MAX_FIELDS)
ANALYTICS_FIELDS = (
    "dateRange",
    "pivotValues",
    "costInLocalCurrency",
    "impressions",
    "clicks",
    "externalWebsiteConversions",
    "conversionValueInLocalCurrency",
)
MAX_FIELDS = 20  # LinkedIn refuses a request naming more fields
MAX_ELEMENTS = 15_000  # the most elements one (unpaged) adAnalytics response holds
DAYS_PER_CALL = 30  # the longest range one adAnalytics request asks for
# how far back LinkedIn answers daily ad analytics: our assumption of two years (LinkedIn keeps
# ad reporting for longer, but does not promise daily granularity beyond that)
HISTORY_DAYS = 730
# every campaign status: the search leaves out the campaigns of statuses it is not asked for,
# and a campaign archived or removed since has spend in the window all the same
CAMPAIGN_STATUSES = (
    "ACTIVE",
    "PAUSED",
    "ARCHIVED",
    "COMPLETED",
    "CANCELED",
    "DRAFT",
    "PENDING_DELETION",
    "REMOVED",
)
CAMPAIGNS_PER_PAGE = 1000  # LinkedIn's largest pageSize for the campaign search
MICRO = Decimal("0.000001")  # landed amounts are exact to the micro (connectors.ads.MONEY)


def account_id(value) -> str:
    """An ad account id as its digits: `508123456`, 508123456 or urn:li:sponsoredAccount:…"""
    text = str(value).strip().removeprefix(ACCOUNT_URN)
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(
            f"'{value}' is not a LinkedIn ad account id: give the number Campaign Manager shows "
            "(508123456) or its URN (urn:li:sponsoredAccount:508123456)"
        )
    return text


AdAccountId = Annotated[str, BeforeValidator(account_id)]


class LinkedInAdsConfig(AdsSourceConfig, LinkedInCredentials):
    type: Literal["linkedin_ads"] = "linkedin_ads"
    ad_account_ids: list[AdAccountId] = Field(
        min_length=1,
        description="The ad accounts to read (digits, or urn:li:sponsoredAccount:…).",
    )
    api_version: str = Field(
        default="202510", pattern=r"^[0-9]{6}$", description="LinkedIn-Version header (YYYYMM)."
    )

    @field_validator("ad_account_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        return listed_once(ids)


@dataclass(frozen=True)
class Campaign:
    """A campaign as the campaign search describes it (its run schedule in UTC days)."""

    id: str
    name: str
    starts: date | None = None
    ends: date | None = None

    def may_deliver(self, window: Window) -> bool:
        """Whether its run schedule overlaps the window (no schedule: it may)."""
        return (self.starts is None or self.starts <= window.end) and (
            self.ends is None or self.ends >= window.start
        )


def restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


def analytics_path(account: str, part: Window, fields: tuple[str, ...] = ANALYTICS_FIELDS) -> str:
    """The adAnalytics request for one account's campaign days of `part` (both ends inclusive).
    Rest.li 2.0: the URN is encoded inside List(...), whose brackets, colons and commas are not."""
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"adAnalytics answers at most {MAX_FIELDS} fields, not {len(fields)}")
    urn = quote(f"{ACCOUNT_URN}{account}", safe="")
    return (
        "rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
        f"&dateRange=(start:{restli_date(part.start)},end:{restli_date(part.end)})"
        f"&accounts=List({urn})&fields={','.join(fields)}"
    )


def utc_day(ms) -> date | None:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC).date() if ms is not None else None


class LinkedInAdsClient(LinkedInClient):
    """A refused ad account (403) says which permission LinkedIn wants."""

    def error_for(self, response):
        error = super().error_for(response)
        if response.status_code == 403:
            text = str(error).removeprefix(f"source {self.source}: ")
            error = AuthError(
                self.source,
                f"{text}; LinkedIn Ads needs the scopes r_ads and r_ads_reporting, and the "
                "member who authorised the app needs a role on the ad account (Viewer at least)",
            )
            error.status = response.status_code
        return error


@register
class LinkedInAds(AdsConnector):
    type = "linkedin_ads"
    platform_name = "LinkedIn Ads"
    config_model = LinkedInAdsConfig
    day_zone = "UTC"  # LinkedIn's ad analytics days are UTC days
    history_days = HISTORY_DAYS
    provenance_streams = ("campaign_analytics",)
    streams = (
        campaign_day_stream(
            "campaign_analytics",
            "Each campaign's UTC day in each ad account from LinkedIn's adAnalytics (pivot "
            "CAMPAIGN, DAILY): spend and conversion value in the account's currency, "
            "impressions, clicks, website conversions.",
        ),
    )
    demo_profile = {
        "currency": "USD",
        "time_zone": "UTC",
        # (name, season or None, daily spend, cost per click, click-through rate,
        #  conversion rate, value per conversion)
        "campaigns": (
            ("b2b_leads", None, 180.0, 7.5, 0.005, 0.04, 600.0),
            ("webinar_series", ((9, 1), (11, 30)), 90.0, 6.0, 0.006, 0.05, 300.0),
        ),
    }

    def __init__(self, config: LinkedInAdsConfig):
        super().__init__(config)
        self._client: tuple[ExtractContext, LinkedInAdsClient] | None = None

    def accounts(self) -> list[str]:
        return list(self.config.ad_account_ids)

    def zone_for_days(self, ctx: ExtractContext) -> str:
        return self.day_zone  # UTC for every account: no need to ask LinkedIn first

    def http(self, ctx: ExtractContext) -> LinkedInAdsClient:
        """This run's client; the token object lives as long as the connector (its renewals
        and the refresh token's expiry with it)."""
        if self._client is None or self._client[0] is not ctx:
            if self._token is None:
                self._token = linkedin_token(self.config, self.policy.timeout)
            client = linkedin_client(
                self.config,
                self._token,
                policy=self.policy,
                log=ctx.log,
                client_class=LinkedInAdsClient,
            )
            self._client = (ctx, client)
        return self._client[1]

    def read_accounts(self, ctx: ExtractContext) -> list[AdAccount]:
        client = self.http(ctx)
        accounts = []
        for account in self.config.ad_account_ids:
            body = client.get_json(f"rest/adAccounts/{account}")
            currency = str(body.get("currency") or "").upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                raise RequestError(
                    self.config.name,
                    f"LinkedIn described ad account {account} without a currency code "
                    f"({body.get('currency')!r}); its amounts cannot be converted",
                )
            accounts.append(AdAccount(account, currency, self.day_zone, body.get("name") or ""))
        return accounts

    def analytics_window(self, window: Window, ctx: ExtractContext, warn: bool) -> Window | None:
        """The part of the window LinkedIn answers daily ad analytics for (HISTORY_DAYS back
        from the last complete UTC day)."""
        earliest = ctx.last_complete_day(self.day_zone) - timedelta(days=HISTORY_DAYS - 1)
        if window.start < earliest and warn:
            ctx.log.warning(
                f"{self.config.name}: LinkedIn answers daily ad analytics for about two years; "
                f"days before {earliest} (start_date {self.config.start_date}) are not asked "
                "for and land no campaign days"
            )
        if earliest > window.end:
            return None
        return Window(max(window.start, earliest), window.end)

    def campaigns(self, ctx: ExtractContext, account: str) -> list[Campaign]:
        """Every campaign of the account, whatever its status, from the campaign search (paged
        with pageSize and pageToken, the next token in metadata.nextPageToken)."""
        search = f"(status:(values:List({','.join(CAMPAIGN_STATUSES)})))"
        pages = self.http(ctx).paginate(
            PageRequest(
                f"rest/adAccounts/{account}/adCampaigns?q=search&search={search}",
                {"pageSize": CAMPAIGNS_PER_PAGE},
            ),
            CursorPaginator(cursor_path="metadata.nextPageToken", cursor_param="pageToken"),
            records=lambda body: body.get("elements") or [],
            what=f"campaigns of ad account {account}",
        )
        found = []
        for page in pages:
            for c in page.records:
                schedule = c.get("runSchedule") or {}
                found.append(
                    Campaign(
                        str(c["id"]),
                        c.get("name") or str(c["id"]),
                        utc_day(schedule.get("start")),
                        utc_day(schedule.get("end")),
                    )
                )
        return found

    def campaign_days(
        self, account: AdAccount, window: Window, ctx: ExtractContext
    ) -> Iterator[dict]:
        first = account.id == self.config.ad_account_ids[0]
        part = self.analytics_window(window, ctx, warn=first)
        if part is None:
            return
        campaigns = self.campaigns(ctx, account.id)
        names = {c.id: c.name for c in campaigns}
        # campaigns × days under the cap: as many days a call as the campaigns that may have
        # delivered in the window leave room for (a full answer is split further anyway)
        live = sum(c.may_deliver(part) for c in campaigns)
        days = max(1, min(DAYS_PER_CALL, (MAX_ELEMENTS - 1) // max(live, 1)))
        unnamed: set[str] = set()
        for chunk in chunks(part, days):
            for element in self.analytics(ctx, account.id, chunk):
                pivot = (element.get("pivotValues") or [""])[0]
                if not pivot.startswith(CAMPAIGN_URN):
                    raise RequestError(
                        self.config.name,
                        f"adAnalytics answered a row of {pivot!r} for ad account {account.id}, "
                        "not a campaign",
                    )
                campaign = pivot.removeprefix(CAMPAIGN_URN)
                if campaign not in names:
                    unnamed.add(campaign)
                start = element["dateRange"]["start"]
                yield {
                    "campaign_id": campaign,
                    "campaign_name": names.get(campaign, campaign),
                    "date": date(start["year"], start["month"], start["day"]),
                    "spend": money(element.get("costInLocalCurrency")).quantize(MICRO),
                    "impressions": int(element.get("impressions") or 0),
                    "clicks": int(element.get("clicks") or 0),
                    "conversions": float(element.get("externalWebsiteConversions") or 0),
                    "conversion_value": money(
                        element.get("conversionValueInLocalCurrency")
                    ).quantize(MICRO),
                }
        if unnamed:
            listed = ", ".join(sorted(unnamed)[:5]) + (", …" if len(unnamed) > 5 else "")
            ctx.log.warning(
                f"{self.config.name}: ad account {account.id}: {len(unnamed)} campaign(s) with "
                f"delivery that the campaign search did not return ({listed}); they land with "
                "their id as campaign name"
            )

    def analytics(self, ctx: ExtractContext, account: str, part: Window) -> list[dict]:
        """The account's campaign days of `part`. A full response may have been cut off (it is
        not paged), so its range is asked again in halves, down to a single day."""
        body = self.http(ctx).get_json(analytics_path(account, part))
        elements = body.get("elements") or []
        if len(elements) < MAX_ELEMENTS:
            return elements
        if part.start == part.end:
            raise RequestError(
                self.config.name,
                f"adAnalytics answered {len(elements):,} campaign rows for ad account {account} "
                f"on {part.start}, as many as one response holds (it is not paged and cuts off "
                "the rest); the account has more campaigns with delivery on one day than can be "
                "read",
            )
        middle = part.start + timedelta(days=(part.end - part.start).days // 2)
        ctx.log.info(
            f"{self.config.name}: ad account {account}: {len(elements):,} campaign rows for "
            f"{part}, the most one answer holds; asking for {part.start}..{middle} and "
            f"{middle + timedelta(days=1)}..{part.end} separately"
        )
        return self.analytics(ctx, account, Window(part.start, middle)) + self.analytics(
            ctx, account, Window(middle + timedelta(days=1), part.end)
        )
