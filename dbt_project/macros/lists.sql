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

{#- Column types of lists and maps of strings, spelled per engine. -#}
{% macro type_string_list() -%}
    {{ return(adapter.dispatch('type_string_list', 'scorecard')()) }}
{%- endmacro %}

{% macro default__type_string_list() -%}
    array<string>
{%- endmacro %}

{% macro duckdb__type_string_list() -%}
    varchar[]
{%- endmacro %}

{% macro type_map(value_type) -%}
    {{ return(adapter.dispatch('type_map', 'scorecard')(value_type)) }}
{%- endmacro %}

{% macro default__type_map(value_type) -%}
    map<string, {{ value_type }}>
{%- endmacro %}

{% macro duckdb__type_map(value_type) -%}
    map(varchar, {{ value_type }})
{%- endmacro %}

{#- A map of one entry. -#}
{% macro single_entry_map(key, value) -%}
    {{ return(adapter.dispatch('single_entry_map', 'scorecard')(key, value)) }}
{%- endmacro %}

{% macro default__single_entry_map(key, value) -%}
    map({{ key }}, {{ value }})
{%- endmacro %}

{% macro duckdb__single_entry_map(key, value) -%}
    map([{{ key }}], [{{ value }}])
{%- endmacro %}

{#- An aggregate: the map of a group's (key, value) pairs, in key order. -#}
{% macro map_of_pairs(key, value) -%}
    {{ return(adapter.dispatch('map_of_pairs', 'scorecard')(key, value)) }}
{%- endmacro %}

{% macro default__map_of_pairs(key, value) -%}
    map_from_entries(array_sort(collect_list(struct({{ key }}, {{ value }}))))
{%- endmacro %}

{% macro duckdb__map_of_pairs(key, value) -%}
    -- one sort of (key, value) pairs: half the time of two ordered aggregates at scale
    map_from_entries(list_sort(array_agg(struct_pack(k := {{ key }}, v := {{ value }}))))
{%- endmacro %}
