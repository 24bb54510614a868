select
    cast(metric_id as string) as metric_id,
    cast(domain as string) as domain,
    cast(unit as string) as unit,
    cast(additivity as string) as additivity,
    cast(non_negative as boolean) as non_negative,
    cast(description as string) as description
from {{ source('scorecard_config', 'metrics') }}
