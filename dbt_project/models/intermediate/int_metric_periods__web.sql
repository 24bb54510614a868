-- Sourced (non-additive) web metrics per calendar period, as GA4 reports them; properties added.
-- Never derived from days: distinct users of a month are not the sum of daily users.
with totals as (
    select * from {{ ref('stg_ga4__period_totals') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
)

select
    metric_map.metric_id,
    totals.grain,
    totals.period_start,
    totals.period_end,
    {{ exact_sum('totals.value') }} as value
from totals
inner join metric_map
    on
        totals.source_name = metric_map.source_name
        and totals.source_metric = metric_map.source_metric
group by metric_map.metric_id, totals.grain, totals.period_start, totals.period_end
