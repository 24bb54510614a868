/*
  Where each metric of a configured JSON API came from: per metric, day, source, endpoint (the
  account) and landing batch, the value of the newest extraction of each record (like
  int_metrics__rest_api) and the record rows of that batch, endpoint and day used.
*/
with records as (
    select * from {{ ref('stg_rest_api__metric_records') }}
),

versions as (
    select
        *,
        max(extracted_at) over (
            partition by source_name, endpoint, record_key
        ) as newest_extracted_at
    from records
),

per_metric as (
    select
        metric_id,
        metric_date,
        source_name,
        endpoint,
        batch_id,
        {{ exact_sum('value') }} as value,
        count(*) as metric_rows
    from versions
    where extracted_at = newest_extracted_at and value is not null
    group by metric_id, metric_date, source_name, endpoint, batch_id
)

select
    metric_id,
    'day' as grain,
    metric_date as period_start,
    metric_date as period_end,
    source_name,
    cast(endpoint as string) as account,
    'api_metric_records' as stream,
    batch_id,
    value,
    metric_rows,
    sum(metric_rows) over (partition by source_name, endpoint, metric_date, batch_id) as rows_used
from per_metric
