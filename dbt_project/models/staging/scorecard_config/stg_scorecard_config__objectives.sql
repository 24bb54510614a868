select
    cast(objective_id as varchar) as objective_id,
    cast(perspective as varchar) as perspective,
    cast(name as varchar) as objective_name,
    cast(description as varchar) as description,
    drives,
    cast(position as integer) as position
from {{ source('scorecard_config', 'objectives') }}
