/*
  provenance.metric_sources: every metric per grain, period, source and account (GA4 property,
  social account, ledger account, API endpoint; the source itself for a CRM or a manual sheet),
  with the account's own value rolled up as the metric's total is (DESIGN §5): a sum adds the
  account's days, an average is the mean of the account's days with a value, a stock takes the
  account's own last value in the period (metric_rollup, the macro the totals use), and a
  sourced metric is the value the source reported for the account and period (GA4 users per
  property). So for sum, last and sourced metrics the accounts add up to the metric's total (a
  dbt test checks the sums). A source whose type declares no provenance model has one account,
  itself, from its metrics model's part.
  Sums and averages are plain aggregates of the account's days: the stock rule's ranking of
  days is only run for stocks (at 200 GA4 properties it was most of this model's time).
*/
with registry as (
    select
        metric_id,
        additivity
    from {{ ref('int_metric_registry') }}
),

provenance as (
    select * from {{ ref('int_metric_provenance') }}
),

recorded_sources as (
    select distinct source_name from provenance
),

recorded as (
    select
        provenance.metric_id,
        provenance.source_name,
        provenance.account,
        provenance.period_start as metric_date,
        provenance.account as part,
        provenance.value,
        registry.additivity
    from provenance
    inner join registry on provenance.metric_id = registry.metric_id
    where provenance.grain = 'day' and provenance.value is not null
),

-- sources of a type that records no provenance: the source is its only account
unrecorded as (
    select
        daily.metric_id,
        coalesce(daily.part, '') as source_name,
        coalesce(daily.part, '') as account,
        daily.metric_date,
        coalesce(daily.part, '') as part,
        daily.value,
        registry.additivity
    from {{ ref('int_metrics__daily') }} as daily
    inner join registry on daily.metric_id = registry.metric_id
    where coalesce(daily.part, '') not in (select recorded_sources.source_name from recorded_sources)
),

parts as (
    select * from recorded
    union all
    select * from unrecorded
),

account_days as (
    select
        metric_id,
        source_name,
        account,
        metric_date,
        max(additivity) as additivity,
        {{ exact_sum('value') }} as value
    from parts
    group by metric_id, source_name, account, metric_date
),

-- sums and averages: the account's days added (an average over its days with a value)
flows as (
    select
        metric_id,
        source_name,
        account,
        'day' as grain,
        metric_date as period_start,
        metric_date as period_end,
        value
    from account_days
    where additivity <> 'last'
    {% for grain in period_grains() %}
        union all
        select
            metric_id,
            source_name,
            account,
            '{{ grain }}' as grain,
            {{ period_start(grain, 'metric_date') }} as period_start,
            {{ period_end(grain, period_start(grain, 'metric_date')) }} as period_end,
            case max(additivity)
                when 'sum' then {{ exact_sum('value') }}
                else {{ exact_sum('value') }} / count(*)
            end as value
        from account_days
        where additivity in ('sum', 'average')
        group by metric_id, source_name, account, {{ period_start(grain, 'metric_date') }}
    {% endfor %}
),

stock_parts as (
    select * from parts
    where additivity = 'last'
),

stocks as (
    {{ metric_rollup('stock_parts', ['source_name', 'account']) }}
),

sourced as (
    select
        provenance.metric_id,
        provenance.source_name,
        provenance.account,
        provenance.grain,
        provenance.period_start,
        max(provenance.period_end) as period_end,
        {{ exact_sum('provenance.value') }} as value
    from provenance
    inner join registry on provenance.metric_id = registry.metric_id
    where registry.additivity = 'sourced' and provenance.grain <> 'day' and provenance.value is not null
    group by
        provenance.metric_id,
        provenance.source_name,
        provenance.account,
        provenance.grain,
        provenance.period_start
),

unioned as (
    select * from flows
    union all
    select * from stocks
    union all
    select * from sourced
)

select
    cast(unioned.metric_id as string) as metric_id,
    cast(unioned.grain as string) as grain,
    cast(unioned.period_start as date) as period_start,
    cast(unioned.period_end as date) as period_end,
    cast(unioned.source_name as string) as source_name,
    cast(unioned.account as string) as account,
    cast(registry.additivity as string) as additivity,
    cast(unioned.value as double) as value
from unioned
inner join registry on unioned.metric_id = registry.metric_id
