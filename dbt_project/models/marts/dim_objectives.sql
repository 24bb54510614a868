-- ★ scorecard.objectives: one row per objective; `drives` lists the objectives it drives.
select
    cast(objectives.objective_id as string) as objective_id,
    cast(objectives.perspective as string) as perspective,
    cast(objectives.objective_name as string) as name,
    cast(objectives.drives as {{ type_string_list() }}) as drives,
    cast(objectives.description as string) as description,
    cast(objectives.position as integer) as position,
    cast(perspectives.perspective_name as string) as perspective_name,
    cast(perspectives.position as integer) as perspective_position
from {{ ref('stg_scorecard_config__objectives') }} as objectives
inner join {{ ref('stg_scorecard_config__perspectives') }} as perspectives
    on objectives.perspective = perspectives.perspective_id
