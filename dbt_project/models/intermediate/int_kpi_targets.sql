/*
  The target that applies to each KPI period. Targets are entries effective from a date; for a
  period the entry with the latest `effective_from` <= period start applies, and only the grains
  that entry names have a target (nothing is derived for the others).
*/
with targets as (
    select * from {{ ref('stg_scorecard_config__kpi_targets') }}
),

kpi_periods as (
    select
        kpis.kpi_id,
        periods.grain,
        periods.period_start
    from {{ ref('stg_scorecard_config__kpis') }} as kpis
    cross join {{ ref('int_periods') }} as periods
),

entries as (
    select distinct
        kpi_id,
        effective_from
    from targets
),

applicable as (
    select
        kpi_periods.kpi_id,
        kpi_periods.grain,
        kpi_periods.period_start,
        max(entries.effective_from) as effective_from
    from kpi_periods
    inner join entries
        on
            kpi_periods.kpi_id = entries.kpi_id
            and kpi_periods.period_start >= entries.effective_from
    group by kpi_periods.kpi_id, kpi_periods.grain, kpi_periods.period_start
)

select
    applicable.kpi_id,
    applicable.grain,
    applicable.period_start,
    applicable.effective_from,
    -- the date a person wrote down; undated targets (a number, a grain mapping) have none
    case when targets.is_dated then applicable.effective_from end as target_effective_from,
    targets.target,
    targets.target_low,
    targets.target_high
from applicable
left join targets
    on
        applicable.kpi_id = targets.kpi_id
        and applicable.effective_from = targets.effective_from
        and applicable.grain = targets.grain
