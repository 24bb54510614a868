-- Campaign days with money in the reporting currency (int_currency_conversions); a day whose
-- currency has no rate is left out here and fails the gate (metrics.currency_rates).
with campaign_days as (
    select * from {{ ref('int_ads__campaign_days') }}
),

conversions as (
    select * from {{ ref('int_currency_conversions') }}
    where has_rate
)

select
    campaign_days.source_name,
    campaign_days.platform,
    campaign_days.channel,
    campaign_days.account_id,
    campaign_days.campaign_id,
    campaign_days.campaign_name,
    campaign_days.metric_date,
    campaign_days.currency,
    conversions.to_reporting,
    cast(campaign_days.spend as double) * conversions.to_reporting as spend,
    cast(campaign_days.impressions as double) as impressions,
    cast(campaign_days.clicks as double) as clicks,
    campaign_days.conversions,
    cast(campaign_days.conversion_value as double) * conversions.to_reporting as conversion_value,
    campaign_days.batch_id
from campaign_days
inner join conversions
    on
        campaign_days.source_name = conversions.source_name
        and campaign_days.currency = conversions.currency
        and campaign_days.metric_date = conversions.amount_date
