"""Google Ads (Google Ads API over REST) — each customer account's campaigns per local day:
spend, impressions, clicks, conversions and conversion value, in the account's currency.

Every call is a GAQL query sent to `googleAds:searchStream`, which answers a JSON array of
result batches in proto3 JSON: camelCase names, int64 values as strings, and fields holding
their default value (0) left out — a campaign day without clicks has no `clicks`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from pydantic import BeforeValidator, Field, field_validator, model_validator

from connectors import register
from connectors.ads import (
    AdAccount,
    AdsConnector,
    AdsSourceConfig,
    campaign_day_stream,
    listed_once,
    micros,
    money,
)
from connectors.base import ExtractContext, Window
from connectors.http import (
    AuthError,
    HttpClient,
    QuotaExhausted,
    RequestError,
    SourceError,
    TransientError,
)
from connectors.oauth import OAuthConfig, token_source
from connectors.secrets import EnvRef, resolve_secret

API_URL = "https://googleads.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/adwords"
CHUNK_DAYS = 90  # days per campaign query: a backfill is asked for in quarters
LAST_ZONE = "Etc/GMT+12"  # UTC-12, where a day ends last: for a zone Python does not know
MICRO = Decimal("0.000001")  # the landed money's scale
ACCOUNT_QUERY = (
    "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone "
    "FROM customer"
)
CAMPAIGN_QUERY = (
    "SELECT campaign.id, campaign.name, segments.date, metrics.cost_micros, "
    "metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value "
    "FROM campaign WHERE segments.date BETWEEN '{start}' AND '{end}'"
)


def customer_id(value: Any, what: str = "customer id") -> str:
    """A Google Ads customer id as the API wants it: 10 digits ("123-456-7890" -> 1234567890)."""
    digits = re.sub(r"[\s-]", "", str(value))
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError(
            f"{what} {value!r} is not a Google Ads customer id: 10 digits, as Google Ads shows "
            "them at the top of the account (123-456-7890)"
        )
    return digits


CustomerId = Annotated[str, BeforeValidator(customer_id)]
ManagerId = Annotated[
    str, BeforeValidator(functools.partial(customer_id, what="login_customer_id"))
]


class GoogleAdsConfig(AdsSourceConfig):
    type: Literal["google_ads"] = "google_ads"
    customer_ids: list[CustomerId] = Field(
        min_length=1,
        description="The Google Ads accounts extracted (123-456-7890 or 1234567890); their "
        "campaigns are added up.",
    )
    login_customer_id: ManagerId | None = Field(
        default=None,
        description="The manager account through which the customers are reached (sent as "
        "login-customer-id); leave out when the user has direct access.",
    )
    developer_token: EnvRef = Field(description="env:NAME of the Google Ads API developer token.")
    access_token: EnvRef | None = Field(
        default=None, description="env:NAME of a ready OAuth access token (lasts an hour)."
    )
    oauth: OAuthConfig | None = Field(
        default=None,
        description="OAuth client id, secret and refresh token (scope "
        f"{SCOPE}): access tokens renew themselves.",
    )
    api_version: str = Field(default="v22", description="Google Ads API version (vNN).")

    @field_validator("customer_ids")
    @classmethod
    def _once_each(cls, v: list[str]) -> list[str]:
        return listed_once(v, "customer id")

    @field_validator("api_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not re.fullmatch(r"v\d+", v):
            raise ValueError(f"api_version {v!r} must look like v22")
        return v

    @model_validator(mode="after")
    def _credentials(self):
        if self.access_token is None and self.oauth is None:
            raise ValueError(
                "set oauth (client_id, client_secret, refresh_token: renews itself, for the "
                "nightly run) or access_token (a ready token, lasts an hour)"
            )
        return self


def _variable(ref: str | None) -> str:
    """The environment variable an `env:NAME` reference names (never its value)."""
    return ref[4:] if ref else "?"


def _failure(body: Any) -> dict | None:
    """The `error` object of an error answer (`{"error": …}`, or inside searchStream's array)."""
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("error"), dict):
            return item["error"]
    return None


