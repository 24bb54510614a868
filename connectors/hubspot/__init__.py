"""HubSpot CRM — deals, contacts (no personal data), pipelines and daily open-deal snapshots."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

from connectors import register
from connectors.base import Connector, MetricDef, Stream, TokenSourceConfig

_TS = pa.timestamp("us", tz="UTC")


class HubSpotConfig(TokenSourceConfig):
    type: Literal["hubspot"] = "hubspot"


@register
class HubSpot(Connector):
    type = "hubspot"
    config_model = HubSpotConfig
    streams = (
        Stream(
            name="deals",
            schema=pa.schema(
                [
                    pa.field("deal_id", pa.string()),
                    pa.field("pipeline_id", pa.string()),
                    pa.field("stage_id", pa.string()),
                    pa.field("amount", pa.float64()),
                    pa.field("created_at", _TS),
                    pa.field("closed_at", _TS),
                    pa.field("modified_at", _TS),
                ]
            ),
            primary_key=("deal_id",),
            cursor="modified_at",
            description="Deals with the allow-listed properties; the newest version wins.",
        ),
        Stream(
            name="contacts",
            schema=pa.schema(
                [
                    pa.field("contact_id", pa.string()),
                    pa.field("lifecycle_stage", pa.string()),
                    pa.field("created_at", _TS),
                    pa.field("modified_at", _TS),
                ]
            ),
            primary_key=("contact_id",),
            cursor="modified_at",
            description="Contacts without personal data (no email, name or phone).",
        ),
        Stream(
            name="deal_pipelines",
            schema=pa.schema(
                [
                    pa.field("pipeline_id", pa.string()),
                    pa.field("pipeline_label", pa.string()),
                    pa.field("stage_id", pa.string()),
                    pa.field("stage_label", pa.string()),
                    pa.field("is_closed", pa.bool_()),
                    pa.field("is_won", pa.bool_()),
                ]
            ),
            primary_key=("pipeline_id", "stage_id"),
            description="Pipeline stages; won/lost comes from stage metadata, not stage names.",
        ),
        Stream(
            name="open_deal_snapshots",
            schema=pa.schema(
                [
                    pa.field("snapshot_date", pa.date32()),
                    pa.field("deal_id", pa.string()),
                    pa.field("pipeline_id", pa.string()),
                    pa.field("stage_id", pa.string()),
                    pa.field("amount", pa.float64()),
                ]
            ),
            primary_key=("snapshot_date", "deal_id"),
            cursor="snapshot_date",
            description="Open deals as seen on each extraction day (pipeline value is a stock).",
        ),
    )

    def provided_metrics(self) -> list[MetricDef]:
        return [
            MetricDef(f"crm.{n}")
            for n in (
                "leads_created",
                "deals_won",
                "deals_lost",
                "won_revenue",
                "days_to_close",
                "pipeline_value",
            )
        ]
