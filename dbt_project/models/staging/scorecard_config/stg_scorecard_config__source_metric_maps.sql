select
    cast(source_name as varchar) as source_name,
    cast(source_type as varchar) as source_type,
    cast(metric_id as varchar) as metric_id,
    cast(source_metric as varchar) as source_metric
from {{ source('scorecard_config', 'source_metric_map') }}
