-- Manual metrics per day (manual.<name>), several manual sources added.
select
    {{ dbt.concat(["'manual.'", "metric_name"]) }} as metric_id,
    metric_date,
    {{ exact_sum('value') }} as value
from {{ ref('stg_manual_metrics__rows') }}
group by metric_name, metric_date
