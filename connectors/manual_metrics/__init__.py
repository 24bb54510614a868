"""Manual metrics — numbers no system holds, typed into a CSV/XLSX sheet (date, metric, value).

Rows may also name a `dimension, member` pair: a breakdown typed by hand (connectors.
manual_metrics.members has the rules that keep members and totals consistent). The dimensions
a source publishes are the ones its `breakdowns:` declares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import Field

from connectors import register
from connectors.base import (
    ConfigPath,
    ExtractContext,
    MetricDef,
    SourceConfig,
    Stream,
    identifier_type,
)
from connectors.checks import NotNull, Reconciliation
from connectors.files import Columns, FileSource, read_cells
from connectors.manual_metrics.members import check_members, member_columns

Additivity = Literal["sum", "last", "average"]
MetricName = identifier_type("metric name")


class ManualMetricsConfig(SourceConfig):
    type: Literal["manual_metrics"] = "manual_metrics"
    path: ConfigPath = Field(description="Inbox folder (or glob) with *.csv / *.xlsx sheets.")
    metrics: dict[MetricName, Additivity] = Field(
        min_length=1,
        description="Metric name -> additivity (sum | last | average); becomes manual.<name>.",
    )
    delimiter: str = Field(default=",", description="CSV field separator.")
    decimal: str = Field(default=".", description="Decimal separator.")
    encoding: str = Field(default="utf-8-sig", description="CSV encoding.")
    date_format: str = Field(default="%Y-%m-%d", description="strptime format of the date column.")


MANUAL_ROWS = Stream(
    name="manual_rows",
    schema=pa.schema(
        [
            pa.field("line_number", pa.int64()),
            pa.field("date", pa.date32()),
            pa.field("metric", pa.string()),
            pa.field("value", pa.float64()),
            pa.field("note", pa.string()),
            pa.field("dimension", pa.string()),
            pa.field("member", pa.string()),
        ]
    ),
    # a sheet may hold a date and metric's total and its members: the rows of a file are
    # keyed by line (the parser refuses a total or member typed twice)
    primary_key=("_file_hash", "line_number"),
    added_columns=("dimension", "member"),
    cursor="date",
    description="One row per sheet row (a total, or a member when dimension and member are "
    "given); the newest file with rows for a date and metric speaks for it.",
    checks=(NotNull("date"), NotNull("metric"), NotNull("value")),
    reconciliation=Reconciliation(
        "select 'manual.' || metric_name as metric_id, metric_date, value"
        " from staging.stg_manual_metrics__rows"
    ),
)


@register
class ManualMetrics(FileSource):
    type = "manual_metrics"
    config_model = ManualMetricsConfig
    metrics_model = "int_metrics__manual"
    breakdowns_model = "int_metric_breakdowns__manual"
    provenance_model = "int_provenance__manual"
    provenance_streams = ("manual_rows",)
    streams = (MANUAL_ROWS,)

    def provided_metrics(self) -> list[MetricDef]:
        return [
            MetricDef(f"manual.{name}", unit="number", additivity=additivity)
            for name, additivity in self.config.metrics.items()
        ]

    def offered_dimensions(self) -> tuple[str, ...]:
        # whatever the sheets are typed by: the source declares it in `breakdowns:`
        return tuple(self.config.breakdowns or ())

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        # manual metrics are named in SQL (no metric_domain), so they are named here
        dimensions = self.dimensions()
        return {f"manual.{m}": dimensions for m in self.config.metrics} if dimensions else {}

    def parse(self, path: Path) -> pa.Table:
        return parse_manual(path, self.config)

    def write_demo_files(self, ctx: ExtractContext) -> None:
        from connectors.manual_metrics.demo import write_team_sheets

        write_team_sheets(self.inbox(), self.config.start_date, ctx.run_date)


def parse_manual(path: Path, config: ManualMetricsConfig) -> pa.Table:
    """Every row of a sheet (date, metric, value[, note][, dimension, member]), or the file
    refused with each bad line's problem."""
    raw = read_cells(
        path,
        required=["date", "metric", "value"],
        delimiter=config.delimiter,
        encoding=config.encoding,
    )
    parsed = Columns(raw)
    metrics = parsed.texts("metric").str.removeprefix("manual.")
    declared = ", ".join(config.metrics)
    parsed.require(
        metrics.isin(list(config.metrics)).to_numpy(),
        metrics,
        lambda m: f"unknown metric {m!r} (declared: {declared})",
    )
    days = parsed.dates("date", config.date_format)
    values = parsed.numbers("value", decimal=config.decimal, thousands=None, label="value")
    notes = parsed.texts("note").to_numpy() if raw.has("note") else None
    dimensions, members = member_columns(raw, parsed)
    check_members(
        parsed, days, metrics.to_numpy(), values, dimensions, members, dict(config.metrics)
    )
    return parsed.table(
        MANUAL_ROWS.schema,
        {
            "date": days,
            "metric": metrics.to_numpy(),
            "value": values,
            # an empty note is no note
            "note": [n or None for n in notes] if notes is not None else [None] * len(values),
            "dimension": [d or None for d in dimensions],
            "member": [m or None for m in members],
        },
    )
