-- ★ scorecard.kpis: one row per KPI of the catalog: indicator, target rule, owner and actions.
select
    cast(kpis.kpi_id as varchar) as kpi_id,
    cast(kpis.kpi_name as varchar) as name,
    cast(kpis.description as varchar) as description,
    cast(kpis.perspective as varchar) as perspective,
    cast(kpis.objective_id as varchar) as objective_id,
    cast(kpis.kpi_type as varchar) as type,
    cast(kpis.unit as varchar) as unit,
    cast(kpis.direction as varchar) as direction,
    cast(kpis.owner as varchar) as owner,
    cast(kpis.weight as double) as weight,
    cast(kpis.actions as varchar[]) as actions,
    cast(kpis.metric_id as varchar) as metric_id,
    cast(kpis.numerator_metric_id as varchar) as numerator_metric_id,
    cast(kpis.denominator_metric_id as varchar) as denominator_metric_id,
    cast(kpis.scale as double) as scale,
    cast(kpis.value_offset as double) as value_offset,
    cast(kpis.amber_from as double) as amber_from,
    cast(kpis.position as integer) as position
from {{ ref('stg_scorecard_config__kpis') }} as kpis
