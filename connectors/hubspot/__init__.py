"""HubSpot CRM — deals, contacts (no personal data), pipelines and daily open-deal snapshots.

Breakdowns (DESIGN §5a): `deal_source` (HubSpot's original source: the deal's, else its earliest
associated contact's; a lead's own) and `pipeline` (deal metrics only: contacts have none).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as day_start
from typing import Literal

import pyarrow as pa
import requests
from pydantic import Field, field_validator

from connectors import register
from connectors.base import (
    Batch,
    Connector,
    ExtractContext,
    MetricDef,
    Stream,
    TokenSourceConfig,
    Window,
    table_from_rows,
)
from connectors.checks import AtLeast, Dates, NotNull
from connectors.http import HttpClient, RequestError, bearer_client
from connectors.pagination import (
    CappedCursorPaginator,
    CursorPaginator,
    Page,
    PageRequest,
    PagingError,
)

_TS = pa.timestamp("us", tz="UTC")
API_URL = "https://api.hubapi.com"
SEARCH_CAP = 10_000  # HubSpot's search returns at most 10,000 results per query
PAGE = 100
# never requested, never landed: contact properties that identify a person
PERSONAL = {
    "email", "firstname", "lastname", "phone", "mobilephone", "address", "city", "zip", "fax",
    "hs_email_domain", "hs_additional_emails", "work_email", "date_of_birth", "ip_city",
    "hs_ip_timezone", "linkedin_profile", "twitterhandle", "hs_whatsapp_phone_number",
}  # fmt: skip
DEAL_PROPERTIES = [
    "amount",
    "pipeline",
    "dealstage",
    "createdate",
    "closedate",
    "hs_lastmodifieddate",
]
CONTACT_PROPERTIES = ["createdate", "lifecyclestage", "lastmodifieddate"]
MODIFIED = {"deals": "hs_lastmodifieddate", "contacts": "lastmodifieddate"}
# HubSpot's original source (ORGANIC_SEARCH, PAID_SOCIAL, OFFLINE, ...): "Original Source Type"
# on deals, "Original Source" on contacts; requested when the source extracts deal_source
ORIGINAL_SOURCE = "hs_analytics_source"
# a deal's currency in a multi-currency portal (ISO 4217); empty: the portal's company currency,
# which dbt takes as the reporting currency. Always requested: amounts are converted with it.
DEAL_CURRENCY = "deal_currency_code"
ASSOCIATION_BATCH = 100  # deals per associations batch read
# the crm metrics counted from contacts (leads) and from deals; only deal metrics have a pipeline
CONTACT_METRICS = ("leads_created",)
DEAL_METRICS = ("deals_won", "deals_lost", "won_revenue", "days_to_close", "pipeline_value")


class HubSpotConfig(TokenSourceConfig):
    type: Literal["hubspot"] = "hubspot"
    deal_properties: list[str] = Field(
        default=DEAL_PROPERTIES, description="Deal properties requested (an allow-list)."
    )
    contact_properties: list[str] = Field(
        default=CONTACT_PROPERTIES,
        description="Contact properties requested (an allow-list; personal data is refused).",
    )

    @field_validator("contact_properties", "deal_properties")
    @classmethod
    def _no_personal_data(cls, v: list[str]) -> list[str]:
        personal = sorted(set(v) & PERSONAL)
        if personal:
            raise ValueError(
                f"{personal} identify people; the scorecard never lands personal data from the CRM"
            )
        return v


def iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def epoch_ms(day: date) -> int:
    return int(datetime.combine(day, day_start(), tzinfo=UTC).timestamp() * 1000)


class HubSpotClient(HttpClient):
    def observe(self, response: requests.Response) -> None:
        """Space calls out when the per-interval allowance is nearly used up."""
        remaining = response.headers.get("X-HubSpot-RateLimit-Remaining")
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is not None and interval and int(remaining) <= 1:
            pause = int(interval) / 1000
            self.log.warning(f"{self.source}: HubSpot rate limit nearly used; pausing {pause} s")
            time.sleep(pause)

    def list_all(self, obj: str, properties: list[str]) -> Iterator[dict]:
        """Full load: the list endpoint, cursor by cursor (`paging.next.after`)."""
        params = {"limit": PAGE, "properties": ",".join(properties), "archived": "false"}
        pages = self.paginate(
            PageRequest(f"crm/v3/objects/{obj}", params),
            CursorPaginator("paging.next.after", "after"),
            records=lambda body: body.get("results", []),
        )
        for page in pages:
            yield from page.records

    def associated_contacts(self, deal_ids: list[str]) -> dict[str, list[str]]:
        """The contacts associated with each deal (v4 associations batch read); a deal with
        more associations than one answer holds is asked again from its own `paging.next`."""
        contacts: dict[str, list[str]] = {d: [] for d in deal_ids}
        pending = [{"id": d} for d in deal_ids]
        asked: set[tuple[str, str | None]] = set()
        while pending:
            inputs, pending = pending[:ASSOCIATION_BATCH], pending[ASSOCIATION_BATCH:]
            for i in inputs:
                key = (i["id"], i.get("after"))
                if key in asked:  # a server that never advances must not loop forever
                    raise RequestError(
                        self.source, f"the associations of deal {i['id']} do not advance"
                    )
                asked.add(key)
            body = self.post_json(
                "crm/v4/associations/deals/contacts/batch/read", {"inputs": inputs}
            )
            for result in body.get("results", []):
                deal = str(result["from"]["id"])
                contacts.setdefault(deal, []).extend(
                    str(to["toObjectId"]) for to in result.get("to", [])
                )
                after = (result.get("paging") or {}).get("next", {}).get("after")
                if after:
                    pending.append({"id": deal, "after": str(after)})
            # a deal without contacts is an entry in `errors` (HTTP 207): no contacts, no source
        return contacts

    def search(
        self, obj: str, properties: list[str], filters: list[dict], sort: str
    ) -> Iterator[dict]:
        """Every record matching `filters`, past the 10,000-result cap (`PastTheCap`); records
        at a query's boundary come twice and are yielded once."""
        query = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": PAGE,
        }
        seen: set[str] = set()
        pages = self.paginate(
            PageRequest(f"crm/v3/objects/{obj}/search", json=query, method="POST"),
            PastTheCap("paging.next.after", "after", in_body=True, sort=sort, what=obj),
            records=lambda body: body.get("results", []),
        )
        for page in pages:
            for record in page.records:
                if record["id"] not in seen:
                    seen.add(record["id"])
                    yield record


