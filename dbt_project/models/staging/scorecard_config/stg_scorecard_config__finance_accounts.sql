select
    cast(source_name as string) as source_name,
    cast(category as string) as category,
    cast(account_from as bigint) as account_from,
    cast(account_to as bigint) as account_to,
    cast(flip_sign as boolean) as flip_sign,
    -- the named group of the range within its category (null: the category names no groups)
    cast(account_group as string) as account_group
from {{ source('scorecard_config', 'finance_accounts') }}
