{#-
  Daily member rows (metric_id, metric_date, part, dimension, member, value) with the members of
  stock metrics (additivity `last`) made dense: every member a part has had for a metric and
  dimension gets a row on every day the part has a value for them, 0 when the member has none
  that day. A stock member rolls up to its part's value on its own last day; without the zeros
  a member that stopped (a team no longer typed, a list no longer reported) would keep its last
  value and a period's members would exceed the total. Other metrics pass through unchanged.
-#}
{% macro with_stock_zeros(relation) -%}
    with member_days as (
        select * from {{ relation }}
    ),

    stocks as (
        select member_days.*
        from member_days
        inner join {{ ref('int_metric_registry') }} as registry
            on member_days.metric_id = registry.metric_id
        where registry.additivity = 'last'
    ),

    stock_days as (
        select distinct
            metric_id,
            metric_date,
            part,
            dimension
        from stocks
    ),

    stock_members as (
        select distinct
            metric_id,
            part,
            dimension,
            member
        from stocks
    ),

    zeros as (
        select
            stock_days.metric_id,
            stock_days.metric_date,
            stock_days.part,
            stock_days.dimension,
            stock_members.member,
            0 as value
        from stock_days
        inner join stock_members
            on
                stock_days.metric_id = stock_members.metric_id
                and stock_days.part = stock_members.part
                and stock_days.dimension = stock_members.dimension
    ),

    padded as (
        select
            metric_id,
            metric_date,
            part,
            dimension,
            member,
            value
        from member_days
        union all
        select
            metric_id,
            metric_date,
            part,
            dimension,
            member,
            value
        from zeros
    )

    select
        metric_id,
        metric_date,
        part,
        dimension,
        member,
        {{ exact_sum('value') }} as value
    from padded
    group by metric_id, metric_date, part, dimension, member
{%- endmacro %}
