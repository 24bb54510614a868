select
    cast(metric_id as varchar) as metric_id,
    cast(domain as varchar) as domain,
    cast(unit as varchar) as unit,
    cast(additivity as varchar) as additivity,
    cast(non_negative as boolean) as non_negative,
    cast(description as varchar) as description
from {{ source('scorecard_config', 'metrics') }}
