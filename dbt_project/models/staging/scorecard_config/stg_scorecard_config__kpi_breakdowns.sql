select
    cast(kpi_id as varchar) as kpi_id,
    cast(dimension as varchar) as dimension
from {{ source('scorecard_config', 'kpi_breakdowns') }}
