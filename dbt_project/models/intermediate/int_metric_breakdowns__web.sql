-- Web metrics per local day, source and breakdown member (channel, campaign, ...): GA4
-- metrics mapped to neutral ids, the properties of a source added. GA4's '(other)' row is a
-- member like any other, so the members add up to the day's total.
with daily as (
    select * from {{ ref('stg_ga4__daily_breakdowns') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
),

-- money metrics (revenue) convert from the property's currency to the reporting currency
money as (
    select metric_id from {{ ref('int_metric_registry') }}
    where unit = 'currency'
),

run_context as (
    select currency from {{ ref('stg_scorecard_config__run_contexts') }}
),

conversions as (
    select * from {{ ref('int_currency_conversions') }}
)

select
    metric_map.metric_id,
    daily.metric_date,
    daily.source_name as part,
    daily.dimension,
    daily.member,
    {{ exact_sum('case when money.metric_id is null then daily.value else '
        ~ in_reporting_currency('daily.value', 'daily.currency') ~ ' end') }} as value
from daily
inner join metric_map
    on
        daily.source_name = metric_map.source_name
        and daily.source_metric = metric_map.source_metric
cross join run_context
left join money on metric_map.metric_id = money.metric_id
left join conversions
    on {{ currency_conversion_on('daily.source_name', 'daily.currency', 'daily.metric_date') }}
group by metric_map.metric_id, daily.metric_date, daily.source_name, daily.dimension, daily.member