@dataclass
class PastTheCap(CappedCursorPaginator):
    """HubSpot's search answers at most 10,000 results per query. Results are sorted ascending
    by `sort`, so when a query reaches the cap the next one starts at the last value seen
    (`sort >= last`), and so on until the data ends."""

    cap: int = SEARCH_CAP
    page_size: int = PAGE
    sort: str = "hs_object_id"
    what: str = "records"

    def first(self, request: PageRequest) -> PageRequest:
        self._filters = request.json["filterGroups"][0]["filters"]
        self._floor = None
        return super().first(request)

    def next(self, page: Page) -> PageRequest | None:
        following = super().next(page)
        if not self.capped:
            return following
        last = page.records[-1]["properties"].get(self.sort)
        boundary = _sort_value(last)
        if boundary == self._floor:
            raise PagingError(
                f"more than {self.cap} {self.what} share {self.sort} = {last}; HubSpot's "
                "search cannot page past them — narrow the window (lookback_days) and retry"
            )
        self._floor, self.capped, self._fetched = boundary, False, 0
        floor = {"propertyName": self.sort, "operator": "GTE", "value": boundary}
        query = {k: v for k, v in page.request.json.items() if k != "after"}
        query["filterGroups"] = [{"filters": [*self._filters, floor]}]
        return replace(page.request, json=query)


def _sort_value(value: str | None) -> str | None:
    """A search filter value for a sorted property: epoch milliseconds for datetimes."""
    if value is None:
        return None
    if value.isdigit():
        return value
    return str(int(iso(value).timestamp() * 1000))


