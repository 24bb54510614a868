-- One row per extraction day and open deal: the pipeline as it stood at the end of that day.
-- Incremental: only batches landed since the last build are read (macro only_new_batches).
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'snapshot_date', 'deal_id'],
        on_schema_change='append_new_columns'
    )
}}

with source as (
    select * from {{ source('hubspot', 'open_deal_snapshots') }}
    {{ only_new_batches() }}
),

renamed as (
    select
        _source as source_name,
        cast(snapshot_date as date) as snapshot_date,
        deal_id,
        pipeline_id,
        stage_id,
        cast(amount as double) as amount,
        upper(cast(currency as string)) as currency,
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
    amount,
    currency,
    extracted_at,
    batch_id
from newest
