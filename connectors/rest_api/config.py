"""The `rest_api` source's keys: a plain JSON API described in scorecard.yml, no Python.

Every key a user can get wrong is checked here, so a mistake is reported with its key path
(`sources[2].endpoints[0].pagination.cursor_path: ...`) before anything runs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from connectors.base import DimensionName, SourceConfig, identifier_type, time_zone
from connectors.pagination import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
)
from connectors.secrets import EnvRef

EndpointName = identifier_type("endpoint name")

# namespaces whose metrics have built-in meaning (the metric registry): an API may not redefine them
RESERVED_NAMESPACES = frozenset({"web", "social", "crm", "finance", "manual"})
METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
FIELD_PATH = re.compile(r"^[^.\s]+(\.[^.\s]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _field_path(value: str | None, key: str) -> str | None:
    if value is not None and not FIELD_PATH.match(value):
        raise ValueError(f"{key} '{value}' is not a field path like 'id' or 'meta.next_cursor'")
    return value


# --- auth ------------------------------------------------------------------------------------


class BearerAuth(_Strict):
    """`Authorization: Bearer <token>`."""

    type: Literal["bearer"]
    token: EnvRef = Field(description="env:NAME of the token.")


class _KeyAuth(_Strict):
    name: str = Field(description="Header or query parameter name, e.g. X-Api-Key, api_key.")
    value: EnvRef = Field(description="env:NAME of the key.")


class HeaderAuth(_KeyAuth):
    """An API key in a request header (`X-Api-Key: <key>`)."""

    type: Literal["header"]


class QueryAuth(_KeyAuth):
    """An API key as a query parameter (`?api_key=<key>`); it never appears in logs or errors."""

    type: Literal["query"]


Auth = Annotated[BearerAuth | HeaderAuth | QueryAuth, Field(discriminator="type")]


# --- pagination ------------------------------------------------------------------------------


class NoPagination(_Strict):
    """One response holds every record."""

    style: Literal["none"]

    def paginator(self) -> Paginator:
        return Paginator()


class CursorPagination(_Strict):
    """The body names the next page's cursor; it is sent back as a query parameter."""

    style: Literal["cursor"]
    cursor_path: str = Field(description="Where the next cursor is in the body (empty: the end).")
    cursor_param: str = Field(default="cursor", description="Query parameter the cursor goes in.")

    @field_validator("cursor_path")
    @classmethod
    def _path(cls, v: str) -> str:
        return _field_path(v, "cursor_path")

    def paginator(self) -> Paginator:
        return CursorPaginator(self.cursor_path, self.cursor_param)


class OffsetPagination(_Strict):
    """`?offset=0&limit=100`, then `offset=100`, until a short page."""

    style: Literal["offset"]
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = Field(default=100, ge=1, le=100_000)

    def paginator(self) -> Paginator:
        return OffsetPaginator(self.offset_param, self.limit_param, self.limit)


class PagePagination(_Strict):
    """`?page=1`, `page=2`, ... until an empty page (or a short one, when the size is known)."""

    style: Literal["page"]
    page_param: str = "page"
    start_page: int = Field(default=1, ge=0)
    size_param: str | None = Field(default=None, description="Query parameter for the page size.")
    size: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _size_together(self):
        if (self.size_param is None) != (self.size is None):
            raise ValueError("size_param and size are given together (or neither)")
        return self

    def paginator(self) -> Paginator:
        return PageNumberPaginator(self.page_param, self.start_page, self.size_param, self.size)


class LinkHeaderPagination(_Strict):
    """RFC 8288 `Link: <https://...>; rel="next"` response header (GitHub, Shopify)."""

    style: Literal["link_header"]

    def paginator(self) -> Paginator:
        return LinkHeaderPaginator()


class NextUrlPagination(_Strict):
    """The body carries the next page's URL (absolute or relative to base_url)."""

    style: Literal["next_url"]
    next_url_path: str = Field(description="Where the next URL is in the body, e.g. links.next.")

    @field_validator("next_url_path")
    @classmethod
    def _path(cls, v: str) -> str:
        return _field_path(v, "next_url_path")

    def paginator(self) -> Paginator:
        # an empty page that still names a next one is followed: some APIs page that way
        return NextUrlPaginator(self.next_url_path, stop_on_empty=False)


Pagination = Annotated[
    NoPagination
    | CursorPagination
    | OffsetPagination
    | PagePagination
    | LinkHeaderPagination
    | NextUrlPagination,
    Field(discriminator="style"),
]


# --- endpoints and metrics -------------------------------------------------------------------


class Incremental(_Strict):
    """Ask only for recent records: the window's first (and last) day go into query parameters."""

    start_param: str = Field(description="Query parameter for the first day of the window.")
    end_param: str | None = Field(default=None, description="Query parameter for the last day.")
    format: str = Field(default="%Y-%m-%d", description="strftime format of the two days.")
    lookback_days: int | None = Field(
        default=None, ge=0, le=365, description="Days re-read every run (the source's default)."
    )


