-- scorecard.perspectives: the framework's perspectives in display order.
select
    cast(perspective_id as string) as perspective,
    cast(perspective_name as string) as name,
    cast(position as integer) as position
from {{ ref('stg_scorecard_config__perspectives') }}
