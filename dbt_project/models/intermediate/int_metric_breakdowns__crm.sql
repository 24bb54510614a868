/*
  CRM metrics per local day, source (part) and member of deal_source and pipeline (DESIGN
  §5a), from the same facts as the totals (int_crm__metric_events), so the members of a sum
  metric add up to its total. Leads have no pipeline row: a contact is in no pipeline.

  crm.pipeline_value is a stock (the open deals' amount at the end of each snapshot day):
  every member the source's open deals have had gets a row on every snapshot day, 0 when none
  of its deals is open, so a member's last value in a period is the one of the part's last
  snapshot day, as for the total; a member whose deals all closed drops to 0 instead of keeping
  its last open amount.
*/
with events as (
    select * from {{ ref('int_crm__metric_events') }}
),

by_member as (
    select
        source_name,
        metric_id,
        metric_date,
        'deal_source' as dimension,
        deal_source as member,
        value
    from events
    union all
    select
        source_name,
        metric_id,
        metric_date,
        'pipeline' as dimension,
        pipeline as member,
        value
    from events
    where pipeline is not null
),

flows as (
    select
        metric_id,
        metric_date,
        source_name as part,
        dimension,
        member,
        {{ exact_sum('value') }} as value
    from by_member
    where metric_id != 'crm.pipeline_value'
    group by metric_id, metric_date, source_name, dimension, member
),

stock as (
    select
        source_name,
        metric_date,
        dimension,
        member,
        {{ exact_sum('value') }} as value
    from by_member
    where metric_id = 'crm.pipeline_value'
    group by source_name, metric_date, dimension, member
),

snapshot_days as (
    select distinct
        source_name,
        metric_date
    from stock
),

stock_members as (
    select distinct
        source_name,
        dimension,
        member
    from stock
),

dense_stock as (
    select
        'crm.pipeline_value' as metric_id,
        snapshot_days.metric_date,
        snapshot_days.source_name as part,
        stock_members.dimension,
        stock_members.member,
        coalesce(stock.value, 0) as value
    from snapshot_days
    inner join stock_members on snapshot_days.source_name = stock_members.source_name
    left join stock
        on
            snapshot_days.source_name = stock.source_name
            and snapshot_days.metric_date = stock.metric_date
            and stock_members.dimension = stock.dimension
            and stock_members.member = stock.member
)

select * from flows
union all
select * from dense_stock
