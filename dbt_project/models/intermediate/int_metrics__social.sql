-- Social metrics per local day and platform (part = the source): as social.<name>, which
-- int_metric_values adds up across platforms (a stock as each platform's own last value), and
-- as the platform's own copy social.<source>.<name>. Several platform metrics may add into
-- one (LinkedIn engagements = clicks + likes + comments + shares).
with platforms as (
    select
        source_name,
        metric_date,
        source_metric,
        value
    from {{ ref('stg_facebook_page__page_insights') }}
    union all
    select
        source_name,
        metric_date,
        source_metric,
        value
    from {{ ref('stg_instagram__account_insights') }}
    union all
    select
        source_name,
        metric_date,
        source_metric,
        value
    from {{ ref('stg_linkedin_page__organization_statistics') }}
),

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
),

per_platform as (
    select
        platforms.source_name,
        metric_map.metric_id,
        platforms.metric_date,
        {{ exact_sum('platforms.value') }} as value
    from platforms
    inner join metric_map
        on
            platforms.source_name = metric_map.source_name
            and platforms.source_metric = metric_map.source_metric
    group by platforms.source_name, metric_map.metric_id, platforms.metric_date
)

select
    metric_id,
    metric_date,
    source_name as part,
    value
from per_platform

union all

select
    {{ dbt.concat(["'social.'", "source_name", "'.'", "substring(metric_id, 8)"]) }} as metric_id,
    metric_date,
    source_name as part,
    value
from per_platform
