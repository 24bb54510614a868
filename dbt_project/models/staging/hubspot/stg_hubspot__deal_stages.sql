-- One row per pipeline stage; won/lost comes from stage metadata, never from stage names.
with source as (
    select * from {{ source('hubspot', 'deal_pipelines') }}
),

renamed as (
    select
        _source as source_name,
        pipeline_id,
        pipeline_label,
        stage_id,
        stage_label,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'pipeline_id', 'stage_id']) }}
)

select
    source_name,
    pipeline_id,
    pipeline_label,
    stage_id,
    stage_label,
    is_closed,
    is_won,
    batch_id
from newest
