/*
  Each KPI's value for every period of every grain, computed from its definition as data:
    metric - the metric's value at the grain
    ratio  - numerator total / denominator total at the grain (ratio of totals, never an
             average of daily ratios); zero denominator -> no value
    growth - value / previous period's value - 1
    change - value - previous period's value
  then value = raw * scale + offset. previous_value is the KPI's own value one period earlier,
  yoy_value its value in the same period a year earlier (DESIGN §5a). Relative changes divide by
  the absolute earlier value, so a rise is positive also from a negative start (−5 -> 15: +4.0).
  projected_value: in a running period, a KPI on a metric that accumulates over days is computed
  on the metric projected to the whole period (metric value / phase_share, int_kpi_pace): a
  growth or change KPI then compares a projected month with the full previous month instead of
  two days with thirty. Otherwise, and once the period is complete, it is the value.
*/
with kpis as (
    select * from {{ ref('stg_scorecard_config__kpis') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

-- a KPI reads totals, or with `filter: {dimension: member}` that member's values (scope)
metric_values as (
    select
        '' as scope_dimension,
        '' as scope_member,
        metric_id,
        grain,
        period_start,
        value
    from {{ ref('int_metric_values') }}
    union all
    select
        dimension as scope_dimension,
        member as scope_member,
        metric_id,
        grain,
        period_start,
        value
    from {{ ref('int_metric_breakdowns') }}
),

pace as (
    select * from {{ ref('int_kpi_pace') }}
),

kpi_periods as (
    select
        kpis.kpi_id,
        kpis.kpi_type,
        kpis.metric_id,
        kpis.numerator_metric_id,
        kpis.denominator_metric_id,
        kpis.scale,
        kpis.value_offset,
        coalesce(kpis.filter_dimension, '') as scope_dimension,
        coalesce(kpis.filter_member, '') as scope_member,
        -- a share (filter_applies_to numerator) divides the member by the metric's total
        case
            when kpis.filter_applies_to = 'numerator' then ''
            else coalesce(kpis.filter_dimension, '')
        end as denominator_scope_dimension,
        case
            when kpis.filter_applies_to = 'numerator' then ''
            else coalesce(kpis.filter_member, '')
        end as denominator_scope_member,
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete,
        -- provisional within the lookback of the KPI's own sources (scorecard-wide when unknown)
        case
            when kpis.provisional_days is null then periods.is_provisional
            else not periods.is_complete or periods.days_since_end <= kpis.provisional_days
        end as is_provisional,
        {{ previous_period_start('periods.grain', 'periods.period_start') }} as previous_period_start,
        {{ year_ago_period_start('periods.grain', 'periods.period_start') }} as year_ago_period_start
    from kpis
    cross join periods
),

inputs as (
    select
        kpi_periods.*,
        metric.value as metric_value,
        previous_metric.value as previous_metric_value,
        numerator.value as numerator_value,
        denominator.value as denominator_value,
        pace.elapsed_days,
        case
            when not kpi_periods.is_complete and pace.is_paced and pace.phase_share > 0
                then pace.phase_share
        end as phase_share
    from kpi_periods
    left join pace
        on
            kpi_periods.kpi_id = pace.kpi_id
            and kpi_periods.grain = pace.grain
            and kpi_periods.period_start = pace.period_start
    left join metric_values as metric
        on
            kpi_periods.scope_dimension = metric.scope_dimension
            and kpi_periods.scope_member = metric.scope_member
            and kpi_periods.metric_id = metric.metric_id
            and kpi_periods.grain = metric.grain
            and kpi_periods.period_start = metric.period_start
    left join metric_values as previous_metric
        on
            kpi_periods.scope_dimension = previous_metric.scope_dimension
            and kpi_periods.scope_member = previous_metric.scope_member
            and kpi_periods.metric_id = previous_metric.metric_id
            and kpi_periods.grain = previous_metric.grain
            and kpi_periods.previous_period_start = previous_metric.period_start
    left join metric_values as numerator
        on
            kpi_periods.scope_dimension = numerator.scope_dimension
            and kpi_periods.scope_member = numerator.scope_member
            and kpi_periods.numerator_metric_id = numerator.metric_id
            and kpi_periods.grain = numerator.grain
            and kpi_periods.period_start = numerator.period_start
    left join metric_values as denominator
        on
            kpi_periods.denominator_scope_dimension = denominator.scope_dimension
            and kpi_periods.denominator_scope_member = denominator.scope_member
            and kpi_periods.denominator_metric_id = denominator.metric_id
            and kpi_periods.grain = denominator.grain
            and kpi_periods.period_start = denominator.period_start
),

valued as (
    select
        *,
        {{ kpi_value('kpi_type', 'metric_value', 'previous_metric_value', 'numerator_value', 'denominator_value') }}
            as kpi_value,
        -- a rate is not projected: its projection is its value
        case
            when phase_share is not null and kpi_type <> 'ratio'
                then {{ kpi_value('kpi_type', '(metric_value / phase_share)', 'previous_metric_value', 'numerator_value', 'denominator_value') }}
        end as paced_value
    from inputs
)

select
    current_period.kpi_id,
    current_period.grain,
    current_period.period_start,
    current_period.period_end,
    current_period.is_complete,
    current_period.is_provisional,
    current_period.kpi_value as value,
    current_period.elapsed_days,
    current_period.phase_share,
    coalesce(current_period.paced_value, current_period.kpi_value) as projected_value,
    previous_period.kpi_value as previous_value,
    current_period.kpi_value - previous_period.kpi_value as change,
    {{ relative_change('current_period.kpi_value', 'previous_period.kpi_value') }} as change_pct,
    year_ago.kpi_value as yoy_value,
    {{ relative_change('current_period.kpi_value', 'year_ago.kpi_value') }} as yoy_change_pct
from valued as current_period
left join valued as previous_period
    on
        current_period.kpi_id = previous_period.kpi_id
        and current_period.grain = previous_period.grain
        and current_period.previous_period_start = previous_period.period_start
left join valued as year_ago
    on
        current_period.kpi_id = year_ago.kpi_id
        and current_period.grain = year_ago.grain
        and current_period.year_ago_period_start = year_ago.period_start
