select
    cast(metric_id as varchar) as metric_id,
    cast(dimension as varchar) as dimension
from {{ source('scorecard_config', 'metric_dimensions') }}
