-- One row per facebook_page source, account, local day and platform metric; newest landing wins.
{{ stage_daily_account_metrics(source('facebook_page', 'page_insights')) }}
