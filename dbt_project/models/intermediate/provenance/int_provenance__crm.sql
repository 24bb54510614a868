/*
  Where each CRM metric value came from, per metric, day, CRM source (the account: one portal
  per source) and landing batch, like int_metrics__crm: contacts by creation day, closed deals
  by close day, open-deal snapshots by snapshot day — each with the value of the batch's staged
  rows and the staged rows used. The pipeline stages that made a deal won or lost are used too:
  their batch appears on the deal's close day with no value and no row count of its own (the
  same stage rows qualify deals on many days: counted per day, they would add up again).
  Event days outside the CRM model's range (first contact to the contacts' last window end)
  are left out there, so here too.
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
    select
        snapshots.source_name,
        snapshots.snapshot_date,
        snapshots.batch_id,
        -- in the reporting currency, as int_crm__metric_events counts it
        {{ in_reporting_currency('snapshots.amount', 'snapshots.currency') }} as amount
    from {{ ref('stg_hubspot__open_deal_snapshots') }} as snapshots
    cross join {{ ref('stg_scorecard_config__run_contexts') }} as run_context
    left join {{ ref('int_currency_conversions') }} as conversions
        on {{ currency_conversion_on('snapshots.source_name', 'snapshots.currency', 'snapshots.snapshot_date') }}
),

day_range as (
    select
        min(created_date) as first_day,
        max(window_end) as last_day
    from contacts
),

parts as (
    select distinct source_name from contacts
),

leads as (
    select
        contacts.source_name,
        contacts.created_date as metric_date,
        contacts.batch_id,
        count(*) as value
    from contacts
    cross join day_range
    where contacts.created_date between day_range.first_day and day_range.last_day
    group by contacts.source_name, contacts.created_date, contacts.batch_id
),

closed_deals as (
    select
        deals.source_name,
        deals.closed_date as metric_date,
        deals.batch_id,
        stages.batch_id as stage_batch_id,
        stages.is_won,
        {{ in_reporting_currency('deals.amount', 'deals.currency') }} as amount,
        {{ dbt.datediff('deals.created_date', 'deals.closed_date', 'day') }} as days_open
    from deals
    inner join stages
        on
            deals.source_name = stages.source_name
            and deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    inner join parts on deals.source_name = parts.source_name
    cross join day_range
    cross join {{ ref('stg_scorecard_config__run_contexts') }} as run_context
    left join {{ ref('int_currency_conversions') }} as conversions
        on {{ currency_conversion_on('deals.source_name', 'deals.currency', 'deals.closed_date') }}
    where
        stages.is_closed
        and deals.closed_date between day_range.first_day and day_range.last_day
),

deal_events as (
    {% for metric_id, expression, condition in [
        ('crm.deals_won', '1.0', 'is_won'),
        ('crm.deals_lost', '1.0', 'not is_won'),
        ('crm.won_revenue', 'coalesce(amount, 0)', 'is_won'),
        ('crm.days_to_close', 'days_open', 'is_won'),
    ] %}
        select
            '{{ metric_id }}' as metric_id,
            source_name,
            metric_date,
            batch_id,
            stage_batch_id,
            {{ expression }} as value
        from closed_deals
        where {{ condition }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

deal_rows as (
    select
        source_name,
        metric_date,
        batch_id,
        count(*) as rows_used
    from closed_deals
    group by source_name, metric_date, batch_id
),

provenance as (
    select
        'crm.leads_created' as metric_id,
        metric_date,
        source_name,
        'contacts' as stream,
        batch_id,
        cast(value as double) as value,
        value as metric_rows,
        value as rows_used
    from leads

    union all

    select
        deal_events.metric_id,
        deal_events.metric_date,
        deal_events.source_name,
        'deals' as stream,
        deal_events.batch_id,
        {{ exact_sum('deal_events.value') }} as value,
        count(*) as metric_rows,
        max(deal_rows.rows_used) as rows_used
    from deal_events
    inner join deal_rows
        on
            deal_events.source_name = deal_rows.source_name
            and deal_events.metric_date = deal_rows.metric_date
            and deal_events.batch_id = deal_rows.batch_id
    group by deal_events.metric_id, deal_events.metric_date, deal_events.source_name, deal_events.batch_id

    union all

    select distinct
        metric_id,
        metric_date,
        source_name,
        'deal_pipelines' as stream,
        stage_batch_id as batch_id,
        cast(null as double) as value,
        cast(null as bigint) as metric_rows,
        cast(null as bigint) as rows_used
    from deal_events

    union all

    select
        'crm.pipeline_value' as metric_id,
        snapshot_date as metric_date,
        source_name,
        'open_deal_snapshots' as stream,
        batch_id,
        {{ exact_sum('amount') }} as value,
        count(*) as metric_rows,
        count(*) as rows_used
    from snapshots
    group by snapshot_date, source_name, batch_id
)

select
    metric_id,
    'day' as grain,
    metric_date as period_start,
    metric_date as period_end,
    source_name,
    source_name as account,
    stream,
    batch_id,
    value,
    metric_rows,
    rows_used
from provenance
