{#-
  Roll KPI scores up to `group_column` (perspective or objective_id) per grain and period:
  the weighted mean of scored KPIs (no_data / no_target KPIs are left out, not counted as 0),
  the same over their projected scores (a running period on pace), and how many KPIs are in
  each status.
-#}
{% macro score_rollup(group_column) -%}
    select
        kpi_values.{{ group_column }} as group_id,
        kpi_values.grain,
        kpi_values.period_start,
        {%- for score in ['score', 'projected_score'] %}
        {{ exact_sum('case when kpi_values.' ~ score ~ ' is not null then kpi_values.' ~ score ~ ' * kpis.weight end') }}
        / nullif({{ exact_sum('case when kpi_values.' ~ score ~ ' is not null then kpis.weight end') }}, 0)
            as {{ score }},
        {%- endfor %}
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
{% macro score_status(relation, score='score') -%}
    cast(
        case
            when {{ relation }}.{{ score }} is null
                then case when coalesce({{ relation }}.kpis_no_target, 0) > 0 then 'no_target' else 'no_data' end
            when round({{ relation }}.{{ score }}, 6) >= 100 then 'green'
            when {{ relation }}.{{ score }} >= 90 then 'amber'
            else 'red'
        end as string
    )
{%- endmacro %}

{#-
  Attainment of `value` against a KPI's target (DESIGN §5): value/target (higher is better),
  target/value (lower is better); in_range [low, high]: 1 inside, value/low below, high/value
  above. Null where the division is impossible or its sign meaningless — a divisor <= 0 — and
  then the status compares value and target directly (kpi_meets_target).
-#}
{% macro kpi_attainment(value, direction='direction', target='target', low='target_low', high='target_high') -%}
    case
        when {{ value }} is null then null
        when {{ direction }} = 'higher_is_better'
            then case when {{ target }} > 0 then {{ value }} / {{ target }} end
        when {{ direction }} = 'lower_is_better'
            then case when {{ value }} > 0 and {{ target }} is not null then {{ target }} / {{ value }} end
        when {{ direction }} = 'in_range'
            then case
                when {{ low }} is null or {{ high }} is null then null
                when {{ value }} between {{ low }} and {{ high }} then 1.0
                when {{ low }} <= 0 or {{ high }} <= 0 then null
                when {{ value }} < {{ low }} then {{ value }} / {{ low }}
                else {{ high }} / {{ value }}
            end
    end
{%- endmacro %}

{% macro kpi_meets_target(value, direction='direction', target='target', low='target_low', high='target_high') -%}
    case {{ direction }}
        when 'higher_is_better' then {{ value }} >= {{ target }}
        when 'lower_is_better' then {{ value }} <= {{ target }}
        when 'in_range' then {{ value }} between {{ low }} and {{ high }}
    end
{%- endmacro %}

{#- no_data (no value), no_target, green (attainment >= 1), amber (>= amber_from), red; without
    an attainment, green when the value meets the target, else red. -#}
{% macro kpi_status(value, attainment, meets_target, has_target='has_target', amber_from='amber_from') -%}
    case
        when {{ value }} is null then 'no_data'
        when not {{ has_target }} then 'no_target'
        when {{ attainment }} is null then case when {{ meets_target }} then 'green' else 'red' end
        when {{ attainment }} >= 1 then 'green'
        when {{ attainment }} >= {{ amber_from }} then 'amber'
        else 'red'
    end
{%- endmacro %}

{#- 100 * clamp(attainment, 0, 1); 100 green / 0 red without attainment; null when unscored.
    Spelled out with CASE: greatest/least skip NULLs and would score a KPI without attainment. -#}
{% macro kpi_score(status, attainment) -%}
    case
        when {{ status }} in ('no_data', 'no_target') then null
        when {{ attainment }} is null then case when {{ status }} = 'green' then 100 else 0 end
        when {{ attainment }} <= 0 then 0
        when {{ attainment }} >= 1 then 100
        else 100 * {{ attainment }}
    end
{%- endmacro %}
