-- ★ scorecard.metric_values: every metric at every grain, one row per (metric_id, grain, period_start).
select
    metric_id,
    grain,
    period_start,
    period_end,
    value
from {{ ref('int_metric_values') }}
