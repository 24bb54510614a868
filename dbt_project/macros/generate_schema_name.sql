{#-
  Schemas are named after the layer (staging, intermediate, marts). DuckDB's warehouse file
  is the scorecard's own, so the names stand alone; on Spark the catalog is often shared, so
  they are prefixed by the profile's schema (engine.schema_prefix): scorecard_marts, ...
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if not custom_schema_name -%}
        {{ target.schema }}
    {%- elif target.type == 'duckdb' -%}
        {{ custom_schema_name }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name }}
    {%- endif -%}
{%- endmacro %}
