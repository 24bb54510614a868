/*
  Ledger metrics per booking date, source and account_category member (DESIGN §5a): the lines
  of int_metrics__finance, joined to the account ranges the same way, so each line of a
  category's total is in one member and the members add up to it. The member is the named
  account group of the range the line's account falls in (`accounts: {marketing_spend:
  {paid_media: [...]}}`) or, when the category lists plain ranges, the account number itself
  (a metric is one category already, so the category would be its only member).
*/
with lines as (
    select * from {{ ref('stg_finance_files__ledger_lines') }}
),

accounts as (
    select * from {{ ref('stg_scorecard_config__finance_accounts') }}
),

categorised as (
    select
        {{ dbt.concat(["'finance.'", "accounts.category"]) }} as metric_id,
        lines.booking_date,
        lines.source_name,
        coalesce(
            accounts.account_group,
            cast(
                {{ dbt.safe_cast('lines.account', api.Column.translate_type('bigint')) }}
                as {{ dbt.type_string() }}
            )
        ) as member,
        case when accounts.flip_sign then -lines.amount else lines.amount end as amount
    from lines
    inner join accounts
        on
            lines.source_name = accounts.source_name
            and {{ dbt.safe_cast('lines.account', api.Column.translate_type('bigint')) }}
            between accounts.account_from and accounts.account_to
)

select
    metric_id,
    booking_date as metric_date,
    source_name as part,
    'account_category' as dimension,
    member,
    {{ exact_sum('amount') }} as value
from categorised
group by metric_id, booking_date, source_name, member
