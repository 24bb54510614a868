"""`rest_api` — any JSON API as scorecard metrics, configured in scorecard.yml (no Python).

Each endpoint's records are read page by page, and each record becomes one row per mapped
metric: (endpoint, record key, day, metric id, value). Rows land as-is; `int_metrics__rest_api`
keeps only the newest extraction of every record, so a record the API restates (a refunded
order, a corrected count) replaces its earlier values instead of adding to them. See
docs/sources/rest_api.md and decision 31. Fields an endpoint declares as `dimensions` land
with every row of the record, so its metrics are also published per member (DESIGN §5a).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from connectors import register
from connectors.base import Batch, Connector, ExtractContext, MetricDef, Stream, Window
from connectors.http import HttpClient, SourceError
from connectors.rest_api.config import Endpoint, HeaderAuth, QueryAuth, RestApiConfig
from connectors.rest_api.pagination import pages
from connectors.rest_api.records import RecordError, metric_rows, record_members
from connectors.secrets import resolve_secret

API_METRIC_RECORDS = Stream(
    name="api_metric_records",
    schema=pa.schema(
        [
            pa.field("endpoint", pa.string()),
            pa.field("record_key", pa.string()),
            pa.field("date", pa.date32()),
            pa.field("metric", pa.string()),
            pa.field("value", pa.float64()),
            # the record's member of each dimension its endpoint declares (null: none declared)
            pa.field(
                "dimensions",
                pa.list_(pa.struct([("dimension", pa.string()), ("member", pa.string())])),
            ),
        ]
    ),
    primary_key=("endpoint", "record_key", "metric"),
    added_columns=("dimensions",),
    cursor="date",
    description="One row per API record and mapped metric; the newest extraction of a record "
    "replaces all of its earlier values.",
)


@register
class RestApi(Connector):
    type = "rest_api"
    config_model = RestApiConfig
    metrics_model = "int_metrics__rest_api"
    breakdowns_model = "int_metric_breakdowns__rest_api"
    provenance_model = "int_provenance__rest_api"
    provenance_streams = ("api_metric_records",)
    streams = (API_METRIC_RECORDS,)

    def zone_for_days(self, ctx: ExtractContext) -> str:
        # records are dated in the source's `timezone`; the day still running there waits
        return self.config.timezone or "UTC"

    def provided_metrics(self) -> list[MetricDef]:
        out: dict[str, MetricDef] = {}
        for endpoint in self.config.endpoints:
            for m in endpoint.metrics:
                out.setdefault(m.metric, MetricDef(m.metric, unit=m.unit, additivity=m.additivity))
        return list(out.values())

    def offered_dimensions(self) -> tuple[str, ...]:
        # the record fields the endpoints declare as dimensions
        return tuple(dict.fromkeys(d for e in self.config.endpoints for d in e.dimensions))

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        """A metric is broken down by a dimension when every endpoint mapping into it declares
        the dimension (else the other endpoints' records would be in no member)."""
        extracted = self.dimensions()
        out = {}
        for m in self.provided_metrics():
            feeding = [
                e for e in self.config.endpoints if any(x.metric == m.metric_id for x in e.metrics)
            ]
            shared = [d for d in extracted if all(d in e.dimensions for e in feeding)]
            if shared:
                out[m.metric_id] = tuple(shared)
        return out

    def client(self, ctx: ExtractContext) -> HttpClient:
        config: RestApiConfig = self.config
        headers, params = dict(config.headers), {}
        auth = config.auth
        if auth is not None:
            secret = resolve_secret(
                auth.token if auth.type == "bearer" else auth.value, key=f"auth.{auth.type}"
            )
            if isinstance(auth, HeaderAuth):
                headers[auth.name] = secret
            elif isinstance(auth, QueryAuth):
                params[auth.name] = secret
            else:
                headers["Authorization"] = f"Bearer {secret}"
        return HttpClient(
            config.name,
            config.base_url,
            headers=headers,
            params=params,
            policy=self.policy,
            log=ctx.log,
        )

    def may_be_empty(self, stream: Stream) -> bool:
        # no batch at all is normal only when every endpoint may be quiet; a quiet endpoint
        # that may not be lands its empty batch, which the landing gate fails on
        return all(endpoint.may_be_empty for endpoint in self.config.endpoints)

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        client = self.client(ctx)
        for endpoint in self.config.endpoints:
            batch = self.extract_endpoint(client, endpoint, ctx)
            # one batch per endpoint. A quiet window of an endpoint that may be empty lands
            # nothing (the next window starts from its last landed one); of one that may not,
            # it lands the empty batch, which the landing gate quarantines and fails on
            if batch.records.num_rows or not endpoint.may_be_empty:
                yield batch

    def extract_endpoint(self, client: HttpClient, endpoint: Endpoint, ctx: ExtractContext):
        config: RestApiConfig = self.config
        lookback = endpoint.incremental.lookback_days if endpoint.incremental else None
        window = self.window(ctx, lookback_days=lookback)
        params = {k: _param(v) for k, v in endpoint.params.items()}
        if endpoint.incremental is not None:
            inc = endpoint.incremental
            params[inc.start_param] = window.start.strftime(inc.format)
            if inc.end_param:
                params[inc.end_param] = window.end.strftime(inc.format)
        newest: dict[str, tuple] = {}
        outside = 0
        for number, records in enumerate(pages(client, endpoint, params), start=1):
            for i, record in enumerate(records):
                try:
                    key, day, values = metric_rows(record, endpoint, config.zone)
                    members = record_members(record, key, endpoint)
                except RecordError as e:
                    raise SourceError(
                        config.name,
                        f"endpoint {endpoint.name}, page {number}, record {i + 1} {e}",
                    ) from None
                if not config.start_date <= day <= window.end:
                    outside += 1
                    continue
                # a record seen twice (paging shifted): the later
                newest[key] = (day, values, members)
        if outside:
            ctx.log.info(
                f"{config.name}.{endpoint.name}: {outside} records dated outside "
                f"{config.start_date}..{window.end} (the last day that is over) were skipped"
            )
        rows = [
            {
                "endpoint": endpoint.name,
                "record_key": key,
                "date": day,
                "metric": m,
                "value": v,
                "dimensions": members,
            }
            for key, (day, values, members) in newest.items()
            for m, v in values
        ]
        ctx.log.info(f"{config.name}.{endpoint.name}: {len(newest)} records, window {window}")
        table = pa.Table.from_pylist(rows, schema=API_METRIC_RECORDS.schema)
        return Batch(table, Window(window.start, window.end))


def _param(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
