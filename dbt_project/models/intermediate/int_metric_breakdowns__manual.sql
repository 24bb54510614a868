/*
  Manual metrics per day, source and member of the dimensions typed in the sheets (DESIGN
  §5a). A day's members are the member rows of the file that speaks for it; a day of a metric
  without members of a dimension the source's sheets use for that metric elsewhere is member
  '(not set)' with the day's whole value, so the members add up to the total in every period
  (a breakdown typed from March on leaves January and February unassigned, not missing). A
  stock (`last`) member has a value on every day its metric has members (0 when not typed), so
  a period's last day decides every member, as it decides the total.
*/
with totals as (
    select * from {{ ref('stg_manual_metrics__rows') }}
),

member_rows as (
    select * from {{ ref('stg_manual_metrics__sheet_rows') }}
    where dimension is not null
),

typed_dimensions as (
    select distinct
        source_name,
        metric_name,
        dimension
    from member_rows
),

unassigned as (
    select
        totals.source_name,
        totals.metric_date,
        totals.metric_name,
        typed_dimensions.dimension,
        '(not set)' as member,
        totals.value
    from totals
    inner join typed_dimensions
        on
            totals.source_name = typed_dimensions.source_name
            and totals.metric_name = typed_dimensions.metric_name
    where not exists (
        select 1
        from member_rows
        where
            member_rows.source_name = totals.source_name
            and member_rows.metric_date = totals.metric_date
            and member_rows.metric_name = totals.metric_name
            and member_rows.dimension = typed_dimensions.dimension
    )
),

members as (
    select
        source_name,
        metric_date,
        metric_name,
        dimension,
        member,
        value
    from member_rows
    union all
    select
        source_name,
        metric_date,
        metric_name,
        dimension,
        member,
        value
    from unassigned
),

daily as (
    select
        {{ dbt.concat(["'manual.'", "metric_name"]) }} as metric_id,
        metric_date,
        source_name as part,
        dimension,
        member,
        {{ exact_sum('value') }} as value
    from members
    group by metric_name, metric_date, source_name, dimension, member
),

-- a stock member that stops drops to 0 (with_stock_zeros)
dense as (
    {{ with_stock_zeros('daily') }}
)

select * from dense
