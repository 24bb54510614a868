-- One row per deal (newest landed version), with dates in the business time zone.
-- original_source: HubSpot's original source of the deal (null when it has none, then
-- contact_ids lists its associated contacts, whose source stands in; null in batches landed
-- before deal_source was extracted).
-- Incremental: only batches landed since the last build are read (macro only_new_batches);
-- a change of the reporting time zone rebuilds it from all of landing (decision 37).
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'deal_id'],
        on_schema_change='append_new_columns'
    )
}}

with source as (
    select * from {{ source('hubspot', 'deals') }}
    {{ only_new_batches() }}
),

run_context as (
    select timezone from {{ ref('stg_scorecard_config__run_contexts') }}
),

renamed as (
    select
        source._source as source_name,
        source.deal_id,
        source.pipeline_id,
        source.stage_id,
        cast(source.amount as double) as amount,
        upper(cast(source.currency as string)) as currency,
        source.created_at,
        source.closed_at,
        source.modified_at,
        source.original_source,
        source.contact_ids,
        {{ to_local_date('source.created_at', 'run_context.timezone') }} as created_date,
        {{ to_local_date('source.closed_at', 'run_context.timezone') }} as closed_date,
        source._extracted_at as extracted_at,
        source._batch_id as batch_id
    from source
    cross join run_context
),

newest as (
    {{ newest_version('renamed', ['source_name', 'deal_id']) }}
)

select
    source_name,
    deal_id,
    pipeline_id,
    stage_id,
    amount,
    currency,
    created_at,
    closed_at,
    modified_at,
    original_source,
    contact_ids,
    created_date,
    closed_date,
    extracted_at,
    batch_id
from newest
