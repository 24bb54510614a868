/*
  ★ scorecard.kpi_values: one row per KPI, grain and period with target, attainment, score and
  status (DESIGN §5).
    attainment: value/target (higher is better), target/value (lower is better); in_range
                [low, high]: 1 inside, value/low below, high/value above. A zero divisor leaves
                attainment null and the status compares value and target directly.
    status:     no_data (no value), no_target, green (attainment >= 1), amber (>= amber_from), red
    score:      100 * clamp(attainment, 0, 1); 100 green / 0 red when attainment is null.
  Clamping is spelled out with CASE: greatest/least skip NULLs and would score a KPI without
  attainment as 0 or 100.
*/
with kpi_values as (
    select * from {{ ref('int_kpi_values') }}
),

targets as (
    select * from {{ ref('int_kpi_targets') }}
),

kpis as (
    select * from {{ ref('stg_scorecard_config__kpis') }}
),

joined as (
    select
        kpi_values.*,
        kpis.perspective,
        kpis.objective_id,
        kpis.direction,
        kpis.amber_from,
        case when kpis.direction <> 'in_range' then targets.target end as target,
        case when kpis.direction = 'in_range' then targets.target_low end as target_low,
        case when kpis.direction = 'in_range' then targets.target_high end as target_high
    from kpi_values
    inner join kpis on kpi_values.kpi_id = kpis.kpi_id
    left join targets
        on
            kpi_values.kpi_id = targets.kpi_id
            and kpi_values.grain = targets.grain
            and kpi_values.period_start = targets.period_start
),

quality as (
    select
        kpi_id,
        grain,
        period_start,
        -- "thresholded sampled " -> "thresholded, sampled"
        replace(trim(flag_text), ' ', ', ') as quality_flags
    from {{ ref('int_kpi_quality_flags') }}
),

attained as (
    select
        *,
        case
            when direction = 'in_range' then target_low is not null and target_high is not null
            else target is not null
        end as has_target,
        case direction
            when 'higher_is_better' then value >= target
            when 'lower_is_better' then value <= target
            when 'in_range' then value between target_low and target_high
        end as meets_target,
        case
            when value is null then null
            when direction = 'higher_is_better'
                then case when target <> 0 then value / target end
            when direction = 'lower_is_better'
                then case when value <> 0 and target is not null then target / value end
            when direction = 'in_range'
                then case
                    when target_low is null or target_high is null then null
                    when value between target_low and target_high then 1.0
                    when value < target_low then case when target_low <> 0 then value / target_low end
                    when value <> 0 then target_high / value
                end
        end as attainment
    from joined
),

statused as (
    select
        *,
        case
            when value is null then 'no_data'
            when not has_target then 'no_target'
            when attainment is null then case when meets_target then 'green' else 'red' end
            when attainment >= 1 then 'green'
            when attainment >= amber_from then 'amber'
            else 'red'
        end as status
    from attained
)

select
    cast(statused.kpi_id as varchar) as kpi_id,
    cast(statused.grain as varchar) as grain,
    cast(statused.period_start as date) as period_start,
    cast(statused.period_end as date) as period_end,
    cast(statused.value as double) as value,
    cast(statused.target as double) as target,
    cast(statused.target_low as double) as target_low,
    cast(statused.target_high as double) as target_high,
    cast(statused.attainment as double) as attainment,
    cast(
        case
            when statused.status in ('no_data', 'no_target') then null
            when statused.attainment is null then case when statused.status = 'green' then 100 else 0 end
            when statused.attainment <= 0 then 0
            when statused.attainment >= 1 then 100
            else 100 * statused.attainment
        end as double
    ) as score,
    cast(statused.status as varchar) as status,
    cast(statused.previous_value as double) as previous_value,
    cast(statused.change_pct as double) as change_pct,
    cast(statused.is_complete as boolean) as is_complete,
    cast(statused.is_provisional as boolean) as is_provisional,
    cast(statused.perspective as varchar) as perspective,
    cast(statused.objective_id as varchar) as objective_id,
    cast(quality.quality_flags as varchar) as quality_flags
from statused
left join quality
    on
        statused.kpi_id = quality.kpi_id
        and statused.grain = quality.grain
        and statused.period_start = quality.period_start
