{#-
  The rows of every model the connector types declare (a dbt var such as
  scorecard_metric_models) as `columns` ((name, type) pairs), typed and empty when no type
  declares one.
-#}
{% macro union_of_declared_models(models, columns) -%}
    {% for model in models %}
        select
            {%- for name, type in columns %}
            cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% else %}
        select
            {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
    {% endfor %}
{%- endmacro %}
