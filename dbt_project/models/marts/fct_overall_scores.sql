/*
  ★ scorecard.overall_scores: one row per grain and period. The overall score is the plain mean
  of the perspective scores, so each perspective counts the same however many KPIs it has (the
  balance of a balanced scorecard); perspectives with no scored KPI are left out, not zero.
  projected_score is the same mean over the perspectives' projected scores (pace, DESIGN §5a).
*/
with perspective_scores as (
    select * from {{ ref('fct_perspective_scores') }}
),

overall as (
    select
        grain,
        period_start,
        max(period_end) as period_end,
        {{ exact_avg('score') }} as score,
        {{ exact_avg('projected_score') }} as projected_score,
        count(score) as perspectives_scored,
        {%- for status in ['green', 'amber', 'red', 'no_data', 'no_target'] %}
            sum(kpis_{{ status }}) as kpis_{{ status }},
        {%- endfor %}
        bool_and(is_complete) as is_complete,
        bool_or(is_provisional) as is_provisional
    from perspective_scores
    group by grain, period_start
)

select
    cast(grain as string) as grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    {{ score_rollup_columns('overall') }}
    cast(is_complete as boolean) as is_complete,
    cast(is_provisional as boolean) as is_provisional,
    {{ score_status('overall') }} as status,
    cast(perspectives_scored as integer) as perspectives_scored,
    -- added columns go last: the published column order is the contract's
    cast(overall.projected_score as double) as projected_score,
    {{ score_status('overall', 'projected_score') }} as projected_status
from overall
