-- One row per instagram source, account, local day and platform metric; newest landing wins.
{{ stage_daily_account_metrics(source('instagram', 'account_insights')) }}
