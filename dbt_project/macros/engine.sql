{#-
  Landing files as a relation on every engine. The sources declare where their files are
  (`meta.external_location`, dbt-duckdb's read_parquet call, with `{name}` for the table):
  dbt-duckdb reads that itself; on Spark the same files are read with Spark's Parquet reader
  (`parquet.`<glob>``, schemas merged across batches by spark.sql.parquet.mergeSchema, as
  union_by_name does on DuckDB). The model's dependency on the source is kept either way.
-#}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- if execute and target.type != 'duckdb' -%}
        {%- set location = landing_location(source_name, table_name) -%}
        {%- if location -%}
            {{ return('parquet.`' ~ location ~ '`') }}
        {%- endif -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The path or glob of a source's files, from its external_location; none for a table. -#}
{% macro landing_location(source_name, table_name) -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {%- set declared = node.config.meta.get('external_location') or node.meta.get('external_location') -%}
            {%- if declared -%}
                {%- set found = modules.re.search("read_parquet\('([^']+)'", declared) -%}
                {%- if not found -%}
                    {{ exceptions.raise_compiler_error("cannot read " ~ source_name ~ "." ~ table_name ~ " on " ~ target.type ~ ": external_location is not a read_parquet('<path>') call") }}
                {%- endif -%}
                {{ return(found.group(1) | replace('{name}', table_name)) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- An instant in time: DuckDB's timestamptz; Spark's timestamp is one already. -#}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'scorecard')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp
{%- endmacro %}

{% macro duckdb__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{#-
  Incremental staging (delete+insert of the keys of new batches) is a DuckDB strategy; Spark
  tables in plain Parquet have no delete, so on Spark these models are rebuilt from all of
  landing each night — what --full-refresh does on DuckDB, with the same rows
  (decision 69, docs/engines.md).
-#}
{% macro incremental_where_supported() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#-
  post-hook of every model (dbt_project.yml): on an engine other than DuckDB, a mart or a table
  the gates read (var scorecard_exports, from expectations/warehouse.py) is written as Parquet
  to <export>/<layer>/<table>, from which orchestration loads it into the local warehouse file
  (orchestration/engines.py). Nothing on DuckDB.
-#}
{% macro export_for_publish() -%}
    {%- if target.type != 'duckdb'
        and (model.config.schema == 'marts' or this.identifier in var('scorecard_exports', [])) -%}
        insert overwrite directory
            '{{ env_var("SCORECARD_ENGINE_EXPORT") }}/{{ model.config.schema }}/{{ this.identifier }}'
        using parquet
        select * from {{ this }}
    {%- endif -%}
{%- endmacro %}
