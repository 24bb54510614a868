/*
  Where each manual metric value came from: per metric, day, manual source (the account: one
  sheet per source) and landing batch (the sheet file whose row wins), the value and the rows
  of that batch and day used (each row feeds exactly one metric).
*/
with per_metric as (
    select
        {{ dbt.concat(["'manual.'", "metric_name"]) }} as metric_id,
        metric_date,
        source_name,
        batch_id,
        {{ exact_sum('value') }} as value,
        count(*) as metric_rows
    from {{ ref('stg_manual_metrics__rows') }}
    group by metric_name, metric_date, source_name, batch_id
)

select
    metric_id,
    'day' as grain,
    metric_date as period_start,
    metric_date as period_end,
    source_name,
    source_name as account,
    'manual_rows' as stream,
    batch_id,
    value,
    metric_rows,
    sum(metric_rows) over (partition by source_name, metric_date, batch_id) as rows_used
from per_metric
