{#-
  Calendar periods. Grains: day, week (ISO, Monday), month, quarter, year.
  `grain` is a column or literal holding the grain name; the CASE keeps it data, not SQL text.
-#}

{% macro period_grains() -%}
    {{ return(['week', 'month', 'quarter', 'year']) }}
{%- endmacro %}

{% macro all_grains() -%}
    {{ return(['day', 'week', 'month', 'quarter', 'year']) }}
{%- endmacro %}

{#- First day of the `grain` (a literal) period holding `day`. -#}
{% macro period_start(grain, day) -%}
    {%- if grain == 'day' -%}
        cast({{ day }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, day) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Last day (inclusive) of the `grain` (a literal) period starting at `start`. -#}
{% macro period_end(grain, start) -%}
    {%- if grain == 'day' -%}
        cast({{ start }} as date)
    {%- elif grain == 'week' -%}
        cast({{ dbt.dateadd('day', 6, start) }} as date)
    {%- elif grain == 'quarter' -%}
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, start)) }} as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, start)) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Start of the previous period of the same grain; `grain_column` is a column. -#}
{% macro previous_period_start(grain_column, start) -%}
    case {{ grain_column }}
        when 'day' then cast({{ dbt.dateadd('day', -1, start) }} as date)
        when 'week' then cast({{ dbt.dateadd('day', -7, start) }} as date)
        when 'month' then cast({{ dbt.dateadd('month', -1, start) }} as date)
        when 'quarter' then cast({{ dbt.dateadd('month', -3, start) }} as date)
        when 'year' then cast({{ dbt.dateadd('year', -1, start) }} as date)
    end
{%- endmacro %}

{#-
  Start of the same period one year earlier (DESIGN §5a), null where there is none:
  month, quarter, year - the calendar period a year before;
  week - the same ISO week number of the previous ISO year (null for week 53 when that year has
         52 weeks);
  day - the same date a year before (null for 29 February, which has no such date).
-#}
{% macro year_ago_period_start(grain_column, start) -%}
    case {{ grain_column }}
        when 'day' then
            case
                when not (extract(month from {{ start }}) = 2 and extract(day from {{ start }}) = 29)
                    then cast({{ dbt.dateadd('year', -1, start) }} as date)
            end
        when 'week' then {{ iso_week_a_year_before(start) }}
        when 'month' then cast({{ dbt.dateadd('year', -1, start) }} as date)
        when 'quarter' then cast({{ dbt.dateadd('year', -1, start) }} as date)
        when 'year' then cast({{ dbt.dateadd('year', -1, start) }} as date)
    end
{%- endmacro %}

{#- The Monday of the same ISO week number in the previous ISO year, or null when that year has
    no such week. 4 January is always in ISO week 1. -#}
{% macro iso_week_a_year_before(monday) -%}
    {{ return(adapter.dispatch('iso_week_a_year_before')(monday)) }}
{%- endmacro %}

{#- Spark: a Monday's ISO year is its Thursday's calendar year; weekofyear is ISO. -#}
{% macro spark__iso_week_a_year_before(monday) -%}
    case
        when year(date_add(
            date_add(cast(date_trunc('week', make_date(year(date_add({{ monday }}, 3)) - 1, 1, 4)) as date),
                7 * (weekofyear({{ monday }}) - 1)),
            3
        )) = year(date_add({{ monday }}, 3)) - 1
            then date_add(
                cast(date_trunc('week', make_date(year(date_add({{ monday }}, 3)) - 1, 1, 4)) as date),
                7 * (weekofyear({{ monday }}) - 1)
            )
    end
{%- endmacro %}

{% macro default__iso_week_a_year_before(monday) -%}
    case
        when isoyear(
            cast(date_trunc('week', make_date(cast(isoyear({{ monday }}) - 1 as integer), 1, 4))
                + to_days(cast(7 * (weekofyear({{ monday }}) - 1) as integer)) as date)
        ) = isoyear({{ monday }}) - 1
            then cast(
                date_trunc('week', make_date(cast(isoyear({{ monday }}) - 1 as integer), 1, 4))
                + to_days(cast(7 * (weekofyear({{ monday }}) - 1) as integer)) as date
            )
    end
{%- endmacro %}
