select
    cast(objective_id as string) as objective_id,
    cast(perspective as string) as perspective,
    cast(name as string) as objective_name,
    cast(description as string) as description,
    drives,
    cast(position as integer) as position
from {{ source('scorecard_config', 'objectives') }}
