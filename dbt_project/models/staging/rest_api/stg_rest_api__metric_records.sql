-- One row per extraction of a rest_api record and metric, renamed and typed. Every extraction
-- is kept: int_metrics__rest_api keeps each record's newest one (restatements replace).
with source as (
    select * from {{ source('rest_api', 'api_metric_records') }}
)

select
    _source as source_name,
    endpoint,
    record_key,
    cast(date as date) as metric_date,
    metric as metric_id,
    cast(value as double) as value,
    _extracted_at as extracted_at,
    _batch_id as batch_id
from source
