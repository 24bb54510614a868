/*
  Ledger lines as exported, one row per line that is authoritative for its booking day.

  Rule (docs/decisions.md, decision 8): a landed file covers the days of its window — the period
  its name states (the source's file_period) or else its first to its last booking date — and,
  for each source and booking day, the lines come from the most recently landed file covering
  that day. A later file therefore replaces earlier lines only on the days it covers: two
  half-month exports add up to the month, a corrected export replaces what it covers, and a
  file identical to one already landed is never landed again (content hash), so nothing is
  counted twice.
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
        cast(_window_start as date) as covers_from,
        cast(_window_end as date) as covers_to,
        cast(line_number as integer) as line_number,
        cast(booking_date as date) as booking_date,
        cast({{ dbt.date_trunc('month', 'booking_date') }} as date) as booking_month,
        account,
        cast(amount as double) as amount,
        text as posting_text
    from source
),

files as (
    select distinct
        source_name,
        batch_id,
        extracted_at,
        covers_from,
        covers_to
    from renamed
),

authoritative as (
    select renamed.*
    from renamed
    where not exists (
        -- a file landed later that covers the line's day speaks for that day instead
        select 1
        from files as later
        where
            later.source_name = renamed.source_name
            and renamed.booking_date between later.covers_from and later.covers_to
            and (
                later.extracted_at > renamed.extracted_at
                or (later.extracted_at = renamed.extracted_at and later.batch_id > renamed.batch_id)
            )
    )
)

select
    source_name,
    file_name,
    file_hash,
    line_number,
    booking_date,
    booking_month,
    account,
    amount,
    posting_text,
    batch_id
from authoritative
