select
    cast(metric_id as string) as metric_id,
    cast(dimension as string) as dimension
from {{ source('scorecard_config', 'metric_dimensions') }}
