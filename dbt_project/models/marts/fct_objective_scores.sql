-- scorecard.objective_scores: one row per objective, grain and period (weighted, no-data left out).
with rollup as (
    {{ score_rollup('objective_id') }}
)

select
    cast(objectives.objective_id as string) as objective_id,
    cast(objectives.perspective as string) as perspective,
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
from {{ ref('stg_scorecard_config__objectives') }} as objectives
cross join {{ ref('int_periods') }} as periods
left join rollup
    on
        objectives.objective_id = rollup.group_id
        and periods.grain = rollup.grain
        and periods.period_start = rollup.period_start
