-- The members of a summed metric's breakdown add up to the metric's total in every period
-- (DESIGN §5a): a member lost or counted twice would make every contribution wrong.
-- Returns the periods that do not add up: the test fails when there are any.
with members as (
    select
        breakdowns.metric_id,
        breakdowns.dimension,
        breakdowns.grain,
        breakdowns.period_start,
        {{ exact_sum('breakdowns.value') }} as members_value
    from {{ ref('int_metric_breakdowns') }} as breakdowns
    inner join {{ ref('int_metric_registry') }} as registry
        on breakdowns.metric_id = registry.metric_id
    where registry.additivity = 'sum'
    group by breakdowns.metric_id, breakdowns.dimension, breakdowns.grain, breakdowns.period_start
)

select
    members.*,
    totals.value as total_value
from members
left join {{ ref('int_metric_values') }} as totals
    on
        members.metric_id = totals.metric_id
        and members.grain = totals.grain
        and members.period_start = totals.period_start
where
    totals.value is null
    or abs(members.members_value - totals.value) > 1e-6 * greatest(1, abs(totals.value))
