/*
  One row per CRM fact that feeds a crm.* metric, with the members it is broken down by
  (DESIGN §5a): a lead (a contact created: crm.leads_created), a deal closed won or lost (its
  count, revenue and days to close, by close date) and an open deal on a snapshot day
  (crm.pipeline_value). int_metrics__crm adds these up to the totals and
  int_metric_breakdowns__crm per member, so every fact in a total is in exactly one member.

  deal_source: HubSpot's original source of the deal; for a deal without one (created before a
  contact was linked), the source of its earliest-created associated contact that has one;
  else '(not set)'. A lead's deal_source is the contact's own original source.
  pipeline: the label of the deal's pipeline; null for leads (a contact is in no pipeline).
  Leads and closed deals outside the extracted days (the first contact's day to the last
  contacts window) or of a source without contacts are left out, as the totals leave them out.
  Contact ids stay here: only channel categories and pipeline labels go further.
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

-- amounts convert from the deal's currency to the reporting currency (close or snapshot day)
run_context as (
    select currency from {{ ref('stg_scorecard_config__run_contexts') }}
),

conversions as (
    select * from {{ ref('int_currency_conversions') }}
),

-- the days and sources the dense totals cover
extracted as (
    select
        min(created_date) as first_day,
        max(window_end) as last_day
    from contacts
),

parts as (
    select distinct source_name from contacts
),

pipelines as (
    select
        source_name,
        pipeline_id,
        max(pipeline_label) as pipeline_label
    from stages
    group by source_name, pipeline_id
),

deal_contacts as (
    select
        source_name,
        deal_id,
        {{ list_elements('contact_ids') }} as contact_id
    from deals
    where original_source is null
),

contact_sources as (
    select
        deal_contacts.source_name,
        deal_contacts.deal_id,
        contacts.original_source,
        row_number() over (
            partition by deal_contacts.source_name, deal_contacts.deal_id
            order by contacts.created_at, contacts.contact_id
        ) as contact_rank
    from deal_contacts
    inner join contacts
        on
            deal_contacts.source_name = contacts.source_name
            and deal_contacts.contact_id = contacts.contact_id
    where contacts.original_source is not null
),

deal_sources as (
    select
        deals.source_name,
        deals.deal_id,
        coalesce(deals.original_source, contact_sources.original_source, '(not set)')
            as deal_source
    from deals
    left join contact_sources
        on
            deals.source_name = contact_sources.source_name
            and deals.deal_id = contact_sources.deal_id
            and contact_sources.contact_rank = 1
),

closed_deals as (
    select
        deals.source_name,
        deals.deal_id,
        deals.closed_date,
        {{ in_reporting_currency('deals.amount', 'deals.currency') }} as amount,
        stages.is_won,
        {{ dbt.datediff('deals.created_date', 'deals.closed_date', 'day') }} as days_open,
        deal_sources.deal_source,
        coalesce(pipelines.pipeline_label, deals.pipeline_id) as pipeline
    from deals
    inner join stages
        on
            deals.source_name = stages.source_name
            and deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    inner join deal_sources
        on deals.source_name = deal_sources.source_name and deals.deal_id = deal_sources.deal_id
    left join pipelines
        on deals.source_name = pipelines.source_name and deals.pipeline_id = pipelines.pipeline_id
    cross join run_context
    left join conversions
        on {{ currency_conversion_on('deals.source_name', 'deals.currency', 'deals.closed_date') }}
    where stages.is_closed and deals.closed_date is not null
),

flows as (
    select
        source_name,
        'crm.leads_created' as metric_id,
        created_date as metric_date,
        contact_id as record_id,
        1.0 as value,
        coalesce(original_source, '(not set)') as deal_source,
        cast(null as string) as pipeline
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
            deal_id as record_id,
            {{ expression }} as value,
            deal_source,
            pipeline
        from closed_deals
        where {{ condition }}
    {% endfor %}
)

select
    flows.source_name,
    flows.metric_id,
    flows.metric_date,
    flows.record_id,
    cast(flows.value as double) as value,
    flows.deal_source,
    flows.pipeline
from flows
cross join extracted
inner join parts on flows.source_name = parts.source_name
where flows.metric_date between extracted.first_day and extracted.last_day

union all

select
    snapshots.source_name,
    'crm.pipeline_value' as metric_id,
    snapshots.snapshot_date as metric_date,
    snapshots.deal_id as record_id,
    cast({{ in_reporting_currency('snapshots.amount', 'snapshots.currency') }} as double) as value,
    coalesce(deal_sources.deal_source, '(not set)') as deal_source,
    coalesce(pipelines.pipeline_label, snapshots.pipeline_id, '(not set)') as pipeline
from snapshots
left join deal_sources
    on
        snapshots.source_name = deal_sources.source_name
        and snapshots.deal_id = deal_sources.deal_id
left join pipelines
    on
        snapshots.source_name = pipelines.source_name
        and snapshots.pipeline_id = pipelines.pipeline_id
cross join run_context
left join conversions
    on {{ currency_conversion_on('snapshots.source_name', 'snapshots.currency', 'snapshots.snapshot_date') }}
