/*
  Every metric by every dimension member at every grain: one row per (metric_id, dimension,
  member, grain, period_start). A member rolls up exactly as its total does (metric_rollup):
  a sum member adds its days, a stock member takes each part's own last value; a sourced
  member (GA4 users per channel) is the period value the source reports for that member, never
  a sum of days. A member with no data in a period has no row. Only the dimensions every source
  of a metric extracts are kept (stg_scorecard_config__metric_dimensions), so members add up to
  the metric's total. GA4's `(other)` row is the member '(other)', flagged by is_other_row.
*/
with registry as (
    select
        metric_id,
        additivity
    from {{ ref('int_metric_registry') }}
),

dimensions as (
    select * from {{ ref('stg_scorecard_config__metric_dimensions') }}
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
    inner join dimensions
        on daily.metric_id = dimensions.metric_id and daily.dimension = dimensions.dimension
),

rolled_up as (
    {{ metric_rollup('parts', ['dimension', 'member']) }}
),

sourced as (
    select
        periods.metric_id,
        periods.dimension,
        periods.member,
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.value
    from {{ ref('int_metric_breakdown_periods__web') }} as periods
    inner join registry on periods.metric_id = registry.metric_id
    inner join dimensions
        on periods.metric_id = dimensions.metric_id and periods.dimension = dimensions.dimension
    where registry.additivity = 'sourced'
),

unioned as (
    select * from rolled_up
    union all
    select
        metric_id,
        dimension,
        member,
        grain,
        period_start,
        period_end,
        value
    from sourced
)

select
    cast(metric_id as string) as metric_id,
    cast(grain as string) as grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(dimension as string) as dimension,
    cast(member as string) as member,
    cast(value as double) as value,
    member = '(other)' as is_other_row
from unioned
