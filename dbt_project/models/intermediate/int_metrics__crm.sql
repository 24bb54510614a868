/*
  CRM metrics per local day and CRM source (part) (crm.*). Event counts are dense: a day inside
  the extracted range with no new lead or closed deal is 0, not missing. Won/lost comes from
  stage metadata. crm.pipeline_value is a stock: the open deals' amount on each snapshot day.
  The facts are int_crm__metric_events, which int_metric_breakdowns__crm splits by member.
*/
with contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

events as (
    select * from {{ ref('int_crm__metric_events') }}
),

event_metrics as (
    {% for metric_id in ['crm.leads_created', 'crm.deals_won', 'crm.deals_lost',
                         'crm.won_revenue', 'crm.days_to_close'] %}
        select '{{ metric_id }}' as metric_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

days as (
    {{ date_spine(
        "(select min(created_date) from contacts)",
        "(select max(window_end) from contacts)"
    ) }}
),

parts as (
    select distinct source_name from contacts
),

daily_events as (
    select
        source_name,
        metric_id,
        metric_date,
        {{ exact_sum('value') }} as value
    from events
    where metric_id != 'crm.pipeline_value'
    group by source_name, metric_id, metric_date
),

dense as (
    select
        event_metrics.metric_id,
        days.date_day as metric_date,
        parts.source_name as part,
        coalesce(daily_events.value, 0) as value
    from days
    cross join event_metrics
    cross join parts
    left join daily_events
        on
            event_metrics.metric_id = daily_events.metric_id
            and days.date_day = daily_events.metric_date
            and parts.source_name = daily_events.source_name
)

select
    metric_id,
    metric_date,
    part,
    value
from dense

union all

select
    'crm.pipeline_value' as metric_id,
    metric_date,
    source_name as part,
    {{ exact_sum('value') }} as value
from events
where metric_id = 'crm.pipeline_value'
group by metric_date, source_name
