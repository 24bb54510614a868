-- ★ scorecard.metric_breakdowns: every metric a source breaks down, per dimension member, at
-- every grain (DESIGN §5a). The members of a sum metric add up to its total (a data test).
select
    metric_id,
    grain,
    period_start,
    period_end,
    dimension,
    member,
    value,
    is_other_row
from {{ ref('int_metric_breakdowns') }}