class MetricMapping(_Strict):
    """One value field of a record, added up per day into a scorecard metric."""

    metric: str = Field(description="<namespace>.<metric>, e.g. shop.revenue.")
    field: str | None = Field(
        default=None, description="Field path of the value; omitted: each record counts 1."
    )
    additivity: Literal["sum", "last", "average"] = Field(
        default="sum", description="How days make a month: sum, last (a stock) or average."
    )
    unit: Literal["count", "number", "currency", "percent", "seconds", "days"] = "count"

    @field_validator("metric")
    @classmethod
    def _metric_id(cls, v: str) -> str:
        if not METRIC_ID.match(v):
            raise ValueError(
                f"'{v}' is not a metric id: write <namespace>.<metric> in lower case, "
                "e.g. shop.revenue"
            )
        namespace = v.split(".", 1)[0]
        if namespace in RESERVED_NAMESPACES:
            raise ValueError(
                f"'{v}': the namespace '{namespace}' belongs to the built-in metrics "
                f"({', '.join(sorted(RESERVED_NAMESPACES))}); choose your own, e.g. the API's name"
            )
        return v

    @field_validator("field")
    @classmethod
    def _path(cls, v: str | None) -> str | None:
        return _field_path(v, "field")

    @model_validator(mode="after")
    def _count_is_a_sum(self):
        if self.field is None and self.additivity != "sum":
            raise ValueError("a record count (no field) adds up: its additivity is sum")
        return self


class Endpoint(_Strict):
    """One API path whose records become metric values."""

    name: EndpointName = Field(
        description="Identifier of the endpoint; restated records are matched in it."
    )
    path: str = Field(description="Path under base_url, e.g. v1/orders.")
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    records_path: str | None = Field(
        default=None, description="Where the list of records is in the body (omitted: the body)."
    )
    primary_key: list[str] = Field(min_length=1, description="Field paths that identify a record.")
    date_field: str = Field(description="Field path of the record's date or timestamp.")
    date_format: str | None = Field(
        default=None, description="strptime format of the date (omitted: ISO 8601 or epoch)."
    )
    incremental: Incremental | None = None
    pagination: Pagination = Field(default_factory=lambda: NoPagination(style="none"))
    max_pages: int = Field(default=10_000, ge=1, description="A guard against endless paging.")
    metrics: list[MetricMapping] = Field(min_length=1)
    dimensions: dict[DimensionName, str] = Field(
        default_factory=dict,
        description="Dimension -> field path of the record's member, e.g. {channel: "
        "source.channel}: the endpoint's metrics are also published per member (a record "
        "without the field is member '(not set)').",
    )
    may_be_empty: bool = Field(
        default=False,
        description="A window without records is normal (refunds, a quiet list): it lands "
        "nothing. Default: no records means the endpoint is broken and fails the landing gate.",
    )

    @field_validator("records_path", "date_field")
    @classmethod
    def _path(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _field_path(v, info.field_name)

    @field_validator("primary_key")
    @classmethod
    def _key_paths(cls, v: list[str]) -> list[str]:
        for p in v:
            _field_path(p, "primary_key")
        return v

    @field_validator("dimensions")
    @classmethod
    def _member_paths(cls, v: dict[str, str]) -> dict[str, str]:
        for dimension, path in v.items():
            _field_path(path, f"dimensions.{dimension}")
        return v


class RestApiConfig(SourceConfig):
    type: Literal["rest_api"] = "rest_api"
    base_url: str = Field(description="The API's address, e.g. https://api.example.com.")
    auth: Auth | None = None
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every request.")
    timezone: str | None = Field(
        default=None,
        validate_default=True,  # an omitted zone is filled from the scorecard's
        description="Zone that turns timestamps into days (omitted: the scorecard's timezone).",
    )
    endpoints: list[Endpoint] = Field(min_length=1)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"'{v}' is not an http(s) URL")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None, info: ValidationInfo) -> str | None:
        v = v or (info.context or {}).get("timezone")
        return v if v is None else time_zone(v)

    @field_validator("headers")
    @classmethod
    def _no_secret_headers(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if name.lower() in ("authorization", "cookie") or "key" in name.lower():
                raise ValueError(
                    f"header '{name}' carries a credential: use auth (type bearer or header, "
                    "with env:NAME) so it is read from the environment and redacted"
                )
        return v

    @model_validator(mode="after")
    def _one_meaning_per_metric(self):
        seen: dict[str, tuple[str, str, str]] = {}
        names = set()
        for i, endpoint in enumerate(self.endpoints):
            if endpoint.name in names:
                raise ValueError(f"endpoints[{i}].name: '{endpoint.name}' is used twice")
            names.add(endpoint.name)
            for m in endpoint.metrics:
                meaning = (m.additivity, m.unit)
                if m.metric in seen and seen[m.metric][:2] != meaning:
                    raise ValueError(
                        f"endpoints[{i}]: metric {m.metric} is {m.additivity}/{m.unit} here but "
                        f"{seen[m.metric][0]}/{seen[m.metric][1]} in endpoint {seen[m.metric][2]}"
                    )
                seen.setdefault(m.metric, (*meaning, endpoint.name))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")
