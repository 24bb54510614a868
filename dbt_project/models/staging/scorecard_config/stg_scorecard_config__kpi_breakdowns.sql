select
    cast(kpi_id as string) as kpi_id,
    cast(dimension as string) as dimension
from {{ source('scorecard_config', 'kpi_breakdowns') }}
