"""Suites over the built warehouse: metrics, KPI marts, completeness, reconciliation, quality.

They run after `dbt build` and before publish; a failed suite withholds the new scorecard.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Collection
from pathlib import Path

from connectors import registry
from connectors.periods import GRAINS
from expectations.suites import (
    STATUSES,
    Suite,
    all_true,
    at_least,
    between_days,
    gxe,
    not_empty,
    not_null,
)


def reconciliation_query() -> str:
    """Independent sums of staging rows per sum metric and month — each stream's own
    `Reconciliation` (declared by its connector), unioned — beside the published values.
    Metric ids and account ranges come from the catalog tables (data), not from SQL text."""
    staged = "\n    union all\n    ".join(
        [
            stream.reconciliation.sql
            for connector in registry().values()
            for stream in connector.streams
            if stream.reconciliation is not None
        ]
        or ["select null::varchar as metric_id, null::date as metric_date, 0.0 as value limit 0"]
    )
    return f"""
with registry as (select metric_id from intermediate.int_metric_registry where additivity = 'sum'),
staged as (
    {staged}
),
totals as (
    select metric_id, cast(date_trunc('month', metric_date) as date) as period_start,
           cast(sum(cast(value as decimal(38, 10))) as double) as staged
    from staged where metric_id in (select metric_id from registry)
    group by 1, 2
)
select t.metric_id, t.period_start, t.staged, v.value as published,
       abs(coalesce(v.value, 0) - t.staged) <= 1e-6 as reconciled
from totals t
left join marts.fct_metric_values v
  on v.metric_id = t.metric_id and v.grain = 'month' and v.period_start = t.period_start
