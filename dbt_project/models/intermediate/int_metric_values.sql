/*
  Every metric at every grain: one row per (metric_id, grain, period_start).
  How days become a period depends on the metric's additivity (int_metric_registry):
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

daily as (
    select
        metric_id,
        metric_date,
        {{ exact_sum('value') }} as value
    from parts
    group by metric_id, metric_date
),

bucketed as (
    {% for grain in period_grains() %}
        select
            metric_id,
            additivity,
            '{{ grain }}' as grain,
            {{ period_start(grain, 'metric_date') }} as period_start,
            part,
            metric_date,
            value
        from parts
        where additivity in ('sum', 'average', 'last')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by metric_id, grain, period_start, part order by metric_date desc
        ) as days_from_end
    from bucketed
),

-- per period and part: the sum of its days, its last value, and its days (for the average)
part_periods as (
    select
        metric_id,
        grain,
        period_start,
        part,
        max(additivity) as additivity,
        {{ exact_sum('value') }} as part_sum,
        max(case when days_from_end = 1 then value end) as part_last
    from ranked
    group by metric_id, grain, period_start, part
),

day_counts as (
    select
        metric_id,
        grain,
        period_start,
        count(distinct metric_date) as days_with_value
    from bucketed
    group by metric_id, grain, period_start
),

aggregated as (
    select
        part_periods.metric_id,
        part_periods.grain,
        part_periods.period_start,
        case max(part_periods.additivity)
            when 'sum' then {{ exact_sum('part_periods.part_sum') }}
            -- the mean of the days: every part's days added, over the days with a value
            when 'average' then {{ exact_sum('part_periods.part_sum') }} / max(day_counts.days_with_value)
            when 'last' then {{ exact_sum('part_periods.part_last') }}
        end as value
    from part_periods
    inner join day_counts
        on
            part_periods.metric_id = day_counts.metric_id
            and part_periods.grain = day_counts.grain
            and part_periods.period_start = day_counts.period_start
    group by part_periods.metric_id, part_periods.grain, part_periods.period_start
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
