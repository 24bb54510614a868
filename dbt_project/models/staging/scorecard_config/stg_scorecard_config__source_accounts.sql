select
    cast(source_name as varchar) as source_name,
    cast(account_id as varchar) as account_id
from {{ source('scorecard_config', 'source_accounts') }}
