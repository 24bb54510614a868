/*
  The rows that speak for each manual source, date and metric: all rows of the newest landed
  file that has any for that date and metric — its total row (dimension and member null) and
  its member rows. A newer sheet replaces a date and metric whole, so a total typed again
  without its members (or the other way round) never mixes with an older file's rows. The
  parser has checked that a file's members add up to its total (connectors.manual_metrics.
  members); sheets landed before the dimension columns existed have total rows only.
*/
with source as (
    select * from {{ source('manual_metrics', 'manual_rows') }}
),

renamed as (
    select
        _source as source_name,
        cast(date as date) as metric_date,
        metric as metric_name,
        cast(value as double) as value,
        note,
        dimension,
        member,
        _file_name as file_name,
        cast(line_number as integer) as line_number,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_batch('renamed', ['source_name', 'metric_date', 'metric_name']) }}
)

select
    source_name,
    metric_date,
    metric_name,
    dimension,
    member,
    value,
    note,
    file_name,
    line_number,
    extracted_at,
    batch_id
from newest
