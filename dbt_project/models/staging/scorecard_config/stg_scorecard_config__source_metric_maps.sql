select
    cast(source_name as string) as source_name,
    cast(source_type as string) as source_type,
    cast(metric_id as string) as metric_id,
    cast(source_metric as string) as source_metric
from {{ source('scorecard_config', 'source_metric_map') }}
