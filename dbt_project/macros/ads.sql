{#-
  The ads.* metric rows (metric_id, metric_date, part, [member,] value) of converted campaign
  days, added up per day and source — and per member of `by` (one column) when given.
-#}
{% macro ads_metric_rows(relation, by) -%}
    {%- set metrics = ['spend', 'impressions', 'clicks', 'conversions', 'conversion_value'] -%}
    {%- for metric in metrics %}
    {% if not loop.first %}union all{% endif %}
    select
        cast('ads.{{ metric }}' as string) as metric_id,
        metric_date,
        source_name as part,
        {%- for column in by %}
        cast({{ column }} as string) as member,
        {%- endfor %}
        {{ exact_sum(metric) }} as value
    from {{ relation }}
    group by metric_date, source_name{% for column in by %}, {{ column }}{% endfor %}
    {%- endfor %}
{%- endmacro %}

{#-
  The join condition to int_currency_conversions (alias `conversions`) for an amount of
  `source_name` in `currency` on `day`; a null currency is the reporting currency (a HubSpot
  deal without deal_currency_code is in the portal's company currency, taken as the reporting
  one). `run_context` is stg_scorecard_config__run_contexts joined under that alias.
-#}
{#-
  `amount` in the reporting currency: as it is when its currency is the reporting one (or null),
  else times the joined conversion's factor (null when no rate: the gate fails on it).
-#}
{% macro in_reporting_currency(amount, currency, conversions='conversions', run_context='run_context') -%}
    {{ amount }} * case
        when coalesce({{ currency }}, {{ run_context }}.currency) = {{ run_context }}.currency
            then 1.0
        else {{ conversions }}.to_reporting
    end
{%- endmacro %}

{% macro currency_conversion_on(source_name, currency, day, conversions='conversions', run_context='run_context') -%}
    {{ conversions }}.source_name = {{ source_name }}
    and {{ conversions }}.currency = coalesce({{ currency }}, {{ run_context }}.currency)
    and {{ conversions }}.amount_date = {{ day }}
{%- endmacro %}
