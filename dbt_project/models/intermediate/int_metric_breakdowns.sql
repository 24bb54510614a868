/*
  Every metric by every dimension member at every grain: one row per (metric_id, dimension,
  member, grain, period_start). A member rolls up exactly as its total does (metric_rollup):
  a sum member adds its days, a stock member takes each part's own last value. A member with
  no data in a period has no row.
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
        daily.dimension,
        daily.member,
        daily.metric_date,
        coalesce(daily.part, '') as part,
        daily.value,
        registry.additivity
    from {{ ref('int_metrics__daily_breakdowns') }} as daily
    inner join registry on daily.metric_id = registry.metric_id
),

rolled_up as (
    {{ metric_rollup('parts', ['dimension', 'member']) }}
)

select
    cast(metric_id as varchar) as metric_id,
    cast(grain as varchar) as grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(dimension as varchar) as dimension,
    cast(member as varchar) as member,
    cast(value as double) as value
from rolled_up
