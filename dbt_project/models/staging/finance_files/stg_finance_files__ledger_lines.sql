/*
  Ledger lines as exported, one row per line of the file that is authoritative for its month.

  Rule (docs/decisions.md): for each source and booking month, the lines come from the most
  recently landed file that has any line in that month. A corrected export of a month therefore
  replaces the earlier one; a file identical to one already landed is never landed again
  (content hash), so nothing is counted twice.
*/
with source as (
    select * from {{ source('finance_files', 'ledger_lines') }}
),

renamed as (
    select
        _source as source_name,
        _file_name as file_name,
        _file_hash as file_hash,
        _batch_id as batch_id,
        _extracted_at as extracted_at,
        cast(line_number as integer) as line_number,
        cast(booking_date as date) as booking_date,
        cast({{ dbt.date_trunc('month', 'booking_date') }} as date) as booking_month,
        account,
        cast(amount as double) as amount,
        text as posting_text
    from source
),

file_months as (
    select distinct
        source_name,
        booking_month,
        batch_id,
        extracted_at
    from renamed
),

authoritative as (
    {{ newest_version('file_months', ['source_name', 'booking_month']) }}
)

select
    renamed.source_name,
    renamed.file_name,
    renamed.file_hash,
    renamed.line_number,
    renamed.booking_date,
    renamed.booking_month,
    renamed.account,
    renamed.amount,
    renamed.posting_text
from renamed
inner join authoritative
    on
        renamed.source_name = authoritative.source_name
        and renamed.booking_month = authoritative.booking_month
        and renamed.batch_id = authoritative.batch_id
