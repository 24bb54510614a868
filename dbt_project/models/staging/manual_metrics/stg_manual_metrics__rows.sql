-- One row per manual source, date and metric; a value typed again in a newer file wins.
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
        _file_name as file_name,
        cast(line_number as integer) as line_number,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'metric_date', 'metric_name']) }}
)

select
    source_name,
    metric_date,
    metric_name,
    value,
    note,
    file_name,
    line_number,
    batch_id
from newest
