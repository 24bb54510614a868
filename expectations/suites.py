"""The suites: what must hold for landing batches, metrics and KPI marts.

A Suite is a query (rows read with DuckDB) plus the expectations those rows must meet. Suites
for landing are built per configured source and stream; suites for the warehouse from the
catalog. Expectations are built lazily because importing Great Expectations takes seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EARLIEST = dt.datetime(2000, 1, 1)
GRAINS = ["day", "week", "month", "quarter", "year"]
STATUSES = ["green", "amber", "red", "no_data", "no_target"]


@dataclass
class Suite:
    name: str
    layer: str  # landing | metrics | marts
    asset_key: tuple[str, ...]  # the Dagster asset the suite checks
    query: str
    params: list[Any]
    expectations: Callable[[], list]
    index_columns: list[str] = field(default_factory=list)  # identify example rows
    quarantine_by_file: bool = False  # failing landing rows name their batch file
    database: Path | None = None  # None: an in-memory DuckDB (landing reads Parquet)

    def build_expectations(self) -> list:
        return self.expectations()


def _gxe():
    import great_expectations.expectations as gxe

    return gxe


def _not_null(*columns: str) -> list:
    gxe = _gxe()
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _at_least(column: str, minimum: float, condition: str | None = None):
    kwargs = {"row_condition": condition, "condition_parser": "pandas"} if condition else {}
    return _gxe().ExpectColumnValuesToBeBetween(column=column, min_value=minimum, **kwargs)


def _dates_between(column: str, last_day: dt.date):
    return _gxe().ExpectColumnValuesToBeBetween(
        column=column, min_value=EARLIEST, max_value=dt.datetime.combine(last_day, dt.time())
    )


def _not_empty():
    return _gxe().ExpectTableRowCountToBeBetween(min_value=1)


# ── landing ──────────────────────────────────────────────────────────────────

# Stream-specific raw rules, beyond what every stream gets (keys not null, cursor dates in range,
# not empty). Revenue may be negative (refunds); counts and amounts may not.
LANDING_RULES: dict[str, Callable[[], list]] = {
    "daily_metrics": lambda: [_at_least("value", 0, 'metric != "totalRevenue"')],
    "period_totals": lambda: [
        _at_least("value", 0),
        _gxe().ExpectColumnValuesToBeInSet(column="grain", value_set=GRAINS[1:]),
        _gxe().ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end", column_B="period_start", or_equal=True
        ),
    ],
    "property_quota": lambda: [_at_least("tokens_per_day_remaining", 0)],
    "page_insights": lambda: [_at_least("value", 0)],
    "account_insights": lambda: [_at_least("value", 0)],
    "organization_statistics": lambda: [_at_least("value", 0)],
    "deals": lambda: [_at_least("amount", 0), *_not_null("created_at")],
    "open_deal_snapshots": lambda: [_at_least("amount", 0)],
    "ledger_lines": lambda: _not_null("booking_date", "account", "amount"),
    "manual_rows": lambda: _not_null("date", "metric", "value"),
}


def landing_suites(store, source_config, streams, run_date: dt.date) -> list[Suite]:
    """One suite per stream of one source, over every batch file that source has landed."""
    from connectors.landing import SCHEMA_DIR, landed_schema

    suites = []
    for stream in streams:
        files = [str(f) for f in store.batch_files(source_config.name, stream.name)]
        # no batch at all: validate the empty schema file, so "not empty" fails with a reason
        paths = files or [str(store.root / SCHEMA_DIR / stream.name / "schema.parquet")]
        columns = [*landed_schema(stream).names, "_file"]

        def build(stream=stream, columns=columns):
            key = [c for c in stream.primary_key if not c.startswith("_")]
            rules = [_not_empty(), *_not_null(*key)]
            if stream.cursor and stream.schema.field(stream.cursor).type == _date_type():
                rules.append(_dates_between(stream.cursor, run_date))
            # no column beyond the declared schema may land (personal data stays out)
            rules.append(_gxe().ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True))
            return rules + LANDING_RULES.get(stream.name, list)()

        suites.append(
            Suite(
                name=f"landing.{source_config.name}.{stream.name}",
                layer="landing",
                asset_key=("landing", source_config.name, stream.name),
                query="select * exclude (filename), filename as _file"
                " from read_parquet(?, filename = true, union_by_name = true)",
                params=[paths],
                expectations=build,
                index_columns=["_file"],
                quarantine_by_file=True,
            )
        )
    return suites


def _date_type():
    import pyarrow as pa

    return pa.date32()


# ── warehouse ────────────────────────────────────────────────────────────────


def warehouse_suites(warehouse: Path, config, run_date: dt.date) -> list[Suite]:
    """Suites over the built metrics and KPI marts of the working warehouse."""
    gxe = _gxe
    kpi_ids = [k.id for k in config.kpis]
    perspectives = [p.id for p in config.perspective_list()]

    def suite(name, layer, model, query, expectations, index_columns=(), params=()):
        return Suite(
            name=name,
            layer=layer,
            asset_key=("warehouse", model),
            query=query,
            params=list(params),
            expectations=expectations,
            index_columns=list(index_columns),
            database=warehouse,
        )

    return [
        suite(
            "metrics.daily",
            "metrics",
            "int_metrics__daily",
            "select d.metric_id, d.metric_date, d.value, r.non_negative"
            " from intermediate.int_metrics__daily as d"
            " left join intermediate.int_metric_registry as r using (metric_id)",
            lambda: [
                _not_empty(),
                *_not_null("metric_id", "metric_date", "non_negative"),
                gxe().ExpectCompoundColumnsToBeUnique(column_list=["metric_id", "metric_date"]),
                _dates_between("metric_date", run_date),
                _at_least("value", 0, "non_negative == True"),
            ],
            index_columns=["metric_id", "metric_date"],
        ),
        suite(
            "metrics.metric_values",
            "metrics",
            "fct_metric_values",
            "select * from marts.fct_metric_values",
            lambda: [
                _not_empty(),
                *_not_null("metric_id", "grain", "period_start", "period_end"),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["metric_id", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="grain", value_set=GRAINS),
                _dates_between("period_start", run_date),
                gxe().ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="period_end", column_B="period_start", or_equal=True
                ),
            ],
            index_columns=["metric_id", "grain", "period_start"],
        ),
        suite(
            "marts.kpi_values",
            "marts",
            "fct_kpi_values",
            "select * from marts.fct_kpi_values",
            lambda: [
                _not_empty(),
                *_not_null("kpi_id", "grain", "period_start", "status"),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["kpi_id", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="kpi_id", value_set=kpi_ids),
                gxe().ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
                gxe().ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=100),
                _dates_between("period_start", run_date),
            ],
            index_columns=["kpi_id", "grain", "period_start"],
        ),
        suite(
            # a KPI whose value leaves its declared valid range means broken input data
            "marts.kpi_valid_ranges",
            "marts",
            "fct_kpi_values",
            "select v.kpi_id, v.grain, v.period_start, v.value,"
            " v.value between k.valid_low and k.valid_high as within_valid_range"
            " from marts.fct_kpi_values as v"
            " inner join staging.stg_scorecard_config__kpis as k using (kpi_id)"
            " where k.valid_low is not null and v.value is not null",
            lambda: [
                gxe().ExpectColumnValuesToBeInSet(column="within_valid_range", value_set=[True])
            ],
            index_columns=["kpi_id", "grain", "period_start", "value"],
        ),
        suite(
            # every catalog KPI has a value for the latest complete month
            "marts.latest_month_coverage",
            "marts",
            "fct_kpi_latest",
            "with latest_month as ("
            "  select max(period_start) as period_start from intermediate.int_periods"
            "  where grain = 'month' and is_complete)"
            " select k.kpi_id, l.period_start, v.value"
            " from marts.dim_kpis as k cross join latest_month as l"
            " left join marts.fct_kpi_values as v"
            "  on v.kpi_id = k.kpi_id and v.grain = 'month' and v.period_start = l.period_start",
            lambda: [
                gxe().ExpectTableRowCountToEqual(value=len(kpi_ids)),
                *_not_null("period_start", "value"),
            ],
            index_columns=["kpi_id", "period_start"],
        ),
        suite(
            "marts.perspective_scores",
            "marts",
            "fct_perspective_scores",
            "select * from marts.fct_perspective_scores",
            lambda: [
                _not_empty(),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["perspective", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="perspective", value_set=perspectives),
                gxe().ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=100),
            ],
            index_columns=["perspective", "grain", "period_start"],
        ),
    ]