"""


_RELATION = re.compile(r"\b(?:staging|intermediate)\.([a-z][a-z0-9_]*)\b")


def relations_read() -> list[str]:
    """The staging and intermediate tables the suites read (they read marts too). On an engine
    other than DuckDB the dbt build exports these and the marts for the gates (dbt var
    `scorecard_exports`, orchestration/engines.py): read from the suites' own SQL, so a suite
    that reads one more table has it exported without a second list to keep."""
    text = inspect.getsource(warehouse_suites) + reconciliation_query()
    return sorted(set(_RELATION.findall(text)))


def warehouse_suites(
    warehouse: Path, config, run_date: dt.date | None, *, refused_kpis: Collection[str] = ()
) -> list[Suite]:
    """Suites over the built metrics and KPI marts of the working warehouse. `refused_kpis`:
    KPIs whose metrics a platform refused this run (an optional stream without its permission,
    warned about at landing): their missing latest month is known, not broken data."""
    kpi_ids = [k.id for k in config.kpis]
    refused = ", ".join("'" + k.replace("'", "''") + "'" for k in sorted(refused_kpis))
    refused_sql = f"  or k.kpi_id in ({refused})" if refused else ""
    perspectives = [p.id for p in config.perspective_list()]

    def suite(name, layer, model, query, expectations, index_columns=()):
        return Suite(
            name=name,
            layer=layer,
            asset_key=("warehouse", model),
            expectations=expectations,
            query=query,
            index_columns=list(index_columns),
            database=warehouse,
        )

    return [
        suite(
            "metrics.daily",
            "metrics",
            "int_metrics__daily",
            "select d.metric_id, d.metric_date, d.part, d.value, r.non_negative"
            " from intermediate.int_metrics__daily as d"
            " left join intermediate.int_metric_registry as r using (metric_id)",
            lambda: [
                not_empty(),
                *not_null("metric_id", "metric_date", "non_negative"),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["metric_id", "metric_date", "part"]
                ),
                between_days("metric_date", None, run_date),
                at_least("value", 0, "non_negative == True"),
            ],
            index_columns=["metric_id", "metric_date", "part", "value"],
        ),
        suite(
            "metrics.metric_values",
            "metrics",
            "fct_metric_values",
            "select * from marts.fct_metric_values",
            lambda: [
                not_empty(),
                *not_null("metric_id", "grain", "period_start", "period_end"),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["metric_id", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="grain", value_set=list(GRAINS)),
                between_days("period_start", None, run_date),
                gxe().ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="period_end", column_B="period_start", or_equal=True
                ),
            ],
            index_columns=["metric_id", "grain", "period_start"],
        ),
        suite(
            "metrics.completeness",
            "metrics",
            "int_source_coverage",
            "select * from intermediate.int_source_coverage",
            lambda: [
                all_true(
                    "is_present",
                    description="every configured source and account has data for every day "
                    "that has left the lookback window",
                )
            ],
            index_columns=["source_name", "account_id", "day"],
        ),
        suite(
            # every money amount in another currency converts with a reference rate (DESIGN
            # §5a); the failing rows name the source, currency and day
            "metrics.currency_rates",
            "metrics",
            "int_currency_conversions",
            "select source_name, currency, amount_date, reporting_currency, has_rate"
            " from intermediate.int_currency_conversions",
            lambda: [
                all_true(
                    "has_rate",
                    description="every money amount in another currency has a reference rate "
                    "for its day or an earlier one (an fx_rates source publishing the currency)",
                )
            ],
            index_columns=["source_name", "currency", "amount_date", "reporting_currency"],
        ),
        suite(
            "metrics.reconciliation",
            "metrics",
            "fct_metric_values",
            reconciliation_query(),
            lambda: [
                all_true(
                    "reconciled",
                    description="each published monthly sum equals the sum of its staging rows",
                )
            ],
            index_columns=["metric_id", "period_start", "staged", "published"],
        ),
        suite(
            "marts.kpi_values",
            "marts",
            "fct_kpi_values",
            "select * from marts.fct_kpi_values",
            lambda: [
                not_empty(),
                *not_null("kpi_id", "grain", "period_start", "status"),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["kpi_id", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="kpi_id", value_set=kpi_ids),
                gxe().ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
                gxe().ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=100),
                between_days("period_start", None, run_date),
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
            lambda: [all_true("within_valid_range")],
            index_columns=["kpi_id", "grain", "period_start", "value"],
        ),
        suite(
            # every catalog KPI has a value for the latest complete month
            "marts.latest_month_coverage",
            "marts",
            "fct_kpi_latest",
            # a growth or change KPI has no value when its metric has no month before the
            # latest one (a scorecard's first complete month): that is not broken data; nor
            # is a filtered KPI whose member had no data while its metric's total did (a
            # campaign that was not running), nor a KPI whose metric a platform refused this
            # run (an optional stream without its permission: warned at landing)
            "with latest_month as ("
            "  select max(period_start) as period_start from intermediate.int_periods"
            "  where grain = 'month' and is_complete)"
            " select k.kpi_id, l.period_start, v.value,"
            "  v.value is not null or (k.type in ('growth', 'change') and before.value is null)"
            "  or (k.filter is not null and total.value is not null)"
            f"{refused_sql}"
            "   as covered"
            " from marts.dim_kpis as k cross join latest_month as l"
            " left join marts.fct_kpi_values as v"
            "  on v.kpi_id = k.kpi_id and v.grain = 'month' and v.period_start = l.period_start"
            " left join marts.fct_metric_values as before"
            "  on before.metric_id = k.metric_id and before.grain = 'month'"
            "  and before.period_start = cast(l.period_start - interval 1 month as date)"
            " left join marts.fct_metric_values as total"
            "  on total.metric_id = coalesce(k.metric_id, k.denominator_metric_id)"
            "  and total.grain = 'month' and total.period_start = l.period_start",
            lambda: [
                gxe().ExpectTableRowCountToEqual(value=len(kpi_ids)),
                *not_null("period_start"),
                all_true(
                    "covered",
                    description="every KPI has a value for the latest complete month (growth "
                    "and change KPIs once their metric has a month before it; filtered KPIs "
                    "when their metric has)",
                ),
            ],
            index_columns=["kpi_id", "period_start"],
        ),
        suite(
            # GA4 data flagged as thresholded/sampled/(other) under the latest complete period,
            # for sources configured to block on that flag
            "marts.quality_flags",
            "marts",
            "fct_kpi_latest",
            "select l.kpi_id, l.grain, l.period_start, l.quality_flags,"
            " not coalesce(f.blocks_publish, false) as publishable"
            " from marts.fct_kpi_latest as l"
            " left join intermediate.int_kpi_quality_flags as f"
            " using (kpi_id, grain, period_start)",
            lambda: [
                all_true(
                    "publishable",
                    description="no KPI of the latest complete period rests on GA4 data a "
                    "source is configured to block on (block_on_quality_flags)",
                )
            ],
            index_columns=["kpi_id", "grain", "period_start", "quality_flags"],
        ),
        suite(
            "marts.perspective_scores",
            "marts",
            "fct_perspective_scores",
            "select * from marts.fct_perspective_scores",
            lambda: [
                not_empty(),
                gxe().ExpectCompoundColumnsToBeUnique(
                    column_list=["perspective", "grain", "period_start"]
                ),
                gxe().ExpectColumnValuesToBeInSet(column="perspective", value_set=perspectives),
                gxe().ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=100),
                gxe().ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
            ],
            index_columns=["perspective", "grain", "period_start"],
        ),
        suite(
            "marts.overall_scores",
            "marts",
            "fct_overall_scores",
            "select * from marts.fct_overall_scores",
            lambda: [
                not_empty(),
                gxe().ExpectCompoundColumnsToBeUnique(column_list=["grain", "period_start"]),
                gxe().ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=100),
                gxe().ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
                gxe().ExpectColumnValuesToBeBetween(
                    column="perspectives_scored", min_value=0, max_value=len(perspectives)
                ),
            ],
            index_columns=["grain", "period_start"],
        ),
    ]
