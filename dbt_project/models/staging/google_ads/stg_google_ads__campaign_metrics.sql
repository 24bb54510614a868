-- One row per google_ads source, account, campaign and local day; newest landing wins.
{{ stage_ad_campaign_days(source('google_ads', 'campaign_metrics'), 'google_ads', 'Paid Search') }}
