-- ★ scorecard.objectives: one row per objective; `drives` lists the objectives it drives.
select
    cast(objectives.objective_id as varchar) as objective_id,
    cast(objectives.perspective as varchar) as perspective,
    cast(objectives.objective_name as varchar) as name,
    cast(objectives.drives as varchar[]) as drives,
    cast(objectives.description as varchar) as description,
    cast(objectives.position as integer) as position,
    cast(perspectives.perspective_name as varchar) as perspective_name,
    cast(perspectives.position as integer) as perspective_position
from {{ ref('stg_scorecard_config__objectives') }} as objectives
inner join {{ ref('stg_scorecard_config__perspectives') }} as perspectives
    on objectives.perspective = perspectives.perspective_id
