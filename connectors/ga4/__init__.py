"""Google Analytics 4 (Data API) — web metrics per property and day, and period totals."""

from __future__ import annotations

import re
from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator, model_validator

from connectors import register
from connectors.base import ApiSourceConfig, Connector, Stream, env_reference

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
    credentials: str | None = Field(
        default=None, description="env:NAME of a service-account JSON key file path."
    )
    access_token: str | None = Field(default=None, description="env:NAME of a ready OAuth token.")
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

    @field_validator("credentials", "access_token")
    @classmethod
    def _secret(cls, v, info):
        return env_reference(v, info.field_name)

    @model_validator(mode="after")
    def _one_credential(self):
        if not self.credentials and not self.access_token:
            raise ValueError("set credentials (service-account file) or access_token")
        return self


@register
class GA4(Connector):
    type = "ga4"
    config_model = GA4Config
    metric_domain = "web"
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
            description="Non-additive metrics as GA4 reports them per week/month/quarter/year.",
        ),
    )
