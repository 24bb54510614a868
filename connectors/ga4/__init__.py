"""Google Analytics 4 (Data API) — web metrics per property and day, and period totals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator, model_validator

from connectors import register
from connectors.base import (
    ApiSourceConfig,
    Batch,
    Connector,
    ExtractContext,
    NothingToExtract,
    Stream,
    table_from_rows,
)
from connectors.checks import AtLeast, Dates, NotBefore, OneOf, Presence, Reconciliation
from connectors.ga4 import reports
from connectors.ga4.reports import BREAKDOWN_DIMENSIONS, QUOTA_FIELDS
from connectors.oauth import OAuthConfig
from connectors.secrets import EnvRef

_FLAGS = [
    pa.field("subject_to_thresholding", pa.bool_()),
    pa.field("data_loss_from_other_row", pa.bool_()),
    pa.field("sampled", pa.bool_()),
    pa.field("currency_code", pa.string()),
    pa.field("time_zone", pa.string()),
]


class GA4Config(ApiSourceConfig):
    type: Literal["ga4"] = "ga4"
    property_ids: list[str] = Field(min_length=1, description="Numeric GA4 property ids.")
    credentials: EnvRef | None = Field(
        default=None, description="env:NAME of a service-account JSON key file path."
    )
    access_token: EnvRef | None = Field(
        default=None, description="env:NAME of a ready OAuth token."
    )
    oauth: OAuthConfig | None = Field(
        default=None,
        description="OAuth client id, secret and refresh token of a user with access to the "
        "properties (scope analytics.readonly): access tokens renew themselves.",
    )
    api_endpoint: str | None = Field(
        default=None, description="Data API address override, e.g. http://127.0.0.1:8080."
    )
    daily_metrics: list[str] = Field(
        default=["sessions", "engagedSessions", "keyEvents", "totalRevenue", "totalUsers"],
        description="GA4 metrics requested per day.",
    )
    period_metrics: list[str] = Field(
        default=["totalUsers"],
        description="Non-additive GA4 metrics requested per ISO week, month, quarter and year.",
    )
    page_size: int | None = Field(
        default=None, ge=1, le=250_000, description="Rows per report page (default 100,000)."
    )
    block_on_quality_flags: list[Literal["thresholded", "sampled", "other_row"]] = Field(
        default_factory=list,
        description="Withhold the scorecard when a KPI of the latest complete period rests on "
        "GA4 data that was thresholded, sampled or folded into '(other)'.",
    )
    quota_wait_seconds: float = Field(
        default=900,
        ge=0,
        description="How long a run may wait in total for GA4's hourly quota to come back "
        "before it stops cleanly (the daily quota always stops the run).",
    )

    @model_validator(mode="before")
    @classmethod
    def _base_url_alias(cls, data):
        if isinstance(data, dict) and data.get("base_url") and not data.get("api_endpoint"):
            data = {**data, "api_endpoint": data["base_url"]}
        return data

    @field_validator("property_ids")
    @classmethod
    def _numeric(cls, v: list[str]) -> list[str]:
        for pid in v:
            if not re.fullmatch(r"\d+", str(pid)):
                raise ValueError(f"property id {pid!r} must be the numeric GA4 property id")
        return [str(p) for p in v]

    @model_validator(mode="after")
    def _one_credential(self):
        if not self.credentials and not self.access_token and self.oauth is None:
            raise ValueError(
                "set credentials (service-account file), access_token (a ready token) or "
                "oauth (client id, client secret and refresh token)"
            )
        if self.oauth is not None and (self.credentials or self.access_token):
            raise ValueError(
                "oauth fetches its own access tokens: set it without credentials or access_token"
            )
        return self


@register
class GA4(Connector):
    type = "ga4"
    config_model = GA4Config
    metric_domain = "web"
    metrics_model = "int_metrics__web"
    provenance_model = "int_provenance__web"
    # the streams its metric totals come from (breakdown reports feed kpi_breakdowns)
    provenance_streams = ("daily_metrics", "period_totals")
    breakdown_dimensions = tuple(BREAKDOWN_DIMENSIONS)
    breakdowns_model = "int_metric_breakdowns__web"
    # every dimension is more reports against the property's quota: none unless configured
    default_breakdowns = ()
    default_metric_map = {
        "sessions": ("sessions",),
        "engaged_sessions": ("engagedSessions",),
        "key_events": ("keyEvents",),
        "revenue": ("totalRevenue",),
        "total_users": ("totalUsers",),
    }
    streams = (
        Stream(
            name="daily_metrics",
            schema=pa.schema(
                [
                    pa.field("property_id", pa.string()),
                    pa.field("date", pa.date32()),
                    pa.field("metric", pa.string()),
                    pa.field("value", pa.float64()),
                    *_FLAGS,
                ]
            ),
            primary_key=("property_id", "date", "metric"),
            cursor="date",
            page_size=100_000,
            steady_volume=True,
            # counts are never negative; revenue may be (refunds)
            checks=(AtLeast("value", 0, where='metric != "totalRevenue"'),),
            reconciliation=Reconciliation.mapped(
                "stg_ga4__daily_metrics", currency_column="currency"
            ),
            presence=Presence("stg_ga4__daily_metrics", account_column="property_id"),
            description="One row per property, day (property time zone) and GA4 metric.",
        ),
        Stream(
            name="period_totals",
            schema=pa.schema(
                [
                    pa.field("property_id", pa.string()),
                    pa.field("grain", pa.string()),
                    pa.field("period_start", pa.date32()),
                    pa.field("period_end", pa.date32()),
                    pa.field("metric", pa.string()),
                    pa.field("value", pa.float64()),
                    *_FLAGS,
                ]
            ),
            primary_key=("property_id", "grain", "period_start", "metric"),
            cursor="period_start",
            page_size=100_000,
            check_cursor_dates=False,  # its periods start before the window: checked below
            checks=(
                AtLeast("value", 0),
                OneOf("grain", ("week", "month", "quarter", "year")),
                NotBefore("period_end", "period_start"),
                Dates("period_end", from_start=True, days_after_run=None),
                Dates("period_start"),
            ),
            description="Non-additive metrics as GA4 reports them per week/month/quarter/year.",
        ),
        Stream(
            name="daily_breakdowns",
            schema=pa.schema(
                [
                    pa.field("property_id", pa.string()),
                    pa.field("date", pa.date32()),
                    pa.field("dimension", pa.string()),
                    pa.field("member", pa.string()),
                    pa.field("metric", pa.string()),
                    pa.field("value", pa.float64()),
                    *_FLAGS,
                ]
            ),
            primary_key=("property_id", "date", "dimension", "member", "metric"),
            cursor="date",
            page_size=100_000,
            checks=(
                AtLeast("value", 0, where='metric != "totalRevenue"'),
                OneOf("dimension", tuple(BREAKDOWN_DIMENSIONS)),
            ),
            description="The daily metrics per member of each configured breakdown dimension "
            "(`breakdowns:`): one row per property, day, dimension, member and GA4 metric; "
            "members with no data that day have no row; GA4's `(other)` row is member "
            "'(other)'.",
        ),
        Stream(
            name="period_breakdowns",
            schema=pa.schema(
                [
                    pa.field("property_id", pa.string()),
                    pa.field("grain", pa.string()),
                    pa.field("period_start", pa.date32()),
                    pa.field("period_end", pa.date32()),
                    pa.field("dimension", pa.string()),
                    pa.field("member", pa.string()),
                    pa.field("metric", pa.string()),
                    pa.field("value", pa.float64()),
                    *_FLAGS,
                ]
            ),
            primary_key=("property_id", "grain", "period_start", "dimension", "member", "metric"),
            cursor="period_start",
            page_size=100_000,
            check_cursor_dates=False,  # its periods start before the window: checked below
            checks=(
                AtLeast("value", 0),
                OneOf("grain", ("week", "month", "quarter", "year")),
                OneOf("dimension", tuple(BREAKDOWN_DIMENSIONS)),
                NotBefore("period_end", "period_start"),
                Dates("period_end", from_start=True, days_after_run=None),
                Dates("period_start"),
            ),
            description="Non-additive metrics (distinct users) per member of each breakdown "
            "dimension and week/month/quarter/year, as GA4 counts them: never summed.",
        ),
        Stream(
            name="property_quota",
            schema=pa.schema(
                [
                    pa.field("property_id", pa.string()),
                    pa.field("requested_at", pa.timestamp("us", tz="UTC")),
                    pa.field("report", pa.string()),
                    *[
                        pa.field(f"{quota}_{kind}", pa.int64())
                        for quota in QUOTA_FIELDS
                        for kind in ("consumed", "remaining")
                    ],
                ]
            ),
            primary_key=("property_id", "requested_at", "report"),
            checks=(AtLeast("tokens_per_day_remaining", 0),),
            description="GA4's propertyQuota after each report: tokens used and left.",
        ),
    )

    def __init__(self, config):
        super().__init__(config)
        self._quota: list[dict] = []
        self._window = None
        self._api = None  # one client per run, made on first use
        self._zones: dict[str, str] | None = None

    def accounts(self) -> list[str]:
        return list(self.config.property_ids)

    def may_be_empty(self, stream: Stream) -> bool:
        """A source without `breakdowns:` lands its breakdown streams empty; with them, a
        window without a single session is an outage worth stopping for, like the totals."""
        if stream.name in ("daily_breakdowns", "period_breakdowns"):
            return not self.dimensions() or (
                stream.name == "period_breakdowns" and not self.config.period_metrics
            )
        return super().may_be_empty(stream)

    def token_expiry(self):
        """With oauth, Google's client renews the access token from the refresh token."""
        if self.config.oauth is None:
            return None
        from connectors.oauth import TokenExpiry

        return TokenExpiry("refresh token", None, renews_itself=True)

    def blocking_quality_flags(self) -> set[str]:
        return set(self.config.block_on_quality_flags)

    def api(self, ctx: ExtractContext):
        from connectors.ga4.api import GA4Api

        if self._api is None:
            self._api = GA4Api(self.config, log=ctx.log, policy=self.policy)
        return self._api

    def zone_for_days(self, ctx: ExtractContext) -> str:
        """GA4 days are days in each property's own time zone, which GA4 reports with every
        report: asked once per run. With several properties, the zone whose day ends last
        decides, so every property lands the same complete days."""
        if self._zones is None:
            api = self.api(ctx)
            self._zones = {p: api.time_zone(p, ctx.snapshot_day) for p in self.config.property_ids}
            ctx.log.info(
                f"{self.config.name}: property time zones "
                + ", ".join(f"{p}: {z}" for p, z in self._zones.items())
            )
        return min(self._zones.values(), key=ctx.last_complete_day)

    @classmethod
    def demo_config_at_scale(cls, source: dict, scale: float) -> dict:
        # GA4 grows by properties: 2·S of them
        return {
            **source,
            "property_ids": [str(310000000 + i) for i in range(max(2, round(2 * scale)))],
        }

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        from connectors.ga4.demo import ga4_batches

        yield from ga4_batches(self.config, stream, ctx)

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """One batch per stream with every property, so a stream lands all or nothing.

        The quota stream lands what the report streams recorded, so it is declared last.
        """
        if stream.name == "property_quota":
            if self._window is None:  # the report streams had no complete day to ask for
                raise NothingToExtract(f"{self.config.name}: no report ran, no quota to land")
            if self._quota:
                yield Batch(table_from_rows(stream.schema, self._quota), self._window)
            return
        window = self._window = self.window(ctx)
        specs = self._specs(stream.name, window)
        rows = []
        if specs:
            api = self.api(ctx)
        for property_id in self.config.property_ids:
            for spec in specs:
                pages, spec_rows = 0, []
                page_size = self.config.page_size or stream.page_size
                for response in api.pages(spec, property_id, page_size):
                    pages += 1
                    spec_rows += self._records(stream.name, property_id, spec, response)
                    self._quota.append(reports.quota_record(property_id, spec, response))
                rows += spec_rows
                folded = any(r.get("member") == "(other)" for r in spec_rows)
                ctx.log.info(
                    f"{self.config.name}: property {property_id} {spec.name} report"
                    f"{' by ' + spec.breakdown if spec.breakdown else ''} "
                    f"{spec.start}..{spec.end}: {pages} page(s)"
                    + (", GA4 folded members into '(other)'" if folded else "")
                )
        yield Batch(table_from_rows(stream.schema, rows), window)

    def _specs(self, stream: str, window) -> list[reports.ReportSpec]:
        dimensions = self.dimensions()
        return {
            "daily_metrics": lambda: [reports.daily_spec(self.config, window)],
            "period_totals": lambda: reports.period_specs(self.config, window),
            "daily_breakdowns": lambda: reports.breakdown_daily_specs(
                self.config, window, dimensions
            ),
            "period_breakdowns": lambda: reports.breakdown_period_specs(
                self.config, window, dimensions
            ),
        }[stream]()

    @staticmethod
    def _records(stream: str, property_id: str, spec, response) -> list[dict]:
        if stream == "daily_metrics":
            return reports.daily_records(property_id, response)
        if stream == "daily_breakdowns":
            return reports.breakdown_daily_records(property_id, spec, response)
        return reports.period_records(property_id, spec, response)
