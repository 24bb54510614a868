select
    cast(perspective_id as string) as perspective_id,
    cast(name as string) as perspective_name,
    cast(position as integer) as position
from {{ source('scorecard_config', 'perspectives') }}
