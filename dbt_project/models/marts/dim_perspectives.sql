-- scorecard.perspectives: the framework's perspectives in display order.
select
    cast(perspective_id as varchar) as perspective,
    cast(perspective_name as varchar) as name,
    cast(position as integer) as position
from {{ ref('stg_scorecard_config__perspectives') }}
