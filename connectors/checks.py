"""What a stream's data must hold, declared by the connector that lands it.

Plain data, no Great Expectations import: `expectations/landing.py` turns each rule into an
expectation on every new landed batch, and `expectations/warehouse.py` reconciles each stream's
`Reconciliation` with the published metrics. Every stream is also checked, without declaring
anything, for its schema, its key (not null, once per batch), its cursor dates (from the
source's start date to the run date) and not being empty.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AtLeast:
    """`column` ≥ `minimum` (on the rows matching `where`, a pandas query, when given)."""

    column: str
    minimum: float
    where: str | None = None


@dataclass(frozen=True)
class NotNull:
    column: str


@dataclass(frozen=True)
class OneOf:
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class NotBefore:
    """`later` ≥ `earlier` on every row (a period's end and start)."""

    later: str
    earlier: str


@dataclass(frozen=True)
class Dates:
    """Dates (or UTC timestamps, `utc`) within the source's start date (`from_start`) and the
    run date plus `days_after_run` (None: no upper bound)."""

    column: str
    from_start: bool = False
    days_after_run: int | None = 0
    utc: bool = False


Check = AtLeast | NotNull | OneOf | NotBefore | Dates


@dataclass(frozen=True)
class Presence:
    """Where the completeness check finds which account has data on which day: a staging
    model with `source_name`, the account column, `metric_date` and `window_end` (the last day
    its batch declared complete). A stream that declares it makes its source checked for a row
    per configured account and complete day."""

    model: str
    account_column: str = "account_id"


@dataclass(frozen=True)
class Reconciliation:
    """How a stream's staged rows add up to the published sum metrics.

    `sql` selects `metric_id, metric_date, value` from the stream's staging model (schema
    `staging`; the catalog's `stg_scorecard_config__*` tables may be joined): for every sum
    metric and month, the published value must equal the sum of these rows. It is the
    connector's own SQL; no configuration value is ever pasted into it.
    """

    sql: str

    @classmethod
    def mapped(
        cls, model: str, date_column: str = "metric_date", *, currency_column: str | None = None
    ) -> Reconciliation:
        """A long-shaped staging model (source_name, date, source_metric, value) whose source
        metrics add into neutral metrics through the source's metric map. With
        `currency_column`, money metrics are reconciled in the reporting currency: converted
        as the metrics are (int_currency_conversions; a null currency is the reporting one)."""
        value = "stg.value"
        joins = ""
        if currency_column:
            value = (
                "case when reg.unit = 'currency' then stg.value * conv.to_reporting"
                " else stg.value end"
            )
            joins = (
                " left join intermediate.int_metric_registry as reg"
                " on reg.metric_id = map.metric_id"
                " cross join staging.stg_scorecard_config__run_contexts as ctx"
                " left join intermediate.int_currency_conversions as conv"
                " on conv.source_name = stg.source_name"
                f" and conv.currency = coalesce(stg.{currency_column}, ctx.currency)"
                f" and conv.amount_date = stg.{date_column}"
            )
        return cls(
            f"select map.metric_id, stg.{date_column} as metric_date, {value} as value"
            f" from staging.{model} as stg"
            " inner join staging.stg_scorecard_config__source_metric_maps as map"
            " on stg.source_name = map.source_name and stg.source_metric = map.source_metric"
            + joins
        )
