/*
  ★ scorecard.kpi_values: one row per KPI, grain and period with target, attainment, score and
  status (DESIGN §5), pace in a running period and comparisons (§5a).
    attainment: value/target (higher is better), target/value (lower is better); in_range
                [low, high]: 1 inside, value/low below, high/value above. A divisor <= 0 leaves
                attainment null and the status compares value and target directly.
    status:     no_data (no value), no_target, green (attainment >= 1), amber (>= amber_from), red
    score:      100 * clamp(attainment, 0, 1); 100 green / 0 red when attainment is null.
    pace:       in a running period, a KPI whose metric accumulates over days is projected to
                the period's end (int_kpi_values) and a `metric` KPI's target accrues:
                target_to_date = target * phase_share (int_kpi_pace). projected_status and
                projected_score rate projected_value against the full target. Every other KPI,
                and every complete period, projects its value as it stands.
    trend:      improving / worsening / flat from previous_value to value, read through the
                direction (in_range: the distance to the range shrinks or grows).
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
        case when kpis.direction = 'in_range' then targets.target_high end as target_high,
        targets.target_effective_from,
        case
            when kpi_values.is_complete
                then {{ dbt.datediff('kpi_values.period_start', 'kpi_values.period_end', 'day') }} + 1
            else kpi_values.elapsed_days
        end as days_elapsed,
        {{ dbt.datediff('kpi_values.period_start', 'kpi_values.period_end', 'day') }} + 1 as period_days,
        kpis.kpi_type,
        case when kpi_values.is_complete then 1.0 else kpi_values.phase_share end as paced_share
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

paced as (
    select
        *,
        case
            when direction = 'in_range' then target_low is not null and target_high is not null
            else target is not null
        end as has_target,
        -- a `metric` KPI's target accrues with its value; a rate, growth or change does not
        case
            when kpi_type = 'metric' and not is_complete and phase_share is not null
                then target * phase_share
            else target
        end as target_to_date
    from joined
),

attained as (
    select
        *,
        {{ kpi_meets_target('value') }} as meets_target,
        {{ kpi_attainment('value') }} as attainment,
        {{ kpi_meets_target('projected_value') }} as projected_meets_target,
        {{ kpi_attainment('projected_value') }} as projected_attainment,
        case when direction = 'in_range' then {{ range_distance('value') }} end as distance,
        case when direction = 'in_range' then {{ range_distance('previous_value') }} end
            as previous_distance
    from paced
),

statused as (
    select
        *,
        {{ kpi_status('value', 'attainment', 'meets_target') }} as status,
        {{ kpi_status('projected_value', 'projected_attainment', 'projected_meets_target') }}
            as projected_status,
        case
            when value is null or previous_value is null then null
            when direction = 'in_range'
                then case
                    when distance is null or previous_distance is null then null
                    when distance < previous_distance then 'improving'
                    when distance > previous_distance then 'worsening'
                    else 'flat'
                end
            when value = previous_value then 'flat'
            when (value > previous_value) = (direction = 'higher_is_better') then 'improving'
            else 'worsening'
        end as trend
    from attained
)

select
    cast(statused.kpi_id as string) as kpi_id,
    cast(statused.grain as string) as grain,
    cast(statused.period_start as date) as period_start,
    cast(statused.period_end as date) as period_end,
    cast(statused.value as double) as value,
    cast(statused.target as double) as target,
    cast(statused.target_low as double) as target_low,
    cast(statused.target_high as double) as target_high,
    cast(statused.attainment as double) as attainment,
    cast({{ kpi_score('statused.status', 'statused.attainment') }} as double) as score,
    cast(statused.status as string) as status,
    cast(statused.previous_value as double) as previous_value,
    cast(statused.change_pct as double) as change_pct,
    cast(statused.is_complete as boolean) as is_complete,
    cast(statused.is_provisional as boolean) as is_provisional,
    cast(statused.perspective as string) as perspective,
    cast(statused.objective_id as string) as objective_id,
    cast(quality.quality_flags as string) as quality_flags,
    cast(statused.change as double) as change,
    cast(statused.target_effective_from as date) as target_effective_from,
    cast(statused.days_elapsed as integer) as elapsed_days,
    cast(statused.period_days as integer) as period_days,
    cast(statused.paced_share as double) as phase_share,
    cast(statused.target_to_date as double) as target_to_date,
    cast(statused.projected_value as double) as projected_value,
    cast(statused.projected_status as string) as projected_status,
    cast({{ kpi_score('statused.projected_status', 'statused.projected_attainment') }} as double)
        as projected_score,
    cast(statused.yoy_value as double) as yoy_value,
    cast(statused.yoy_change_pct as double) as yoy_change_pct,
    cast(statused.trend as string) as trend
from statused
left join quality
    on
        statused.kpi_id = quality.kpi_id
        and statused.grain = quality.grain
        and statused.period_start = quality.period_start
