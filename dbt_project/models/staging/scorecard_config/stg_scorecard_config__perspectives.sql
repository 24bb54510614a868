select
    cast(perspective_id as varchar) as perspective_id,
    cast(name as varchar) as perspective_name,
    cast(position as integer) as position
from {{ source('scorecard_config', 'perspectives') }}
