"""Manual metrics — numbers no system holds, typed into a CSV/XLSX sheet (date, metric, value)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator

from connectors import register
from connectors.base import (
    IDENTIFIER,
    Batch,
    Connector,
    ExtractContext,
    MetricDef,
    SourceConfig,
    Stream,
    Window,
    resolve_path,
)
from connectors.checks import NotNull, Reconciliation
from connectors.files import (
    BadFileError,
    cell,
    content_hash,
    describe_errors,
    inbox_files,
    parse_date,
    parse_number,
    read_cells,
)

Additivity = Literal["sum", "last", "average"]


class ManualMetricsConfig(SourceConfig):
    type: Literal["manual_metrics"] = "manual_metrics"
    path: Path = Field(description="Inbox folder (or glob) with *.csv / *.xlsx sheets.")

    @field_validator("path", mode="before")
    @classmethod
    def _relative_to_config(cls, v, info):
        return resolve_path(v, info.context)

    metrics: dict[str, Additivity] = Field(
        min_length=1,
        description="Metric name -> additivity (sum | last | average); becomes manual.<name>.",
    )
    delimiter: str = Field(default=",", description="CSV field separator.")
    decimal: str = Field(default=".", description="Decimal separator.")
    encoding: str = Field(default="utf-8-sig", description="CSV encoding.")
    date_format: str = Field(default="%Y-%m-%d", description="strptime format of the date column.")

    @field_validator("metrics")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not IDENTIFIER.match(name):
                raise ValueError(f"metric name '{name}' must match ^[a-z][a-z0-9_]*$")
        return v


MANUAL_ROWS = Stream(
    name="manual_rows",
    schema=pa.schema(
        [
            pa.field("line_number", pa.int64()),
            pa.field("date", pa.date32()),
            pa.field("metric", pa.string()),
            pa.field("value", pa.float64()),
            pa.field("note", pa.string()),
        ]
    ),
    primary_key=("date", "metric"),
    cursor="date",
    description="One row per sheet row; the newest file's value for a (date, metric) wins.",
    checks=(NotNull("date"), NotNull("metric"), NotNull("value")),
    reconciliation=Reconciliation(
        "select 'manual.' || metric_name as metric_id, metric_date, value"
        " from staging.stg_manual_metrics__rows"
    ),
)


@register
class ManualMetrics(Connector):
    type = "manual_metrics"
    config_model = ManualMetricsConfig
    metrics_model = "int_metrics__manual"
    streams = (MANUAL_ROWS,)
    reads_files = True

    def inbox(self) -> Path:
        return Path(self.config.path)

    def provided_metrics(self) -> list[MetricDef]:
        return [
            MetricDef(f"manual.{name}", unit="number", additivity=additivity)
            for name, additivity in self.config.metrics.items()
        ]

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        from connectors.manual_metrics.demo import write_team_sheets

        write_team_sheets(self.inbox(), self.config.start_date, ctx.run_date)
        yield from self.extract(stream, ctx)

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        for path in inbox_files(self.inbox()):
            digest = content_hash(path)
            if digest in ctx.state.file_hashes:
                ctx.log.info("%s: already landed (same content), skipped", path.name)
                continue
            try:
                table = parse_manual(path, self.config)
            except BadFileError as e:
                yield e
                continue
            dates = table.column("date").to_pylist()
            yield Batch(table, Window(min(dates), max(dates)), path.name, digest)


def parse_manual(path: Path, config: ManualMetricsConfig) -> pa.Table:
    raw = read_cells(
        path,
        required=["date", "metric", "value"],
        delimiter=config.delimiter,
        encoding=config.encoding,
    )
    has_note = any(str(c).strip().lower() == "note" for c in raw.frame.columns)
    rows, errors = [], []
    for i, (_, row) in enumerate(raw.frame.iterrows()):
        line = raw.line_of(i)
        metric = str(cell(row, "metric")).strip()
        if metric.startswith("manual."):
            metric = metric[len("manual.") :]
        if metric not in config.metrics:
            errors.append(
                (line, f"unknown metric {metric!r} (declared: {', '.join(config.metrics)})")
            )
            continue
        try:
            day = parse_date(cell(row, "date"), date_format=config.date_format)
        except ValueError:
            errors.append(
                (line, f"date {cell(row, 'date')!r} does not match {config.date_format!r}")
            )
            continue
        try:
            value = parse_number(cell(row, "value"), decimal=config.decimal, thousands=None)
        except ValueError:
            errors.append((line, f"value {cell(row, 'value')!r} is not a number"))
            continue
        note = str(cell(row, "note")).strip() if has_note else None
        rows.append(
            {
                "line_number": line,
                "date": day,
                "metric": metric,
                "value": value,
                "note": note or None,
            }
        )
    if errors:
        raise BadFileError(path, describe_errors(errors))
    return pa.Table.from_pylist(rows, schema=MANUAL_ROWS.schema)
