select
    cast(source_name as string) as source_name,
    cast(source_type as string) as source_type,
    cast(start_date as date) as start_date,
    cast(lookback_days as integer) as lookback_days,
    cast(daily_completeness as boolean) as daily_completeness,
    cast(history_days as integer) as history_days,
    cast(block_thresholded as boolean) as block_thresholded,
    cast(block_sampled as boolean) as block_sampled,
    cast(block_other_row as boolean) as block_other_row
from {{ source('scorecard_config', 'sources') }}
