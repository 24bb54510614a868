/*
  How far each KPI's running period has got (DESIGN §5a): one row per KPI and period that has
  not ended by the run date. Complete periods need no row: they are fully elapsed.
    elapsed_days  days of the period up to the last day with data of the KPI's metrics
    period_days   all its days
    is_paced      the KPI's metric accumulates over the period's days - a `sum`, or a
                  `sourced` count of distinct users, which grows through the period too - so a
                  running period is projected to its end: metric value / phase_share
                  (int_kpi_values), and a `metric` KPI's target accrues the same way
                  (target_to_date = target * phase_share). Distinct users grow slower than
                  their days (returning users count once), so early in a period their
                  projection runs high: docs/metrics.md says so.
    phase_share   the share of the period's total expected by then: even = elapsed / period
                  days; last_year = the metric's total over the same first days of the same
                  period a year before, divided by that period's total — falling back to even
                  when last year has no (positive) data
    phasing_applied  which of the two gave phase_share
*/
with kpis as (
    select * from {{ ref('stg_scorecard_config__kpis') }}
),

registry as (
    select * from {{ ref('int_metric_registry') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

-- each metric's days: totals, and per member for KPIs with `filter:` (scope)
daily as (
    select
        '' as scope_dimension,
        '' as scope_member,
        metric_id,
        metric_date,
        {{ exact_sum('value') }} as value
    from {{ ref('int_metrics__daily') }}
    group by metric_id, metric_date
    union all
    select
        dimension as scope_dimension,
        member as scope_member,
        metric_id,
        metric_date,
        {{ exact_sum('value') }} as value
    from {{ ref('int_metrics__daily_breakdowns') }}
    group by dimension, member, metric_id, metric_date
),

running as (
    select
        kpis.kpi_id,
        kpis.kpi_type,
        kpis.metric_id,
        kpis.phasing,
        coalesce(kpis.filter_dimension, '') as scope_dimension,
        coalesce(kpis.filter_member, '') as scope_member,
        coalesce(
            kpis.kpi_type in ('metric', 'growth', 'change')
            and registry.additivity in ('sum', 'sourced'),
            false
        ) as is_paced,
        periods.grain,
        periods.period_start,
        periods.period_end,
        {{ dbt.datediff('periods.period_start', 'periods.period_end', 'day') }} + 1 as period_days,
        {{ year_ago_period_start('periods.grain', 'periods.period_start') }} as year_ago_start
    from kpis
    cross join periods
    left join registry on kpis.metric_id = registry.metric_id
    where not periods.is_complete
),

kpi_metrics as (
    {% for column in ['metric_id', 'numerator_metric_id', 'denominator_metric_id'] %}
        select
            kpi_id,
            {{ column }} as metric_id
        from kpis
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

last_days as (
    select
        running.kpi_id,
        running.grain,
        running.period_start,
        max(daily.metric_date) as last_data_day
    from running
    inner join kpi_metrics on running.kpi_id = kpi_metrics.kpi_id
    inner join daily
        on
            kpi_metrics.metric_id = daily.metric_id
            and running.scope_dimension = daily.scope_dimension
            and running.scope_member = daily.scope_member
            and daily.metric_date between running.period_start and running.period_end
    group by running.kpi_id, running.grain, running.period_start
),

elapsed as (
    select
        running.*,
        coalesce(
            {{ dbt.datediff('running.period_start', 'last_days.last_data_day', 'day') }} + 1, 0
        ) as elapsed_days,
        year_ago.period_end as year_ago_end
    from running
    left join last_days
        on
            running.kpi_id = last_days.kpi_id
            and running.grain = last_days.grain
            and running.period_start = last_days.period_start
    left join periods as year_ago
        on
            running.grain = year_ago.grain
            and running.year_ago_start = year_ago.period_start
),

last_year as (
    select
        elapsed.kpi_id,
        elapsed.grain,
        elapsed.period_start,
        {{ exact_sum(
            "case when daily.metric_date < "
            ~ dbt.dateadd('day', 'elapsed.elapsed_days', 'elapsed.year_ago_start')
            ~ " then daily.value end"
        ) }} as to_date,
        {{ exact_sum('daily.value') }} as total
    from elapsed
    inner join daily
        on
            elapsed.metric_id = daily.metric_id
            and elapsed.scope_dimension = daily.scope_dimension
            and elapsed.scope_member = daily.scope_member
            and daily.metric_date between elapsed.year_ago_start and elapsed.year_ago_end
    where elapsed.phasing = 'last_year' and elapsed.is_paced
    group by elapsed.kpi_id, elapsed.grain, elapsed.period_start
),

shared as (
    select
        elapsed.*,
        cast(elapsed.elapsed_days as double) / elapsed.period_days as even_share,
        case
            when last_year.total > 0 and last_year.to_date > 0
                then least(last_year.to_date / last_year.total, 1.0)
        end as last_year_share
    from elapsed
    left join last_year
        on
            elapsed.kpi_id = last_year.kpi_id
            and elapsed.grain = last_year.grain
            and elapsed.period_start = last_year.period_start
)

select
    kpi_id,
    grain,
    period_start,
    cast(elapsed_days as integer) as elapsed_days,
    cast(period_days as integer) as period_days,
    is_paced,
    case
        when phasing = 'last_year' and last_year_share is not null then last_year_share
        else even_share
    end as phase_share,
    case
        when phasing = 'last_year' and last_year_share is not null then 'last_year'
        else 'even'
    end as phasing_applied
from shared
