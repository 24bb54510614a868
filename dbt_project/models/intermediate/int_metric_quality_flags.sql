/*
  GA4 days and periods whose numbers GA4 itself marks as less than exact: thresholded (rows
  withheld for privacy), sampled, or partly folded into "(other)". One row per metric, source
  and day (grain 'day') or sourced period; only flagged rows.
*/
with metric_map as (
    select * from {{ ref('stg_scorecard_config__source_metric_maps') }}
),

daily as (
    select
        metric_map.metric_id,
        daily.source_name,
        'day' as grain,
        daily.metric_date as period_start,
        daily.metric_date as period_end,
        daily.subject_to_thresholding,
        daily.sampled,
        daily.data_loss_from_other_row
    from {{ ref('stg_ga4__daily_metrics') }} as daily
    inner join metric_map
        on
            daily.source_name = metric_map.source_name
            and daily.source_metric = metric_map.source_metric
),

periods as (
    select
        metric_map.metric_id,
        totals.source_name,
        totals.grain,
        totals.period_start,
        totals.period_end,
        totals.subject_to_thresholding,
        totals.sampled,
        totals.data_loss_from_other_row
    from {{ ref('stg_ga4__period_totals') }} as totals
    inner join metric_map
        on
            totals.source_name = metric_map.source_name
            and totals.source_metric = metric_map.source_metric
),

flagged as (
    select * from daily
    union all
    select * from periods
)

select
    metric_id,
    source_name,
    grain,
    period_start,
    period_end,
    max(case when subject_to_thresholding then 1 else 0 end) = 1 as thresholded,
    max(case when sampled then 1 else 0 end) = 1 as sampled,
    max(case when data_loss_from_other_row then 1 else 0 end) = 1 as other_row
from flagged
where subject_to_thresholding or sampled or data_loss_from_other_row
group by metric_id, source_name, grain, period_start, period_end
