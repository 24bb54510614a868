-- A sourced period total must start where its calendar period starts (weeks on Mondays,
-- months on the 1st, ...); a misaligned one would never join the periods KPIs are built on.
-- Returns the offending rows: the test fails when there are any.
select
    source_name,
    property_id,
    grain,
    period_start,
    source_metric
from {{ ref('stg_ga4__period_totals') }}
where
    (grain = 'week' and period_start <> cast({{ dbt.date_trunc('week', 'period_start') }} as date))
    or (grain = 'month' and period_start <> cast({{ dbt.date_trunc('month', 'period_start') }} as date))
    or (grain = 'quarter' and period_start <> cast({{ dbt.date_trunc('quarter', 'period_start') }} as date))
    or (grain = 'year' and period_start <> cast({{ dbt.date_trunc('year', 'period_start') }} as date))
