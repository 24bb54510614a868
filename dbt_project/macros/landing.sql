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

{#-
  The campaign days every ad platform lands (connectors/ads.py), staged once for all
  platforms: the platform and the channel it counts as (GA4's names: Paid Search, Paid Social)
  are the connector's own constants. Money stays exact and in the account's currency here;
  int_ads__campaign_days converts it. A campaign's newest landing of a day wins, so the
  restated days of the 30-day lookback replace what was landed before, never add to it.
-#}
{% macro stage_ad_campaign_days(source_relation, platform, channel) -%}
with source as (
    select * from {{ source_relation }}
),

renamed as (
    select
        cast(_source as string) as source_name,
        cast('{{ platform }}' as string) as platform,
        cast('{{ channel }}' as string) as channel,
        cast(account_id as string) as account_id,
        cast(campaign_id as string) as campaign_id,
        cast(campaign_name as string) as campaign_name,
        cast(date as date) as metric_date,
        upper(cast(currency as string)) as currency,
        cast(spend as decimal(18, 6)) as spend,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(conversions as double) as conversions,
        cast(conversion_value as decimal(18, 6)) as conversion_value,
        cast(_window_end as date) as window_end,
        _extracted_at as extracted_at,
        cast(_batch_id as string) as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'account_id', 'campaign_id', 'metric_date']) }}
)

select
    source_name,
    platform,
    channel,
    account_id,
    campaign_id,
    campaign_name,
    metric_date,
    currency,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value,
    window_end,
    extracted_at,
    batch_id
from newest
{%- endmacro %}
