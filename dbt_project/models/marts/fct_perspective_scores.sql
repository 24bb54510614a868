/*
  ★ scorecard.perspective_scores: one row per perspective, grain and period. The score is the
  weighted mean of its KPIs' scores; KPIs with no_data or no_target are left out (not zero).
*/
with rollup as (
    {{ score_rollup('perspective') }}
)

select
    cast(perspectives.perspective_id as string) as perspective,
    cast(periods.grain as string) as grain,
    cast(periods.period_start as date) as period_start,
    cast(periods.period_end as date) as period_end,
    {{ score_rollup_columns('rollup') }}
    cast(periods.is_complete as boolean) as is_complete,
    cast(periods.is_provisional as boolean) as is_provisional,
    {{ score_status('rollup') }} as status,
    -- added columns go last: the published column order is the contract's
    cast(rollup.projected_score as double) as projected_score,
    {{ score_status('rollup', 'projected_score') }} as projected_status
from {{ ref('stg_scorecard_config__perspectives') }} as perspectives
cross join {{ ref('int_periods') }} as periods
left join rollup
    on
        perspectives.perspective_id = rollup.group_id
        and periods.grain = rollup.grain
        and periods.period_start = rollup.period_start
