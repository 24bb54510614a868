-- One row per meta_ads source, account, campaign and local day; newest landing wins.
{{ stage_ad_campaign_days(source('meta_ads', 'campaign_insights'), 'meta_ads', 'Paid Social') }}
