/*
  Where each paid-media metric value came from: per metric, day, ad source, ad account and
  landing batch, the value of the batch's campaign days in the reporting currency (as
  int_metrics__ads adds them up) and the campaign days used — each feeds every ads.* metric.
*/
with converted as (
    select
        *,
        -- the stream each platform lands its campaign days in (connectors/<type>)
        case platform
            when 'google_ads' then 'campaign_metrics'
            when 'meta_ads' then 'campaign_insights'
            when 'linkedin_ads' then 'campaign_analytics'
        end as stream
    from {{ ref('int_ads__converted_days') }}
)

{% for metric in ['spend', 'impressions', 'clicks', 'conversions', 'conversion_value'] %}
    {% if not loop.first %}union all{% endif %}
    select
        cast('ads.{{ metric }}' as string) as metric_id,
        'day' as grain,
        metric_date as period_start,
        metric_date as period_end,
        source_name,
        cast(account_id as string) as account,
        stream,
        batch_id,
        {{ exact_sum(metric) }} as value,
        count(*) as metric_rows,
        count(*) as rows_used
    from converted
    group by metric_date, source_name, account_id, stream, batch_id
{% endfor %}
