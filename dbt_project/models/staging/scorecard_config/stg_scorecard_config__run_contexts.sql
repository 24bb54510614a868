select
    cast(run_id as varchar) as run_id,
    cast(run_date as date) as run_date,
    cast(timezone as varchar) as timezone,
    cast(currency as varchar) as currency,
    cast(provisional_days as integer) as provisional_days,
    cast(framework as varchar) as framework
from {{ source('scorecard_config', 'run_context') }}
