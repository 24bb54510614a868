-- Paid-media metrics per local day and source (ads.spend, ads.impressions, ads.clicks,
-- ads.conversions, ads.conversion_value), money in the reporting currency; all add up.
{{ ads_metric_rows(ref('int_ads__converted_days'), []) }}