def _codes(error: dict) -> list[dict]:
    """The GoogleAdsFailure's errors: [{kind, code, message, details}]."""
    out = []
    for detail in error.get("details") or []:
        if not str(detail.get("@type", "")).endswith("GoogleAdsFailure"):
            continue
        for e in detail.get("errors") or []:
            for kind, code in (e.get("errorCode") or {}).items():
                out.append(
                    {
                        "kind": kind,
                        "code": str(code),
                        "message": str(e.get("message") or ""),
                        "details": e.get("details") or {},
                    }
                )
    return out


def _request_id(error: dict) -> str | None:
    for detail in error.get("details") or []:
        if detail.get("requestId"):
            return str(detail["requestId"])
    return None


def _seconds(duration: Any) -> float | None:
    """A protobuf Duration in JSON ("3600s") as seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(duration or ""))
    return float(m.group(1)) if m else None


# Google Ads' error codes that a person can fix, and what to do (errors.proto enums)
DEVELOPER = "the developer token (environment variable {developer})"
ADVICE: dict[str, tuple[type[SourceError], str]] = {
    "DEVELOPER_TOKEN_NOT_APPROVED": (
        AuthError,
        DEVELOPER + " is approved for test accounts only; apply for Basic access in the API "
        "Center of the manager account that owns it (Google Ads > Admin > API Center), or "
        "extract test accounts only",
    ),
    "DEVELOPER_TOKEN_INVALID": (
        AuthError,
        DEVELOPER + " is not valid; copy it again from the API Center of the manager account "
        "(Google Ads > Admin > API Center)",
    ),
    "DEVELOPER_TOKEN_PROHIBITED": (
        AuthError,
        DEVELOPER + " may not be used with the Google Cloud project of the OAuth client; use "
        "an OAuth client of the project the token was first used with",
    ),
    "DEVELOPER_TOKEN_NOT_ON_ALLOWLIST": (
        AuthError,
        DEVELOPER + " is not allowed to use this part of the API; check its access level in "
        "the API Center",
    ),
    "MISSING_TOS": (
        AuthError,
        "the Google Ads API terms of service are not accepted; accept them in the API Center "
        "of the manager account that owns the developer token",
    ),
    "PROJECT_DISABLED": (
        AuthError,
        "the Google Ads API is not enabled in the Google Cloud project of the OAuth client; "
        "enable it (APIs & Services > Library > Google Ads API)",
    ),
    "USER_PERMISSION_DENIED": (
        AuthError,
        "the Google user who authorised the credentials has no access to customer {customer}; "
        "give that user access in Google Ads (Admin > Access and security), or, when the "
        "account is reached through a manager account, set login_customer_id to the manager's "
        "id{login_hint}",
    ),
    "INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION": (
        AuthError,
        "login_customer_id {login} does not manage customer {customer}; set login_customer_id "
        "to a manager account above it, or leave it out when the user has direct access",
    ),
    "CUSTOMER_NOT_ENABLED": (
        AuthError,
        "customer {customer} is not enabled or was cancelled, and cannot be queried; remove it "
        "from customer_ids",
    ),
    "NOT_ADS_USER": (
        AuthError,
        "the Google account that authorised the credentials has no Google Ads access; authorise "
        "again as a user with access to the customers",
    ),
    "CUSTOMER_NOT_FOUND": (
        RequestError,
        "customer {customer} does not exist; check customer_ids (the 10-digit id at the top of "
        "Google Ads)",
    ),
    "CLIENT_CUSTOMER_ID_INVALID": (
        RequestError,
        "customer {customer} is not a valid customer id; check customer_ids",
    ),
    "REQUESTED_METRICS_FOR_MANAGER": (
        RequestError,
        "customer {customer} is a manager account, which has no campaigns of its own; list its "
        "client accounts in customer_ids and set login_customer_id to the manager's id",
    ),
}


class GoogleAdsClient(HttpClient):
    """Turns Google Ads' GoogleAdsFailure into one error saying what to do."""

    def __init__(self, config: GoogleAdsConfig, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config = config

    def error_for(self, response: requests.Response) -> SourceError:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = _failure(body)
        if error is None:
            return super().error_for(response)
        m = re.search(r"/customers/(\d+)/", response.url)
        return self.explain(response.status_code, error, m.group(1) if m else None)

    def explain(self, status: int | None, error: dict, customer: str | None) -> SourceError:
        """Our error for a Google Ads error object (an HTTP error's, or one inside a stream)."""
        config = self.config
        status = status if status and status >= 400 else int(error.get("code") or 500)
        codes = _codes(error)
        detail = "; ".join(f"{c['kind']} {c['code']}: {c['message']}" for c in codes)
        detail = detail or f"{error.get('status', status)}: {error.get('message', '')}"
        request_id = _request_id(error)
        detail += f"; request id {request_id}" if request_id else ""
        who = f"Google Ads customer {customer}" if customer else "Google Ads"
        fill = {
            "developer": _variable(config.developer_token),
            "customer": customer or "?",
            "login": config.login_customer_id or "",
            "login_hint": "" if config.login_customer_id else " (login_customer_id is not set now)",
        }
        for c in codes:
            if c["code"] in ADVICE:
                kind, advice = ADVICE[c["code"]]
                return kind(self.source, f"{who} refused ({detail}): {advice.format(**fill)}")
        quota = next((c for c in codes if c["kind"] == "quotaError"), None)
        if quota is not None or status == 429:
            info = (quota or {}).get("details", {}).get("quotaErrorDetails") or {}
            wait = _seconds(info.get("retryDelay"))
            asked = f"; Google asks to wait {wait:.0f} s" if wait is not None else ""
            return QuotaExhausted(
                self.source,
                f"{who}: the developer token's API quota is used up ({detail}{asked}) after "
                f"{self.policy.attempts} retries; the run stops and the next run extracts the "
                "same days again (Basic access allows 15,000 operations a day: apply for "
                "Standard access in the API Center if this recurs)",
            )
        if status == 401 or any(c["kind"] == "authenticationError" for c in codes):
            if config.oauth is not None:
                advice = (
                    "the access token renewed with the refresh token (environment variable "
                    f"{_variable(config.oauth.refresh_token)}) was rejected; authorise again "
                    f"with scope {SCOPE} and update the refresh token (an OAuth consent screen "
                    "in Testing status makes refresh tokens expire after 7 days)"
                )
            else:
                advice = (
                    f"the access token (environment variable {_variable(config.access_token)}) "
                    "was rejected: access tokens expire after an hour; export a fresh one, or "
                    "configure oauth with a refresh token so it renews itself"
                )
            return AuthError(self.source, f"{who} refused ({detail}): {advice}")
        if status == 403:
            return AuthError(
                self.source,
                f"{who} refused ({detail}): the credentials lack permission; check the "
                "developer token's access level and the user's access to the customer",
            )
        if status >= 500:
            return TransientError(
                self.source, f"{who} kept failing ({detail}) after retries; try again later"
            )
        return RequestError(
            self.source, f"{who} refused the query ({detail}); check the source's settings"
        )


def chunks(window: Window, days: int) -> Iterator[Window]:
    start = window.start
    while start <= window.end:
        end = min(window.end, start + timedelta(days=days - 1))
        yield Window(start, end)
        start = end + timedelta(days=1)


@register
class GoogleAds(AdsConnector):
    type = "google_ads"
    platform_name = "Google Ads"
    config_model = GoogleAdsConfig
    provenance_streams = ("campaign_metrics",)
    streams = (
        campaign_day_stream(
            "campaign_metrics",
            "Spend, impressions, clicks, conversions and conversion value per Google Ads "
            "account, campaign and day (the account's time zone and currency).",
        ),
    )
    demo_profile = {
        "currency": "DKK",
        "time_zone": "Europe/Copenhagen",
        # (name, season or None, daily spend, cost per click, click-through rate,
        #  conversion rate, value per conversion)
        "campaigns": (
            ("brand_search", None, 1800.0, 4.5, 0.09, 0.06, 900.0),
            ("generic_search", None, 3200.0, 9.0, 0.035, 0.025, 1100.0),
            ("black_friday", ((11, 1), (12, 31)), 2600.0, 6.0, 0.05, 0.045, 950.0),
        ),
    }

    def __init__(self, config):
        super().__init__(config)
        self._client: GoogleAdsClient | None = None

    def accounts(self) -> list[str]:
        return list(self.config.customer_ids)

    def client(self, ctx: ExtractContext) -> GoogleAdsClient:
        """One client per run: the developer token and manager account as headers, the
        access token (renewing itself with oauth) set on every call."""
        if self._client is None:
            config = self.config
            developer = resolve_secret(config.developer_token, key="developer_token")
            self._token = token_source(
                access_token=config.access_token,
                oauth=config.oauth,
                token_url=TOKEN_URL,
                timeout=self.policy.timeout,
            )
            headers = {"developer-token": developer}
            if config.login_customer_id:
                headers["login-customer-id"] = config.login_customer_id
            self._client = GoogleAdsClient(
                config,
                config.name,
                config.base_url or API_URL,
                headers=headers,
                policy=self.policy,
                log=ctx.log,
                token=self._token,
            )
        return self._client

    def search(self, ctx: ExtractContext, customer: str, query: str) -> list[dict]:
        """Every row a GAQL query answers for one customer (searchStream: all batches). An
        error inside the stream fails the call: a partial answer is never landed."""
        client = self.client(ctx)
        body = client.post_json(
            f"{self.config.api_version}/customers/{customer}/googleAds:searchStream",
            {"query": query},
        )
        rows = []
        for batch in body if isinstance(body, list) else [body]:
            error = _failure(batch)
            if error is not None:
                raise client.explain(None, error, customer)
            rows += batch.get("results") or []
        return rows

    def read_accounts(self, ctx: ExtractContext) -> list[AdAccount]:
        accounts = []
        for cid in self.config.customer_ids:
            rows = self.search(ctx, cid, ACCOUNT_QUERY)
            customer = rows[0].get("customer", {}) if rows else {}
            currency = customer.get("currencyCode")
            if not currency:
                raise RequestError(
                    self.config.name,
                    f"Google Ads answered no currency for customer {cid}; check customer_ids",
                )
            accounts.append(
                AdAccount(
                    cid,
                    currency.upper(),
                    self._zone(cid, customer.get("timeZone"), ctx),
                    customer.get("descriptiveName", ""),
                )
            )
        return accounts

    def _zone(self, cid: str, zone: str | None, ctx: ExtractContext) -> str:
        try:
            ZoneInfo(zone or "")
        except (ZoneInfoNotFoundError, ValueError):
            # unknown: the zone where days end last, so no partial day is ever landed
            ctx.log.warning(
                f"{self.config.name}: Google Ads customer {cid} reported time zone {zone!r}, "
                f"which is not an IANA zone; its days are taken as ending at {LAST_ZONE}"
            )
            return LAST_ZONE
        return zone

    def campaign_days(
        self, account: AdAccount, window: Window, ctx: ExtractContext
    ) -> Iterator[dict]:
        for part in chunks(window, CHUNK_DAYS):
            query = CAMPAIGN_QUERY.format(start=part.start.isoformat(), end=part.end.isoformat())
            for row in self.search(ctx, account.id, query):
                campaign = row.get("campaign") or {}
                metrics = row.get("metrics") or {}
                yield {
                    "campaign_id": str(campaign["id"]),
                    "campaign_name": campaign.get("name", ""),
                    "date": date.fromisoformat(row["segments"]["date"]),
                    "spend": micros(metrics.get("costMicros")),
                    "impressions": int(metrics.get("impressions") or 0),
                    "clicks": int(metrics.get("clicks") or 0),
                    "conversions": float(metrics.get("conversions") or 0),
                    # a double on the wire: read as the decimal it prints as, to the micro
                    "conversion_value": money(metrics.get("conversionsValue")).quantize(MICRO),
                }
