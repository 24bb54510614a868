select
    cast(kpi_id as string) as kpi_id,
    cast(effective_from as date) as effective_from,
    cast(is_dated as boolean) as is_dated,
    cast(grain as string) as grain,
    cast(target as double) as target,
    cast(target_low as double) as target_low,
    cast(target_high as double) as target_high
from {{ source('scorecard_config', 'kpi_targets') }}
