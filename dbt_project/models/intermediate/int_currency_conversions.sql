/*
  One row per source, currency and day that holds a money amount, with the factor converting
  it to the reporting currency: cross rates through the euro, rate(reporting) / rate(currency),
  each the rate published for that day or the latest earlier one (int_fx_rates). `to_reporting`
  is null when either rate is missing (no rates source, a currency it does not publish, a day
  before its first rate): the gate (suite metrics.currency_rates) then fails naming the currency
  and the day, and the amount is left out of every metric rather than counted unconverted.
  Amounts already in the reporting currency convert at 1 without a rate. The amounts: ad spend
  and conversion value (account currency), HubSpot deal amounts (the deal's currency, by close
  date and snapshot day) and GA4 money metrics (the property's currency); an amount without a
  currency is in the reporting currency.
*/
with reporting as (
    select currency as reporting_currency from {{ ref('stg_scorecard_config__run_contexts') }}
),

amount_days as (
    select
        source_name,
        currency,
        metric_date as amount_date
    from {{ ref('int_ads__campaign_days') }}
    union
    select
        deals.source_name,
        coalesce(deals.currency, reporting.reporting_currency) as currency,
        deals.closed_date as amount_date
    from {{ ref('stg_hubspot__deals') }} as deals
    cross join reporting
    where deals.closed_date is not null and deals.amount is not null
    union
    select
        snapshots.source_name,
        coalesce(snapshots.currency, reporting.reporting_currency) as currency,
        snapshots.snapshot_date as amount_date
    from {{ ref('stg_hubspot__open_deal_snapshots') }} as snapshots
    cross join reporting
    where snapshots.amount is not null
    union
    select
        web.source_name,
        coalesce(web.currency, reporting.reporting_currency) as currency,
        web.metric_date as amount_date
    from {{ ref('stg_ga4__daily_metrics') }} as web
    cross join reporting
),

rates as (
    select * from {{ ref('int_fx_rates') }}
),

-- the rate in force for each currency and day needed: the amount's and the reporting one's
needed as (
    select
        currency,
        amount_date
    from amount_days
    union
    select
        reporting.reporting_currency as currency,
        amount_days.amount_date
    from amount_days
    cross join reporting
),

in_force as (
    select
        needed.currency,
        needed.amount_date,
        rates.valid_from as rate_date,
        rates.units_per_eur
    from needed
    inner join rates
        on
            needed.currency = rates.currency
            and needed.amount_date >= rates.valid_from
            and (rates.valid_until is null or needed.amount_date < rates.valid_until)
),

joined as (
    select
        amount_days.source_name,
        amount_days.currency,
        amount_days.amount_date,
        reporting.reporting_currency,
        from_rate.rate_date as currency_rate_date,
        from_rate.units_per_eur as currency_per_eur,
        to_rate.rate_date as reporting_rate_date,
        to_rate.units_per_eur as reporting_per_eur
    from amount_days
    cross join reporting
    left join in_force as from_rate
        on
            amount_days.currency = from_rate.currency
            and amount_days.amount_date = from_rate.amount_date
    left join in_force as to_rate
        on
            reporting.reporting_currency = to_rate.currency
            and amount_days.amount_date = to_rate.amount_date
)

select
    source_name,
    currency,
    amount_date,
    reporting_currency,
    case
        when currency = reporting_currency then cast(1.0 as double)
        else reporting_per_eur / currency_per_eur
    end as to_reporting,
    case when currency = reporting_currency then null else currency_rate_date end
        as currency_rate_date,
    case when currency = reporting_currency then null else reporting_rate_date end
        as reporting_rate_date,
    currency = reporting_currency
    or (currency_per_eur is not null and reporting_per_eur is not null) as has_rate
from joined
