{#-
  A KPI's value from its inputs, by type (DESIGN §5) — one formula for totals
  (int_kpi_values, also projected) and for dimension members (fct_kpi_breakdowns):
    metric - the metric's value
    ratio  - numerator / denominator (totals at the grain; zero denominator -> no value)
    growth - value / previous value - 1
    change - value - previous value
  then raw * scale + offset.
-#}
{% macro kpi_value(kpi_type, metric, previous_metric, numerator, denominator, scale='scale', offset='value_offset') -%}
    (
        case {{ kpi_type }}
            when 'metric' then {{ metric }}
            when 'ratio' then case when {{ denominator }} <> 0 then {{ numerator }} / {{ denominator }} end
            when 'growth' then case when {{ previous_metric }} <> 0 then {{ metric }} / {{ previous_metric }} - 1 end
            when 'change' then {{ metric }} - {{ previous_metric }}
        end
    ) * {{ scale }} + {{ offset }}
{%- endmacro %}

{#- (value - earlier) / |earlier|: a rise is positive also from a negative start; null when the
    earlier value is null or 0. -#}
{% macro relative_change(value, earlier) -%}
    case when {{ earlier }} <> 0 then ({{ value }} - {{ earlier }}) / abs({{ earlier }}) end
{%- endmacro %}

{#- How far `value` lies outside [low, high] (0 inside): an in_range KPI's trend. -#}
{% macro range_distance(value, low='target_low', high='target_high') -%}
    case
        when {{ value }} < {{ low }} then {{ low }} - {{ value }}
        when {{ value }} > {{ high }} then {{ value }} - {{ high }}
        else 0
    end
{%- endmacro %}
