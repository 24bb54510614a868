/*
  Where each web metric value came from: per metric, day, GA4 source, property and landing
  batch, the value of the batch's staged rows (int_metrics__web adds the properties of a
  source) and the staged rows used; and per metric, period, source, property and batch, the
  value GA4 reported for a sourced metric (distinct users; int_metric_periods__web).
*/
with {{ mapped_provenance([('stg_ga4__daily_metrics', 'daily_metrics')], 'property_id', 'currency') }},

metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
),

period_rows as (
    select
        totals.source_name,
        totals.property_id,
        totals.grain,
        totals.period_start,
        totals.period_end,
        totals.source_metric,
        totals.value,
        totals.batch_id,
        metric_map.metric_id
    from {{ ref('stg_ga4__period_totals') }} as totals
    inner join metric_map
        on
            totals.source_name = metric_map.source_name
            and totals.source_metric = metric_map.source_metric
),

period_batch_rows as (
    select
        source_name,
        property_id,
        grain,
        period_start,
        batch_id,
        count(distinct source_metric) as rows_used
    from period_rows
    group by source_name, property_id, grain, period_start, batch_id
),

periods as (
    select
        period_rows.metric_id,
        period_rows.grain,
        period_rows.period_start,
        max(period_rows.period_end) as period_end,
        period_rows.source_name,
        cast(period_rows.property_id as string) as account,
        'period_totals' as stream,
        period_rows.batch_id,
        {{ exact_sum('period_rows.value') }} as value,
        count(*) as metric_rows,
        max(period_batch_rows.rows_used) as rows_used
    from period_rows
    inner join period_batch_rows
        on
            period_rows.source_name = period_batch_rows.source_name
            and period_rows.property_id = period_batch_rows.property_id
            and period_rows.grain = period_batch_rows.grain
            and period_rows.period_start = period_batch_rows.period_start
            and period_rows.batch_id = period_batch_rows.batch_id
    group by
        period_rows.metric_id,
        period_rows.grain,
        period_rows.period_start,
        period_rows.source_name,
        period_rows.property_id,
        period_rows.batch_id
)

select * from mapped_provenance
union all
select * from periods
