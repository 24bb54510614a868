-- One row per day and currency: units of the currency one euro buys; newest landing wins.
with source as (
    select * from {{ source('fx_rates', 'reference_rates') }}
),

renamed as (
    select
        cast(_source as string) as source_name,
        cast(date as date) as rate_date,
        upper(cast(currency as string)) as currency,
        cast(rate as double) as units_per_eur,
        _extracted_at as extracted_at,
        cast(_batch_id as string) as batch_id
    from source
    where upper(cast(currency as string)) <> 'EUR'
),

newest as (
    {{ newest_version('renamed', ['currency', 'rate_date']) }}
)

select
    source_name,
    rate_date,
    currency,
    units_per_eur,
    extracted_at,
    batch_id
from newest
