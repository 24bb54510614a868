-- One row per contact (newest landed version). Landing holds no personal data by design;
-- original_source is HubSpot's channel category of the contact (ORGANIC_SEARCH, ...).
-- Incremental: only batches landed since the last build are read (macro only_new_batches);
-- a change of the reporting time zone rebuilds it from all of landing (decision 37).
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'contact_id'],
        on_schema_change='append_new_columns'
    )
}}

with source as (
    select * from {{ source('hubspot', 'contacts') }}
    {{ only_new_batches() }}
),

run_context as (
    select timezone from {{ ref('stg_scorecard_config__run_contexts') }}
),

renamed as (
    select
        source._source as source_name,
        source.contact_id,
        source.lifecycle_stage,
        source.created_at,
        source.modified_at,
        source.original_source,
        {{ to_local_date('source.created_at', 'run_context.timezone') }} as created_date,
        source._window_end as window_end,
        source._extracted_at as extracted_at,
        source._batch_id as batch_id
    from source
    cross join run_context
),

newest as (
    {{ newest_version('renamed', ['source_name', 'contact_id']) }}
)

select
    source_name,
    contact_id,
    lifecycle_stage,
    created_at,
    modified_at,
    original_source,
    created_date,
    window_end,
    extracted_at,
    batch_id
from newest
