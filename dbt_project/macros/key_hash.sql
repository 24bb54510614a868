{#- One 64-bit hash of several columns (equal keys, equal hashes). -#}
{% macro key_hash(columns) -%}
    {{ return(adapter.dispatch('key_hash', 'scorecard')(columns)) }}
{%- endmacro %}

{% macro default__key_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro duckdb__key_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
