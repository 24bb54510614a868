select
    cast(run_id as string) as run_id,
    cast(run_date as date) as run_date,
    cast(timezone as string) as timezone,
    cast(currency as string) as currency,
    cast(provisional_days as integer) as provisional_days,
    cast(framework as string) as framework
from {{ source('scorecard_config', 'run_context') }}
