/*
  Every metric at every grain: one row per (metric_id, grain, period_start).
  How days become a period depends on the metric's additivity (int_metric_registry), in
  metric_rollup (macros/metric_rollup.sql):
    sum     - add the days (sessions, revenue)
    average - mean of the days with a value (survey scores)
    last    - a stock (followers, pipeline): each part's (account's) value on its own last day
              with data in the period, parts added — a platform a day late keeps its followers
    sourced - never derived from days: the period value the source reports (distinct users)
  A day's value is the sum of its parts.
*/
with registry as (
    select
        metric_id,
        additivity
    from {{ ref('int_metric_registry') }}
),

parts as (
    select
        daily.metric_id,
        daily.metric_date,
        coalesce(daily.part, '') as part,
        daily.value,
        registry.additivity
    from {{ ref('int_metrics__daily') }} as daily
    inner join registry on daily.metric_id = registry.metric_id
),

-- days, and the periods of sum / average / last metrics
rolled_up as (
    {{ metric_rollup('parts') }}
),

sourced as (
    select
        periods.metric_id,
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.value
    from {{ ref('int_metric_periods__web') }} as periods
    inner join registry on periods.metric_id = registry.metric_id
    where registry.additivity = 'sourced'
),

unioned as (
    select * from rolled_up
    union all
    select * from sourced
)

select
    cast(metric_id as string) as metric_id,
    cast(grain as string) as grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(value as double) as value
from unioned
