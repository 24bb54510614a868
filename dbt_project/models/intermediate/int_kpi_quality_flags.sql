/*
  KPI periods whose inputs include GA4 data flagged as thresholded, sampled or "(other)".
  A flagged day taints every period containing it; a flagged period total taints its own
  period. `blocks_publish` is true when a flagged source is configured to block on that flag.
*/
with kpi_metrics as (
    {% for column in ['metric_id', 'numerator_metric_id', 'denominator_metric_id'] %}
        select
            kpi_id,
            {{ column }} as metric_id  -- noqa: AL09
        from {{ ref('stg_scorecard_config__kpis') }}
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

flags as (
    select * from {{ ref('int_metric_quality_flags') }}
),

periods as (
    select
        grain,
        period_start,
        period_end
    from {{ ref('int_periods') }}
),

hits as (
    -- a flagged day, in every period of every grain that contains it
    select
        kpi_metrics.kpi_id,
        periods.grain,
        periods.period_start,
        flags.source_name,
        flags.thresholded,
        flags.sampled,
        flags.other_row
    from kpi_metrics
    inner join flags on kpi_metrics.metric_id = flags.metric_id and flags.grain = 'day'
    inner join periods on flags.period_start between periods.period_start and periods.period_end
    union all
    -- a flagged period total, in its own period
    select
        kpi_metrics.kpi_id,
        flags.grain,
        flags.period_start,
        flags.source_name,
        flags.thresholded,
        flags.sampled,
        flags.other_row
    from kpi_metrics
    inner join flags on kpi_metrics.metric_id = flags.metric_id and flags.grain <> 'day'
),

judged as (
    select
        hits.*,
        (hits.thresholded and sources.block_thresholded)
        or (hits.sampled and sources.block_sampled)
        or (hits.other_row and sources.block_other_row) as blocking
    from hits
    inner join {{ ref('stg_scorecard_config__sources') }} as sources
        on hits.source_name = sources.source_name
),

rolled as (
    select
        kpi_id,
        grain,
        period_start,
        max(case when thresholded then 1 else 0 end) = 1 as thresholded,
        max(case when sampled then 1 else 0 end) = 1 as sampled,
        max(case when other_row then 1 else 0 end) = 1 as other_row,
        max(case when blocking then 1 else 0 end) = 1 as blocks_publish
    from judged
    group by kpi_id, grain, period_start
)

select
    kpi_id,
    grain,
    period_start,
    {{ dbt.concat([
        "case when thresholded then 'thresholded ' else '' end",
        "case when sampled then 'sampled ' else '' end",
        "case when other_row then 'other_row ' else '' end",
    ]) }} as flag_text,
    blocks_publish
from rolled
