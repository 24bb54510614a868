-- Web metrics per local day (web.*): GA4 metrics mapped to neutral ids, all properties added.
with daily as (
    select * from {{ ref('stg_ga4__daily_metrics') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
)

select
    metric_map.metric_id,
    daily.metric_date,
    {{ exact_sum('daily.value') }} as value
from daily
inner join metric_map
    on
        daily.source_name = metric_map.source_name
        and daily.source_metric = metric_map.source_metric
group by metric_map.metric_id, daily.metric_date
