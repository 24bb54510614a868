/*
  Where each ledger metric value came from: per category metric, booking day, ledger source,
  ledger account and landing batch (the export file that speaks for that day), the value of the
  batch's authoritative lines (sign flipped for credit categories, like int_metrics__finance)
  and the lines used.
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
        lines.source_name,
        lines.account,
        lines.booking_date,
        lines.batch_id,
        lines.line_number,
        case when accounts.flip_sign then -lines.amount else lines.amount end as value
    from lines
    inner join accounts
        on
            lines.source_name = accounts.source_name
            and {{ dbt.safe_cast('lines.account', api.Column.translate_type('bigint')) }}
            between accounts.account_from and accounts.account_to
),

batch_rows as (
    select
        source_name,
        account,
        booking_date,
        batch_id,
        count(distinct line_number) as rows_used
    from categorised
    group by source_name, account, booking_date, batch_id
)

select
    categorised.metric_id,
    'day' as grain,
    categorised.booking_date as period_start,
    categorised.booking_date as period_end,
    categorised.source_name,
    cast(categorised.account as string) as account,
    'ledger_lines' as stream,
    categorised.batch_id,
    {{ exact_sum('categorised.value') }} as value,
    count(distinct categorised.line_number) as metric_rows,
    max(batch_rows.rows_used) as rows_used
from categorised
inner join batch_rows
    on
        categorised.source_name = batch_rows.source_name
        and categorised.account = batch_rows.account
        and categorised.booking_date = batch_rows.booking_date
        and categorised.batch_id = batch_rows.batch_id
group by
    categorised.metric_id,
    categorised.booking_date,
    categorised.source_name,
    categorised.account,
    categorised.batch_id
