-- One row per GA4 source, property, day, breakdown dimension, member and GA4 metric.
-- A batch lands every member of a dimension for its days, and a member may vanish when GA4
-- restates (or fold into '(other)'), so the newest batch of a (property, day, dimension)
-- replaces all its members rather than member by member. Incremental: delete+insert on that
-- key does the replacing for batches landed since the last build.
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'property_id', 'metric_date', 'dimension'],
        on_schema_change='append_new_columns'
    )
}}

with source as (
    select * from {{ source('ga4', 'daily_breakdowns') }}
    {{ only_new_batches() }}
),

renamed as (
    select
        _source as source_name,
        property_id,
        cast(date as date) as metric_date,
        dimension,
        member,
        metric as source_metric,
        cast(value as double) as value,
        coalesce(data_loss_from_other_row, false) as data_loss_from_other_row,
        coalesce(subject_to_thresholding, false) as subject_to_thresholding,
        upper(cast(currency_code as string)) as currency,
        coalesce(sampled, false) as sampled,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_batch('renamed', ['source_name', 'property_id', 'metric_date', 'dimension']) }}
)

select
    source_name,
    property_id,
    metric_date,
    dimension,
    member,
    source_metric,
    value,
    data_loss_from_other_row,
    subject_to_thresholding,
    currency,
    sampled,
    window_end,
    extracted_at,
    batch_id
from newest
