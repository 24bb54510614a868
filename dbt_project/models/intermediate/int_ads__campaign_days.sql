-- Every ad platform's campaign days in one shape (account currency, exact amounts), with the
-- campaign's newest name: a renamed campaign is one member of the campaign dimension.
with campaign_days as (
    select * from {{ ref('stg_google_ads__campaign_metrics') }}
    union all
    select * from {{ ref('stg_meta_ads__campaign_insights') }}
    union all
    select * from {{ ref('stg_linkedin_ads__campaign_analytics') }}
)

select
    source_name,
    platform,
    channel,
    account_id,
    campaign_id,
    last_value(campaign_name) over (
        partition by source_name, account_id, campaign_id
        order by metric_date
        rows between unbounded preceding and unbounded following
    ) as campaign_name,
    metric_date,
    currency,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value,
    batch_id
from campaign_days
