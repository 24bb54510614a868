/*
  ★ scorecard.latest: per KPI and grain, the newest complete period of kpi_values. has_value says
  whether that period has a value yet: for a day grain the newest complete day is often one the
  ledger or a manual sheet has not reached (docs/metrics.md shows how to pick the newest period
  with data instead).
*/
with kpi_values as (
    select * from {{ ref('fct_kpi_values') }}
),

newest as (
    select
        kpi_id,
        grain,
        max(period_start) as period_start
    from kpi_values
    where is_complete
    group by kpi_id, grain
)

select
    kpi_values.*,
    kpi_values.value is not null as has_value
from kpi_values
inner join newest
    on
        kpi_values.kpi_id = newest.kpi_id
        and kpi_values.grain = newest.grain
        and kpi_values.period_start = newest.period_start
