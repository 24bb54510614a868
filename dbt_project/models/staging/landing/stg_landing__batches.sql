/*
  One row per landed batch of every stream a connector type records provenance for (dbt var
  scorecard_provenance_streams, from the connectors' provenance_streams): when it was
  extracted, the window it covers, the inbox file it was read from (file sources) and how many
  rows it holds. Its landing file is `<source>/<stream>/<extracted_at>_<batch_id>.parquet`
  (connectors/landing.py), which `scorecard explain` checks is still there.
  Incremental: batches are immutable, so only the batches landed after a stream's newest one
  staged are read; a batch changed or removed rebuilds from all of landing (decision 33).
*/
{{
    config(
        materialized=incremental_where_supported(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'stream', 'batch_id']
    )
}}

{% for landed in var('scorecard_provenance_streams') %}
    select
        cast(landed._source as string) as source_name,
        cast('{{ landed.stream }}' as string) as stream,
        cast(landed._batch_id as string) as batch_id,
        min(landed._extracted_at) as extracted_at,
        cast(min(landed._window_start) as date) as window_start,
        cast(max(landed._window_end) as date) as window_end,
        cast(min(landed._file_name) as string) as file_name,
        count(*) as landed_rows
    from {{ source(landed.source, landed.stream) }} as landed
    {% if is_incremental() %}
        where landed._extracted_at > coalesce(
            (select max(staged.extracted_at) from {{ this }} as staged where staged.stream = '{{ landed.stream }}'),
            cast('1970-01-01 00:00:00+00' as {{ type_timestamp_tz() }})
        )
    {% endif %}
    group by landed._source, landed._batch_id
    {% if not loop.last %}union all{% endif %}
{% else %}
    select
        cast(null as string) as source_name,
        cast(null as string) as stream,
        cast(null as string) as batch_id,
        cast(null as {{ type_timestamp_tz() }}) as extracted_at,
        cast(null as date) as window_start,
        cast(null as date) as window_end,
        cast(null as string) as file_name,
        cast(null as bigint) as landed_rows
    where false
{% endfor %}
