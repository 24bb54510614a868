-- Web metrics per local day, source and breakdown member (channel, campaign, ...): GA4
-- metrics mapped to neutral ids, the properties of a source added. GA4's '(other)' row is a
-- member like any other, so the members add up to the day's total.
with daily as (
    select * from {{ ref('stg_ga4__daily_breakdowns') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
)

select
    metric_map.metric_id,
    daily.metric_date,
    daily.source_name as part,
    daily.dimension,
    daily.member,
    {{ exact_sum('daily.value') }} as value
from daily
inner join metric_map
    on
        daily.source_name = metric_map.source_name
        and daily.source_metric = metric_map.source_metric
group by metric_map.metric_id, daily.metric_date, daily.source_name, daily.dimension, daily.member
