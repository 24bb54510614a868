-- Manual metrics per day and source (manual.<name>).
select
    {{ dbt.concat(["'manual.'", "metric_name"]) }} as metric_id,
    metric_date,
    source_name as part,
    {{ exact_sum('value') }} as value
from {{ ref('stg_manual_metrics__rows') }}
group by metric_name, metric_date, source_name
