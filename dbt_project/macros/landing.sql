{#-
  Keep the newest landed version of each key: restatements and lookback re-extractions
  land the same key again, and the later extraction wins. `_batch_id` breaks exact ties.
-#}
{% macro newest_version(relation, key_columns, order_by="extracted_at desc, batch_id desc") -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{#-
  Keep every row of the newest batch that has rows for each key: for data a batch lands as a
  whole set (all members of a dimension on a day), where a member missing from the newer batch
  must disappear instead of surviving from an older one.
-#}
{% macro newest_batch(relation, key_columns) -%}
    select *
    from (
        select
            *,
            dense_rank() over (
                partition by {{ key_columns | join(', ') }}
                order by extracted_at desc, batch_id desc
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{#- A UTC timestamp as a calendar date in a named time zone (the zone may be a column). -#}
{% macro to_local_date(ts, tz) -%}
    {{ return(adapter.dispatch('to_local_date', 'scorecard')(ts, tz)) }}
{%- endmacro %}

{% macro default__to_local_date(ts, tz) -%}
    cast(from_utc_timestamp({{ ts }}, {{ tz }}) as date)
{%- endmacro %}

{% macro duckdb__to_local_date(ts, tz) -%}
    cast(timezone({{ tz }}, {{ ts }}) as date)
{%- endmacro %}

{#- One row per day from start to end inclusive, column `date_day`. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'scorecard')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day)) as date_day
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date) -%}
    select cast(unnest(generate_series(
        cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day
    )) as date) as date_day
{%- endmacro %}

{#-
  The long shape every social platform lands (account × local day × platform metric),
  staged once for all platforms: rename, cast, newest landing wins.
-#}
{% macro stage_daily_account_metrics(source_relation) -%}
with source as (
    select * from {{ source_relation }}
),

renamed as (
    select
        _source as source_name,
        account_id,
        cast(date as date) as metric_date,
        metric as source_metric,
        cast(value as double) as value,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'account_id', 'metric_date', 'source_metric']) }}
)

select
    source_name,
    account_id,
    metric_date,
    source_metric,
    value,
    window_end,
    extracted_at,
    batch_id
from newest
{%- endmacro %}

{#-
  Incremental staging: read only the batches landed after the newest one already staged.
  Batches are immutable and stamped in landing order, and staging keeps the newest version of
  each key, so replacing (delete+insert) the keys of the new batches gives what a full rebuild
  gives. A table staged before it had `extracted_at` is read whole once (its new column is
  appended). `--full-refresh` rebuilds from all of landing, e.g. after landing files were
  removed or moved back by hand.
-#}
{% macro only_new_batches(stamp='_extracted_at', staged='extracted_at') -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if staged in columns %}
    where {{ stamp }} > (select max({{ staged }}) from {{ this }})
        or not exists (select 1 from {{ this }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
