{#-
  Roll KPI scores up to `group_column` (perspective or objective_id) per grain and period:
  the weighted mean of scored KPIs (no_data / no_target KPIs are left out, not counted as 0),
  and how many KPIs are in each status.
-#}
{% macro score_rollup(group_column) -%}
    select
        kpi_values.{{ group_column }} as group_id,
        kpi_values.grain,
        kpi_values.period_start,
        {{ exact_sum('case when kpi_values.score is not null then kpi_values.score * kpis.weight end') }}
        / nullif({{ exact_sum('case when kpi_values.score is not null then kpis.weight end') }}, 0)
            as score,
        {%- for status in ['green', 'amber', 'red', 'no_data', 'no_target'] %}
        sum(case when kpi_values.status = '{{ status }}' then 1 else 0 end) as kpis_{{ status }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_kpi_values') }} as kpi_values
    inner join {{ ref('stg_scorecard_config__kpis') }} as kpis
        on kpi_values.kpi_id = kpis.kpi_id
    group by kpi_values.{{ group_column }}, kpi_values.grain, kpi_values.period_start
{%- endmacro %}

{#- Status counts and score columns of a rollup, with zero counts where nothing was scored. -#}
{% macro score_rollup_columns(relation) -%}
    cast({{ relation }}.score as double) as score,
    {%- for status in ['green', 'amber', 'red', 'no_data', 'no_target'] %}
    cast(coalesce({{ relation }}.kpis_{{ status }}, 0) as integer) as kpis_{{ status }},
    {%- endfor %}
{%- endmacro %}

{#-
  The status of a rollup (objective, perspective, overall) read off its score with the KPIs'
  default thresholds: green when every scored KPI is fully met (score 100), amber from 90,
  red below. With nothing scored: no_target when some KPI has data but no target, else no_data.
-#}
{% macro score_status(relation) -%}
    cast(
        case
            when {{ relation }}.score is null
                then case when coalesce({{ relation }}.kpis_no_target, 0) > 0 then 'no_target' else 'no_data' end
            when round({{ relation }}.score, 6) >= 100 then 'green'
            when {{ relation }}.score >= 90 then 'amber'
            else 'red'
        end as varchar
    )
{%- endmacro %}
