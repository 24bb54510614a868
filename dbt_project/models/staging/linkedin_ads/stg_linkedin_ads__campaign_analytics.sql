-- One row per linkedin_ads source, account, campaign and local day; newest landing wins.
{{ stage_ad_campaign_days(source('linkedin_ads', 'campaign_analytics'), 'linkedin_ads', 'Paid Social') }}
