select
    cast(source_name as varchar) as source_name,
    cast(category as varchar) as category,
    cast(account_from as bigint) as account_from,
    cast(account_to as bigint) as account_to,
    cast(flip_sign as boolean) as flip_sign
from {{ source('scorecard_config', 'finance_accounts') }}
