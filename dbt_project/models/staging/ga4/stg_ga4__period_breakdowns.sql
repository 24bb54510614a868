-- Non-additive GA4 metrics (distinct users) per calendar period, breakdown dimension and
-- member, as GA4 counts them. The newest batch of a (property, period, dimension) replaces
-- all its members, as in stg_ga4__daily_breakdowns.
with source as (
    select * from {{ source('ga4', 'period_breakdowns') }}
),

renamed as (
    select
        _source as source_name,
        property_id,
        grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        dimension,
        member,
        metric as source_metric,
        cast(value as double) as value,
        coalesce(data_loss_from_other_row, false) as data_loss_from_other_row,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_batch('renamed', ['source_name', 'property_id', 'grain', 'period_start', 'dimension']) }}
)

select
    source_name,
    property_id,
    grain,
    period_start,
    period_end,
    dimension,
    member,
    source_metric,
    value,
    data_loss_from_other_row,
    extracted_at,
    batch_id
from newest
