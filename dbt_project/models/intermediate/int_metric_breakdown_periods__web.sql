-- Sourced (non-additive) web metrics per calendar period and breakdown member, as GA4 reports
-- them; properties added (a visitor of two properties is two users, as in the totals).
-- Never derived from days or from other members.
with periods as (
    select * from {{ ref('stg_ga4__period_breakdowns') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
)

select
    metric_map.metric_id,
    periods.grain,
    periods.period_start,
    periods.period_end,
    periods.dimension,
    periods.member,
    {{ exact_sum('periods.value') }} as value
from periods
inner join metric_map
    on
        periods.source_name = metric_map.source_name
        and periods.source_metric = metric_map.source_metric
group by
    metric_map.metric_id,
    periods.grain,
    periods.period_start,
    periods.period_end,
    periods.dimension,
    periods.member
