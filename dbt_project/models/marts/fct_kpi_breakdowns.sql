/*
  ★ scorecard.kpi_breakdowns: each KPI with `breakdowns:` per dimension member, grain and
  period (DESIGN §5a). A member's value is computed the KPI's own way on the member's metrics
  (a ratio KPI: the ratio of the member's totals). A member with data in the period or the one
  before has a row, so the contributions of a dimension add up exactly to the KPI's change:
    metric KPI on a sum metric: scale x the member's own change (a missing period counts 0)
    ratio KPI R = s·N/D + offset, R0 = N0/D0 the previous period's ratio before scale and
      offset: s·[(N1_i − R0·D1_i)/D1 − (N0_i − R0·D0_i)/D0]  (null when D1 or D0 is 0)
    other KPIs: null
*/
{#- the member's and the total's metric values: (alias, KPI column naming the metric, period) -#}
{% set member_inputs = [
    ('m1', 'metric_id', 'period_start'), ('m0', 'metric_id', 'previous_period_start'),
    ('n1', 'numerator_metric_id', 'period_start'), ('n0', 'numerator_metric_id', 'previous_period_start'),
    ('d1', 'denominator_metric_id', 'period_start'), ('d0', 'denominator_metric_id', 'previous_period_start'),
] %}

with kpis as (
    select * from {{ ref('stg_scorecard_config__kpis') }}
),

registry as (
    select * from {{ ref('int_metric_registry') }}
),

breakdowns as (
    select * from {{ ref('int_metric_breakdowns') }}
),

totals as (
    select * from {{ ref('int_metric_values') }}
),

kpi_dimensions as (
    select
        kpis.kpi_id,
        kpi_breakdowns.dimension,
        kpis.kpi_type,
        kpis.metric_id,
        kpis.numerator_metric_id,
        kpis.denominator_metric_id,
        kpis.scale,
        kpis.value_offset,
        registry.additivity
    from {{ ref('stg_scorecard_config__kpi_breakdowns') }} as kpi_breakdowns
    inner join kpis on kpi_breakdowns.kpi_id = kpis.kpi_id
    left join registry on kpis.metric_id = registry.metric_id
),

periods as (
    select
        grain,
        period_start,
        period_end,
        {{ previous_period_start('grain', 'period_start') }} as previous_period_start
    from {{ ref('int_periods') }}
),

-- the members with data in a period or in the period before it
member_periods as (
    select distinct
        kpi_dimensions.kpi_id,
        kpi_dimensions.dimension,
        breakdowns.member,
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.previous_period_start
    from kpi_dimensions
    inner join breakdowns
        on
            kpi_dimensions.dimension = breakdowns.dimension
            and breakdowns.metric_id in (
                kpi_dimensions.metric_id,
                kpi_dimensions.numerator_metric_id,
                kpi_dimensions.denominator_metric_id
            )
    inner join periods
        on
            breakdowns.grain = periods.grain
            and (
                breakdowns.period_start = periods.period_start
                or breakdowns.period_start = periods.previous_period_start
            )
),

inputs as (
    select
        member_periods.*,
        kpi_dimensions.kpi_type,
        kpi_dimensions.scale,
        kpi_dimensions.value_offset,
        {% for alias, column, start in member_inputs %}
            {{ alias }}.value as member_{{ alias }},
            total_{{ alias }}.value as total_{{ alias }},
        {% endfor %}
        kpi_dimensions.additivity
    from member_periods
    inner join kpi_dimensions
        on
            member_periods.kpi_id = kpi_dimensions.kpi_id
            and member_periods.dimension = kpi_dimensions.dimension
    {% for alias, column, start in member_inputs %}
        left join breakdowns as {{ alias }}
            on
                kpi_dimensions.{{ column }} = {{ alias }}.metric_id
                and member_periods.dimension = {{ alias }}.dimension
                and member_periods.member = {{ alias }}.member
                and member_periods.grain = {{ alias }}.grain
                and member_periods.{{ start }} = {{ alias }}.period_start
        left join totals as total_{{ alias }}
            on
                kpi_dimensions.{{ column }} = total_{{ alias }}.metric_id
                and member_periods.grain = total_{{ alias }}.grain
                and member_periods.{{ start }} = total_{{ alias }}.period_start
    {% endfor %}
),

valued as (
    select
        *,
        {{ kpi_value('kpi_type', 'member_m1', 'member_m0', 'member_n1', 'member_d1') }} as value,
        case
            -- the KPI has a change only when both periods have a total
            when kpi_type = 'metric' and additivity = 'sum' and total_m1 is not null and total_m0 is not null
                then scale * (coalesce(member_m1, 0) - coalesce(member_m0, 0))
            when kpi_type = 'ratio' and total_d1 <> 0 and total_d0 <> 0
                then scale * (
                    (coalesce(member_n1, 0) - total_n0 / total_d0 * coalesce(member_d1, 0)) / total_d1
                    - (coalesce(member_n0, 0) - total_n0 / total_d0 * coalesce(member_d0, 0)) / total_d0
                )
        end as contribution
    from inputs
)

select
    cast(current_period.kpi_id as string) as kpi_id,
    cast(current_period.grain as string) as grain,
    cast(current_period.period_start as date) as period_start,
    cast(current_period.period_end as date) as period_end,
    cast(current_period.dimension as string) as dimension,
    cast(current_period.member as string) as member,
    cast(current_period.value as double) as value,
    cast(previous_period.value as double) as previous_value,
    cast({{ relative_change('current_period.value', 'previous_period.value') }} as double) as change_pct,
    cast(current_period.contribution as double) as contribution
from valued as current_period
left join valued as previous_period
    on
        current_period.kpi_id = previous_period.kpi_id
        and current_period.dimension = previous_period.dimension
        and current_period.member = previous_period.member
        and current_period.grain = previous_period.grain
        and current_period.previous_period_start = previous_period.period_start
