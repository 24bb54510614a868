{#-
  One row per element of a list column, in a select list: `select id, {{ list_elements('ids') }}
  as element from t` (DuckDB unnest, Spark explode; a null or empty list gives no row).
-#}
{% macro list_elements(column) -%}
    {{ return(adapter.dispatch('list_elements', 'scorecard')(column)) }}
{%- endmacro %}

{% macro default__list_elements(column) -%}
    explode({{ column }})
{%- endmacro %}

{% macro duckdb__list_elements(column) -%}
    unnest({{ column }})
{%- endmacro %}
