-- One row per extraction day and open deal: the pipeline as it stood at the end of that day.
with source as (
    select * from {{ source('hubspot', 'open_deal_snapshots') }}
),

renamed as (
    select
        _source as source_name,
        cast(snapshot_date as date) as snapshot_date,
        deal_id,
        pipeline_id,
        stage_id,
        cast(amount as double) as amount,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'snapshot_date', 'deal_id']) }}
)

select
    source_name,
    snapshot_date,
    deal_id,
    pipeline_id,
    stage_id,
    amount
from newest
