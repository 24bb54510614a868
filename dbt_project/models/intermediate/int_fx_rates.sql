/*
  One row per currency and reference rate, with the days it applies to: from the day it was
  published for up to (not including) the next publication; the newest rate has no end. So a day
  without a publication (a weekend, a TARGET holiday) takes the latest earlier rate (DESIGN §5a).
  Rates are units of the currency one euro buys; the euro itself is 1 on every day.
*/
with published as (
    select
        currency,
        rate_date,
        units_per_eur
    from {{ ref('stg_fx_rates__reference_rates') }}
),

spans as (
    select
        currency,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_until,
        units_per_eur
    from published
)

select
    currency,
    valid_from,
    valid_until,
    units_per_eur
from spans

union all

select
    cast('EUR' as string) as currency,
    cast('1900-01-01' as date) as valid_from,
    cast(null as date) as valid_until,
    cast(1.0 as double) as units_per_eur
