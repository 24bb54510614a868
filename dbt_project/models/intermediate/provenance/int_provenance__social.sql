/*
  Where each social metric value came from: per metric, day, platform source, account and
  landing batch, the value of the batch's staged rows and the staged rows used — as
  social.<name> and as the platform's own copy social.<source>.<name>, like int_metrics__social.
*/
with {{ mapped_provenance([
    ('stg_facebook_page__page_insights', 'page_insights'),
    ('stg_instagram__account_insights', 'account_insights'),
    ('stg_linkedin_page__organization_statistics', 'organization_statistics'),
]) }}

select * from mapped_provenance

union all

select
    {{ dbt.concat(["'social.'", "source_name", "'.'", "substring(metric_id, 8)"]) }} as metric_id,
    grain,
    period_start,
    period_end,
    source_name,
    account,
    stream,
    batch_id,
    value,
    metric_rows,
    rows_used
from mapped_provenance
