-- The accounts of a summed metric add up to its published total in every period: provenance
-- is computed beside the metrics models, and `scorecard explain` must never show sources that
-- disagree with the number they explain. A period with a total but no source (or the reverse)
-- counts as a mismatch too (a CRM day without events is 0 on both sides).
-- Returns the periods that do not add up: the test fails when there are any.
with sources as (
    select
        sources.metric_id,
        sources.grain,
        sources.period_start,
        {{ exact_sum('sources.value') }} as sources_value
    from {{ ref('fct_metric_sources') }} as sources
    where sources.additivity = 'sum'
    group by sources.metric_id, sources.grain, sources.period_start
),

totals as (
    select
        totals.metric_id,
        totals.grain,
        totals.period_start,
        totals.value
    from {{ ref('int_metric_values') }} as totals
    inner join {{ ref('int_metric_registry') }} as registry
        on totals.metric_id = registry.metric_id
    where registry.additivity = 'sum'
)

select
    coalesce(sources.metric_id, totals.metric_id) as metric_id,
    coalesce(sources.grain, totals.grain) as grain,
    coalesce(sources.period_start, totals.period_start) as period_start,
    sources.sources_value,
    totals.value as total_value
from sources
full outer join totals
    on
        sources.metric_id = totals.metric_id
        and sources.grain = totals.grain
        and sources.period_start = totals.period_start
where
    abs(coalesce(sources.sources_value, 0) - coalesce(totals.value, 0))
    > 1e-6 * greatest(1, abs(coalesce(totals.value, 0)))