@register
class HubSpot(Connector):
    type = "hubspot"
    config_model = HubSpotConfig
    metrics_model = "int_metrics__crm"
    breakdown_dimensions = ("deal_source", "pipeline")
    breakdowns_model = "int_metric_breakdowns__crm"
    provenance_model = "int_provenance__crm"
    provenance_streams = ("contacts", "deals", "deal_pipelines", "open_deal_snapshots")
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
                    pa.field("original_source", pa.string()),
                    pa.field("contact_ids", pa.list_(pa.string())),
                    pa.field("currency", pa.string()),
                ]
            ),
            primary_key=("deal_id",),
            # deal_source: HubSpot's original source of the deal and, for a deal without one,
            # its associated contacts (whose own original source stands in); currency: the
            # deal's own (multi-currency portals)
            added_columns=("original_source", "contact_ids", "currency"),
            cursor="modified_at",
            description="Deals with the allow-listed properties; the newest version wins.",
            # a night reads only the deals changed since the window start: a quiet stretch (a
            # small pipeline over the holidays) changes none, and a new portal has none yet
            may_be_empty=True,
            checks=(
                AtLeast("amount", 0),
                NotNull("created_at"),
                Dates("created_at", days_after_run=1, utc=True),
            ),
            page_size=PAGE,
        ),
        Stream(
            name="contacts",
            schema=pa.schema(
                [
                    pa.field("contact_id", pa.string()),
                    pa.field("lifecycle_stage", pa.string()),
                    pa.field("created_at", _TS),
                    pa.field("modified_at", _TS),
                    # a channel category (ORGANIC_SEARCH, ...), not personal data
                    pa.field("original_source", pa.string()),
                ]
            ),
            primary_key=("contact_id",),
            added_columns=("original_source",),
            cursor="modified_at",
            description="Contacts without personal data (no email, name or phone).",
            checks=(NotNull("created_at"), Dates("created_at", days_after_run=1, utc=True)),
            refuse_new_columns=True,  # personal data stays out
            page_size=PAGE,
            may_be_empty=True,  # as deals: only the contacts changed in the window are read
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
            # empty means broken: every portal has at least its default sales pipeline
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
                    pa.field("currency", pa.string()),
                ]
            ),
            primary_key=("snapshot_date", "deal_id"),
            added_columns=("currency",),
            cursor="snapshot_date",
            checks=(AtLeast("amount", 0),),
            description="Open deals as seen on each extraction day (pipeline value is a stock).",
            page_size=PAGE,
            may_be_empty=True,  # every deal closed: an empty pipeline tonight, a value of 0
        ),
    )

    def provided_metrics(self) -> list[MetricDef]:
        return [MetricDef(f"crm.{n}") for n in (*CONTACT_METRICS, *DEAL_METRICS)]

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        """Leads (contacts) by deal_source only: a contact is in no pipeline. Deal metrics by
        both. The crm metrics are mapped in SQL (no metric_domain), so they are named here."""
        extracted = self.dimensions()
        by_metric = {
            **{m: ("deal_source",) for m in CONTACT_METRICS},
            **{m: ("deal_source", "pipeline") for m in DEAL_METRICS},
        }
        out = {m: tuple(d for d in dims if d in extracted) for m, dims in by_metric.items()}
        return {f"crm.{m}": dims for m, dims in out.items() if dims}

    def properties(self, obj: str) -> list[str]:
        """The allow-listed properties of deals or contacts, with the original source when the
        source extracts deal_source."""
        listed = self.config.deal_properties if obj == "deals" else self.config.contact_properties
        extra = [DEAL_CURRENCY] if obj == "deals" else []
        if "deal_source" in self.dimensions():
            extra.append(ORIGINAL_SOURCE)
        return [*listed, *(p for p in extra if p not in listed)]

    def client(self, ctx: ExtractContext) -> HubSpotClient:
        return bearer_client(
            self.config, API_URL, policy=self.policy, log=ctx.log, client_class=HubSpotClient
        )

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        from connectors.hubspot.demo import hubspot_batches

        yield from hubspot_batches(
            self.config, stream, ctx, sources="deal_source" in self.dimensions()
        )

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        client = self.client(ctx)
        window = self.window(ctx)  # a CRM is read as it stands: up to the run date
        if stream.name == "deal_pipelines":
            rows = list(self.pipelines(client))
        elif stream.name == "open_deal_snapshots":
            # read at the nightly run: the pipeline as the previous day ended
            day = ctx.snapshot_day
            window = Window(day, day)
            rows = [
                {
                    "snapshot_date": day,
                    "deal_id": r["id"],
                    "pipeline_id": r["properties"].get("pipeline"),
                    "stage_id": r["properties"].get("dealstage"),
                    "amount": _amount(r),
                    "currency": _currency(r),
                }
                for r in client.search(
                    "deals",
                    [*self.config.deal_properties, DEAL_CURRENCY],
                    [{"propertyName": "hs_is_closed", "operator": "EQ", "value": "false"}],
                    sort="hs_object_id",
                )
            ]
        else:
            properties = self.properties(stream.name)
            if ctx.state.last_window_end is None:
                records = client.list_all(stream.name, properties)  # first run: everything
            else:
                since = [
                    {
                        "propertyName": MODIFIED[stream.name],
                        "operator": "GTE",
                        "value": str(epoch_ms(window.start)),
                    }
                ]
                records = client.search(stream.name, properties, since, sort=MODIFIED[stream.name])
            row = self.deal_row if stream.name == "deals" else self.contact_row
            rows = [row(r) for r in records]
            if stream.name == "deals" and "deal_source" in self.dimensions():
                self.add_contacts(client, rows)
        yield Batch(table_from_rows(stream.schema, rows), window)

    @staticmethod
    def add_contacts(client: HubSpotClient, rows: list[dict]) -> None:
        """The associated contacts of the deals HubSpot gives no original source (deals
        created without a contact): staging takes the earliest contact's source instead."""
        unsourced = [r["deal_id"] for r in rows if not r["original_source"]]
        contacts = client.associated_contacts(unsourced) if unsourced else {}
        for r in rows:
            if r["deal_id"] in contacts:
                r["contact_ids"] = sorted(contacts[r["deal_id"]], key=_numeric_id)

    def pipelines(self, client: HubSpotClient) -> Iterator[dict]:
        for pipeline in client.get_json("crm/v3/pipelines/deals").get("results", []):
            for stage in pipeline.get("stages", []):
                meta = stage.get("metadata", {})
                closed = str(meta.get("isClosed", "false")).lower() == "true"
                yield {
                    "pipeline_id": pipeline["id"],
                    "pipeline_label": pipeline.get("label"),
                    "stage_id": stage["id"],
                    "stage_label": stage.get("label"),
                    "is_closed": closed,
                    # a closed stage is won when HubSpot's probability for it is 1.0
                    "is_won": closed and float(meta.get("probability") or 0) >= 1.0,
                }

    @staticmethod
    def deal_row(record: dict) -> dict:
        p = record.get("properties", {})
        return {
            "deal_id": record["id"],
            "pipeline_id": p.get("pipeline"),
            "stage_id": p.get("dealstage"),
            "amount": _amount(record),
            "created_at": iso(p.get("createdate")),
            "closed_at": iso(p.get("closedate")),
            "modified_at": iso(p.get("hs_lastmodifieddate")),
            "original_source": p.get(ORIGINAL_SOURCE) or None,
            "contact_ids": None,
            "currency": _currency(record),
        }

    @staticmethod
    def contact_row(record: dict) -> dict:
        # only these keys are kept, whatever HubSpot sends: personal data never lands
        p = record.get("properties", {})
        return {
            "contact_id": record["id"],
            "lifecycle_stage": p.get("lifecyclestage"),
            "created_at": iso(p.get("createdate")),
            "modified_at": iso(p.get("lastmodifieddate")),
            "original_source": p.get(ORIGINAL_SOURCE) or None,
        }


def _numeric_id(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (0, record_id)


def _currency(record: dict) -> str | None:
    value = record.get("properties", {}).get(DEAL_CURRENCY)
    return value.strip().upper() if value and value.strip() else None


def _amount(record: dict) -> float | None:
    value = record.get("properties", {}).get("amount")
    return float(value) if value not in (None, "") else None
