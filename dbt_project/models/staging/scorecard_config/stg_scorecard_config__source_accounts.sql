select
    cast(source_name as string) as source_name,
    cast(account_id as string) as account_id
from {{ source('scorecard_config', 'source_accounts') }}
