{#-
  The ads.* metric rows (metric_id, metric_date, part, [member,] value) of converted campaign
  days, added up per day and source — and per member of `by` (one column) when given.
-#}
{% macro ads_metric_rows(relation, by) -%}
    {%- set metrics = ['spend', 'impressions', 'clicks', 'conversions', 'conversion_value'] -%}
    {%- for metric in metrics %}
    {% if not loop.first %}union all{% endif %}
    select
        cast('ads.{{ metric }}' as varchar) as metric_id,
        metric_date,
        source_name as part,
        {%- for column in by %}
        cast({{ column }} as varchar) as member,
        {%- endfor %}
        {{ exact_sum(metric) }} as value
    from {{ relation }}
    group by metric_date, source_name{% for column in by %}, {{ column }}{% endfor %}
    {%- endfor %}
{%- endmacro %}
