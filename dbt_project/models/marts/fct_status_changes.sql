/*
  ★ scorecard.status_changes: a complete period whose status differs from the period before it
  (both green, amber or red: a KPI that starts or stops having data is not a change of status).
  Provisional periods are kept, flagged: their numbers may still move, so alerts wait for them to
  settle (orchestration/delivery). first_published_at is filled in by the publish step, which
  carries it over from the previous serving file while the change stays the same change.
*/
with kpi_values as (
    select * from {{ ref('fct_kpi_values') }}
    where is_complete
),

compared as (
    select
        kpi_id,
        grain,
        period_start,
        period_end,
        status,
        value,
        target,
        target_low,
        target_high,
        is_provisional,
        lag(status) over (partition by kpi_id, grain order by period_start) as previous_status,
        lag(value) over (partition by kpi_id, grain order by period_start) as previous_value,
        lag(period_end) over (partition by kpi_id, grain order by period_start)
            as previous_period_end
    from kpi_values
)

select
    kpi_id,
    grain,
    period_start,
    period_end,
    previous_status,
    status,
    value,
    previous_value,
    target,
    target_low,
    target_high,
    is_provisional,
    cast(null as {{ type_timestamp_tz() }}) as first_published_at
from compared
where
    status in ('green', 'amber', 'red')
    and previous_status in ('green', 'amber', 'red')
    and status != previous_status
    -- the period right before it (a gap in the periods is no comparison)
    and previous_period_end + interval 1 day = period_start
