-- Ledger metrics per booking date (finance.<category>): account ranges map lines to
-- categories; categories booked as credits have their sign flipped. Unmapped accounts drop out.
with lines as (
    select * from {{ ref('stg_finance_files__ledger_lines') }}
),

accounts as (
    select * from {{ ref('stg_scorecard_config__finance_accounts') }}
)

select
    {{ dbt.concat(["'finance.'", "accounts.category"]) }} as metric_id,
    lines.booking_date as metric_date,
    lines.source_name as part,
    {{ exact_sum('case when accounts.flip_sign then -lines.amount else lines.amount end') }} as value
from lines
inner join accounts
    on
        lines.source_name = accounts.source_name
        and {{ dbt.safe_cast('lines.account', api.Column.translate_type('bigint')) }}
        between accounts.account_from and accounts.account_to
group by accounts.category, lines.booking_date, lines.source_name
