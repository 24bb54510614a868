/*
  Metrics of configured JSON APIs per day, source and member of the record fields their
  endpoints declare as dimensions (DESIGN §5a): the values int_metrics__rest_api adds up (each
  record's newest extraction, null values left out), each in its record's member. A record
  extracted without a field, or before its endpoint declared the dimension, is member
  '(not set)', so the members of every dimension add up to the total. A stock (`last`)
  member has a value on every day its metric has members (0 without a record that day).
*/
with records as (
    select * from {{ ref('stg_rest_api__metric_records') }}
),

members as (
    select * from {{ ref('stg_rest_api__record_members') }}
),

versions as (
    select
        *,
        max(extracted_at) over (
            partition by source_name, endpoint, record_key
        ) as newest_extracted_at
    from records
),

current_values as (
    select * from versions
    where extracted_at = newest_extracted_at and value is not null
),

endpoint_dimensions as (
    select distinct
        source_name,
        endpoint,
        dimension
    from members
),

split as (
    select
        current_values.metric_id,
        current_values.metric_date,
        current_values.source_name,
        endpoint_dimensions.dimension,
        coalesce(members.member, '(not set)') as member,
        current_values.value
    from current_values
    inner join endpoint_dimensions
        on
            current_values.source_name = endpoint_dimensions.source_name
            and current_values.endpoint = endpoint_dimensions.endpoint
    left join members
        on
            current_values.source_name = members.source_name
            and current_values.endpoint = members.endpoint
            and current_values.record_key = members.record_key
            and current_values.batch_id = members.batch_id
            and endpoint_dimensions.dimension = members.dimension
),

daily as (
    select
        metric_id,
        metric_date,
        source_name as part,
        dimension,
        member,
        {{ exact_sum('value') }} as value
    from split
    group by metric_id, metric_date, source_name, dimension, member
),

-- a stock member that stops drops to 0 (with_stock_zeros)
dense as (
    {{ with_stock_zeros('daily') }}
)

select * from dense
