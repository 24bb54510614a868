-- ★ scorecard.kpis: one row per KPI of the catalog: indicator, target rule, owner and actions.
select
    cast(kpis.kpi_id as string) as kpi_id,
    cast(kpis.kpi_name as string) as name,
    cast(kpis.description as string) as description,
    cast(kpis.perspective as string) as perspective,
    cast(kpis.objective_id as string) as objective_id,
    cast(kpis.kpi_type as string) as type,
    cast(kpis.unit as string) as unit,
    cast(kpis.direction as string) as direction,
    cast(kpis.owner as string) as owner,
    cast(kpis.weight as double) as weight,
    cast(kpis.actions as {{ type_string_list() }}) as actions,
    cast(kpis.metric_id as string) as metric_id,
    cast(kpis.numerator_metric_id as string) as numerator_metric_id,
    cast(kpis.denominator_metric_id as string) as denominator_metric_id,
    cast(kpis.scale as double) as scale,
    cast(kpis.value_offset as double) as value_offset,
    cast(kpis.amber_from as double) as amber_from,
    cast(kpis.position as integer) as position,
    -- a money KPI is in the reporting currency; BI formats it without reading the YAML
    cast(case when kpis.unit = 'currency' then run_context.currency end as string) as currency,
    cast(kpis.decimals as integer) as decimals,
    cast(kpis.phasing as string) as phasing,
    cast(kpis.breakdowns as {{ type_string_list() }}) as breakdowns,
    -- {dimension: member} of a filtered KPI (DESIGN §5a); null for a KPI over every member
    cast(
        case
            when kpis.filter_dimension is not null
                then {{ single_entry_map('kpis.filter_dimension', 'kpis.filter_member') }}
        end as {{ type_map('string') }}
    ) as filter,
    -- kpi: the filter narrows the whole KPI; numerator: a ratio's numerator only (a share)
    cast(case when kpis.filter_dimension is not null then kpis.filter_applies_to end as string)
        as filter_applies_to
from {{ ref('stg_scorecard_config__kpis') }} as kpis
cross join {{ ref('stg_scorecard_config__run_contexts') }} as run_context
