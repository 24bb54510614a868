/*
  provenance.landing_batches: which landing batch each source's values came from — one row per
  source, account, stream, landing batch, grain and period start: 'day' rows for the days the
  batch's staged rows were used on (staging keeps the newest version of each key, so a batch
  whose rows were all replaced by a later one has no row), and a period grain for values a
  source reports per period (GA4 users). With the batch's extraction time, window, the inbox
  file it was read from (file sources) and its rows; rows_used counts the staged rows of the
  batch behind the account's values that day, metric_rows how many of them each metric adds
  up (null for lookup rows such as CRM pipeline stages, which qualify other rows). The
  landing file is `<source>/<stream>/<extracted_at>_<batch_id>.parquet` (connectors/landing.py).
  Grain at most source × account × stream × batch × day, so it stays small at scale.
*/
with provenance as (
    select * from {{ ref('int_metric_provenance') }}
),

batches as (
    select * from {{ ref('stg_landing__batches') }}
),

used as (
    select
        source_name,
        account,
        stream,
        batch_id,
        grain,
        period_start,
        max(period_end) as period_end,
        max(rows_used) as rows_used,
        {{ map_of_pairs('metric_id', 'metric_rows') }} as metric_rows
    from provenance
    group by source_name, account, stream, batch_id, grain, period_start
)

select
    cast(used.source_name as string) as source_name,
    cast(used.account as string) as account,
    cast(used.stream as string) as stream,
    cast(used.batch_id as string) as batch_id,
    cast(batches.extracted_at as {{ type_timestamp_tz() }}) as extracted_at,
    cast(batches.window_start as date) as window_start,
    cast(batches.window_end as date) as window_end,
    cast(batches.file_name as string) as source_file,
    cast(batches.landed_rows as bigint) as landed_rows,
    cast(used.grain as string) as grain,
    cast(used.period_start as date) as period_start,
    cast(used.period_end as date) as period_end,
    cast(used.rows_used as bigint) as rows_used,
    cast(used.metric_rows as {{ type_map('bigint') }}) as metric_rows
from used
left join batches
    on
        used.source_name = batches.source_name
        and used.stream = batches.stream
        and used.batch_id = batches.batch_id
