"""GA4 report requests and how their rows become landed records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from connectors.base import Window
from connectors.periods import period_bounds, periods_touching

# grain -> the GA4 dimension that partitions a report into that grain's periods (quarters
# have none: each quarter is its own report), and how a dimension value names its period
PERIOD_DIMENSIONS = {"week": "isoYearIsoWeek", "month": "yearMonth", "year": "year"}


@dataclass(frozen=True)
class ReportSpec:
    """One logical report: what to ask GA4 for (the API pages it)."""

    name: str  # daily | week | month | quarter | year
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    start: date
    end: date

    def request(self, property_id: str) -> dict:
        """The report request; its pages' `limit` and `offset` are the paginator's."""
        body = {
            "property": f"properties/{property_id}",
            "dimensions": [{"name": d} for d in self.dimensions],
            "metrics": [{"name": m} for m in self.metrics],
            "date_ranges": [
                {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}
            ],
            # zero-traffic days come back as rows of zeros instead of silently missing
            "keep_empty_rows": True,
            "return_property_quota": True,
        }
        if self.dimensions:
            body["order_bys"] = [{"dimension": {"dimension_name": self.dimensions[0]}}]
        return body


def daily_spec(config, window: Window) -> ReportSpec:
    return ReportSpec("daily", ("date",), tuple(config.daily_metrics), window.start, window.end)


def period_specs(config, window: Window) -> list[ReportSpec]:
    """Reports for non-additive metrics: every week, month, quarter and year touching the
    window, each counted over the whole period up to the window's end — never from days."""
    metrics = tuple(config.period_metrics)
    if not metrics:
        return []
    specs = []
    for grain, dimension in PERIOD_DIMENSIONS.items():
        first_start, _ = period_bounds(grain, window.start)
        specs.append(ReportSpec(grain, (dimension,), metrics, first_start, window.end))
    for start, end in periods_touching("quarter", window.start, window.end):
        specs.append(ReportSpec("quarter", (), metrics, start, min(end, window.end)))
    return specs


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


def period_records(property_id: str, spec: ReportSpec, response) -> list[dict]:
    names = [h.name for h in response.metric_headers]
    meta = flags(response)
    out = []
    for row in response.rows:
        if spec.name == "quarter":
            start = spec.start
        else:
            start = period_start(spec.name, row.dimension_values[0].value)
        _, end = period_bounds(spec.name, start)
        out += [
            {
                "property_id": property_id,
                "grain": spec.name,
                "period_start": start,
                "period_end": end,
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
        "report": spec.name,
    }
    for field in QUOTA_FIELDS:
        status = getattr(quota, field)
        record[f"{field}_consumed"] = int(status.consumed)
        record[f"{field}_remaining"] = int(status.remaining)
    return record
