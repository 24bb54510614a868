-- Non-additive GA4 metrics as reported per calendar period; newest landing wins.
with source as (
    select * from {{ source('ga4', 'period_totals') }}
),

renamed as (
    select
        _source as source_name,
        property_id,
        grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        metric as source_metric,
        cast(value as double) as value,
        coalesce(subject_to_thresholding, false) as subject_to_thresholding,
        coalesce(data_loss_from_other_row, false) as data_loss_from_other_row,
        coalesce(sampled, false) as sampled,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'property_id', 'grain', 'period_start', 'source_metric']) }}
)

select
    source_name,
    property_id,
    grain,
    period_start,
    period_end,
    source_metric,
    value,
    subject_to_thresholding,
    data_loss_from_other_row,
    sampled,
    extracted_at,
    batch_id
from newest
