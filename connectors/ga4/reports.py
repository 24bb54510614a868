"""GA4 report requests and how their rows become landed records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from connectors.base import Window
from connectors.periods import period_bounds, periods_touching

# grain -> the GA4 dimension that partitions a report into that grain's periods (quarters
# have none: each quarter is its own report), and how a dimension value names its period
PERIOD_DIMENSIONS = {"week": "isoYearIsoWeek", "month": "yearMonth", "year": "year"}
# our dimension names (DESIGN §5a) -> GA4's session-scoped dimensions: a session has exactly
# one value of each, so a dimension's members add up to the property's sessions
BREAKDOWN_DIMENSIONS = {
    "channel": "sessionDefaultChannelGroup",
    "source_medium": "sessionSourceMedium",
    "campaign": "sessionCampaignName",
    "device": "deviceCategory",
    "country": "country",
}


@dataclass(frozen=True)
class ReportSpec:
    """One logical report: what to ask GA4 for (the API pages it)."""

    name: str  # daily | week | month | quarter | year
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    start: date
    end: date
    # the breakdown dimension (our name) whose GA4 dimension is the last of `dimensions`
    breakdown: str | None = None

    def request(self, property_id: str) -> dict:
        """The report request; its pages' `limit` and `offset` are the paginator's."""
        body = {
            "property": f"properties/{property_id}",
            "dimensions": [{"name": d} for d in self.dimensions],
            "metrics": [{"name": m} for m in self.metrics],
            "date_ranges": [
                {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}
            ],
            # zero-traffic days come back as rows of zeros instead of silently missing; a
            # breakdown keeps only members with data (every member × day would be mostly zeros)
            "keep_empty_rows": self.breakdown is None,
            "return_property_quota": True,
        }
        if self.dimensions:
            # every dimension ordered, so offset paging walks one stable order
            body["order_bys"] = [{"dimension": {"dimension_name": d}} for d in self.dimensions]
        return body


def daily_spec(config, window: Window) -> ReportSpec:
    return ReportSpec("daily", ("date",), tuple(config.daily_metrics), window.start, window.end)


def period_specs(config, window: Window, breakdown: str | None = None) -> list[ReportSpec]:
    """Reports for non-additive metrics: every week, month, quarter and year touching the
    window, each counted over the whole period up to the window's end — never from days.
    With a breakdown, the same reports per member of that dimension (GA4 counts a member's
    distinct users itself: they are never summed from days or from other members)."""
    metrics = tuple(config.period_metrics)
    if not metrics:
        return []
    extra = (BREAKDOWN_DIMENSIONS[breakdown],) if breakdown else ()
    specs = []
    for grain, dimension in PERIOD_DIMENSIONS.items():
        first_start, _ = period_bounds(grain, window.start)
        specs.append(
            ReportSpec(grain, (dimension, *extra), metrics, first_start, window.end, breakdown)
        )
    for start, end in periods_touching("quarter", window.start, window.end):
        specs.append(ReportSpec("quarter", extra, metrics, start, min(end, window.end), breakdown))
    return specs


def breakdown_daily_specs(config, window: Window, dimensions) -> list[ReportSpec]:
    """One daily report per breakdown dimension (not one report crossing them all: GA4's
    quota cost grows with the rows a report returns, and a cross product of five dimensions
    is mostly rows nobody reads, more of them folded into `(other)`)."""
    return [
        ReportSpec(
            "daily",
            ("date", BREAKDOWN_DIMENSIONS[d]),
            tuple(config.daily_metrics),
            window.start,
            window.end,
            d,
        )
        for d in dimensions
    ]


def breakdown_period_specs(config, window: Window, dimensions) -> list[ReportSpec]:
    return [spec for d in dimensions for spec in period_specs(config, window, d)]


def period_start(grain: str, value: str) -> date:
    if grain == "week":  # "202547": ISO year and week
        return date.fromisocalendar(int(value[:4]), int(value[4:]), 1)
    if grain == "month":  # "202511"
        return date(int(value[:4]), int(value[4:6]), 1)
    if grain == "year":
        return date(int(value), 1, 1)
    raise ValueError(grain)


def flags(response) -> dict:
    """The metadata that says how trustworthy a report is, landed with every row."""
    meta = response.metadata
    return {
        "subject_to_thresholding": bool(meta.subject_to_thresholding),
        "data_loss_from_other_row": bool(meta.data_loss_from_other_row),
        "sampled": bool(len(meta.sampling_metadatas)),
        "currency_code": meta.currency_code or None,
        "time_zone": meta.time_zone or None,
    }


def daily_records(property_id: str, response) -> list[dict]:
    names = [h.name for h in response.metric_headers]
    meta = flags(response)
    return [
        {
            "property_id": property_id,
            "date": datetime.strptime(row.dimension_values[0].value, "%Y%m%d").date(),
            "metric": name,
            "value": float(value.value),
            **meta,
        }
        for row in response.rows
        for name, value in zip(names, row.metric_values, strict=True)
    ]


def breakdown_daily_records(property_id: str, spec: ReportSpec, response) -> list[dict]:
    """Rows of a daily breakdown report: (date, member) × metric. GA4's `(other)` row (the
    members past its cardinality limit, folded together) stays the member '(other)', so the
    members still add up to the total; data_loss_from_other_row says it happened."""
    names = [h.name for h in response.metric_headers]
    meta = flags(response)
    return [
        {
            "property_id": property_id,
            "date": datetime.strptime(row.dimension_values[0].value, "%Y%m%d").date(),
            "dimension": spec.breakdown,
            "member": row.dimension_values[1].value,
            "metric": name,
            "value": float(value.value),
            **meta,
        }
        for row in response.rows
        for name, value in zip(names, row.metric_values, strict=True)
    ]


def period_records(property_id: str, spec: ReportSpec, response) -> list[dict]:
    """Rows of a period report; with a breakdown, each row also names its member."""
    names = [h.name for h in response.metric_headers]
    meta = flags(response)
    out = []
    for row in response.rows:
        values = [v.value for v in row.dimension_values]
        # a quarter is its own report: no period dimension to read
        start = spec.start if spec.name == "quarter" else period_start(spec.name, values.pop(0))
        _, end = period_bounds(spec.name, start)
        member = {"dimension": spec.breakdown, "member": values[0]} if spec.breakdown else {}
        out += [
            {
                "property_id": property_id,
                "grain": spec.name,
                "period_start": start,
                "period_end": end,
                **member,
                "metric": name,
                "value": float(value.value),
                **meta,
            }
            for name, value in zip(names, row.metric_values, strict=True)
        ]
    return out


QUOTA_FIELDS = (
    "tokens_per_day",
    "tokens_per_hour",
    "concurrent_requests",
    "server_errors_per_project_per_hour",
    "potentially_thresholded_requests_per_hour",
    "tokens_per_project_per_hour",
)


def quota_record(property_id: str, spec: ReportSpec, response) -> dict:
    quota = response.property_quota
    record = {
        "property_id": property_id,
        "requested_at": datetime.now(UTC),
        "report": f"{spec.name} by {spec.breakdown}" if spec.breakdown else spec.name,
    }
    for field in QUOTA_FIELDS:
        status = getattr(quota, field)
        record[f"{field}_consumed"] = int(status.consumed)
        record[f"{field}_remaining"] = int(status.remaining)
    return record
