/*
  CRM metrics per local day and CRM source (part) (crm.*). Event counts are dense: a day inside
  the extracted range with no new lead or closed deal is 0, not missing. Won/lost comes from
  stage metadata. crm.pipeline_value is a stock: the open deals' amount on each snapshot day.
*/
with contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),

stages as (
    select * from {{ ref('stg_hubspot__deal_stages') }}
),

snapshots as (
    select * from {{ ref('stg_hubspot__open_deal_snapshots') }}
),

closed_deals as (
    select
        deals.source_name,
        deals.closed_date,
        deals.amount,
        stages.is_won,
        {{ dbt.datediff('deals.created_date', 'deals.closed_date', 'day') }} as days_open
    from deals
    inner join stages
        on
            deals.source_name = stages.source_name
            and deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    where stages.is_closed and deals.closed_date is not null
),

events as (
    select
        source_name,
        'crm.leads_created' as metric_id,
        created_date as metric_date,
        1.0 as value
    from contacts
    {% for metric_id, expression, condition in [
        ('crm.deals_won', '1.0', 'is_won'),
        ('crm.deals_lost', '1.0', 'not is_won'),
        ('crm.won_revenue', 'coalesce(amount, 0)', 'is_won'),
        ('crm.days_to_close', 'days_open', 'is_won'),
    ] %}
        union all
        select
            source_name,
            '{{ metric_id }}' as metric_id,
            closed_date as metric_date,
            {{ expression }} as value
        from closed_deals
        where {{ condition }}
    {% endfor %}
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
    snapshot_date as metric_date,
    source_name as part,
    {{ exact_sum('amount') }} as value
from snapshots
group by snapshot_date, source_name
