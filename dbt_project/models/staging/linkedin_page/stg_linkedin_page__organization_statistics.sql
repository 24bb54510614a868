-- One row per linkedin_page source, account, local day and platform metric; newest landing wins.
{{ stage_daily_account_metrics(source('linkedin_page', 'organization_statistics')) }}
