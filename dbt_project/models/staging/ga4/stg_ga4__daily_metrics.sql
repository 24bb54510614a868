-- One row per GA4 source, property, day (property time zone) and GA4 metric; newest landing wins.
-- Incremental: only batches landed since the last build are read (macro only_new_batches).
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'property_id', 'metric_date', 'source_metric'],
        on_schema_change='append_new_columns'
    )
}}

with source as (
    select * from {{ source('ga4', 'daily_metrics') }}
    {{ only_new_batches() }}
),

renamed as (
    select
        _source as source_name,
        property_id,
        cast(date as date) as metric_date,
        metric as source_metric,
        cast(value as double) as value,
        coalesce(subject_to_thresholding, false) as subject_to_thresholding,
        upper(cast(currency_code as string)) as currency,
        coalesce(data_loss_from_other_row, false) as data_loss_from_other_row,
        coalesce(sampled, false) as sampled,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'property_id', 'metric_date', 'source_metric']) }}
)

select
    source_name,
    property_id,
    metric_date,
    source_metric,
    value,
    subject_to_thresholding,
    currency,
    data_loss_from_other_row,
    sampled,
    window_end,
    extracted_at,
    batch_id
from newest
