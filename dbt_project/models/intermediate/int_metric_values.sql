/*
  Every metric at every grain: one row per (metric_id, grain, period_start).
  How days become a period depends on the metric's additivity (int_metric_registry):
    sum     - add the days (sessions, revenue)
    average - mean of the days with a value (survey scores)
    last    - the value of the last day with data in the period (stocks: followers, pipeline)
    sourced - never derived from days: the period value the source reports (distinct users)
*/
with registry as (
    select
        metric_id,
        additivity
    from {{ ref('int_metric_registry') }}
),

daily as (
    select
        daily.metric_id,
        daily.metric_date,
        daily.value,
        registry.additivity
    from {{ ref('int_metrics__daily') }} as daily
    inner join registry on daily.metric_id = registry.metric_id
),

bucketed as (
    {% for grain in period_grains() %}
        select
            metric_id,
            additivity,
            '{{ grain }}' as grain,
            {{ period_start(grain, 'metric_date') }} as period_start,
            metric_date,
            value
        from daily
        where additivity in ('sum', 'average', 'last')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by metric_id, grain, period_start order by metric_date desc
        ) as days_from_end
    from bucketed
),

aggregated as (
    select
        metric_id,
        grain,
        period_start,
        case max(additivity)
            when 'sum' then {{ exact_sum('value') }}
            when 'average' then {{ exact_avg('value') }}
            when 'last' then max(case when days_from_end = 1 then value end)
        end as value
    from ranked
    group by metric_id, grain, period_start
),

with_end as (
    {% for grain in period_grains() %}
        select
            metric_id,
            grain,
            period_start,
            {{ period_end(grain, 'period_start') }} as period_end,
            value
        from aggregated
        where grain = '{{ grain }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
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

days as (
    select
        metric_id,
        'day' as grain,
        metric_date as period_start,
        metric_date as period_end,
        value
    from daily
),

unioned as (
    select * from days
    union all
    select * from with_end
    union all
    select * from sourced
)

select
    cast(metric_id as varchar) as metric_id,
    cast(grain as varchar) as grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(value as double) as value
from unioned
