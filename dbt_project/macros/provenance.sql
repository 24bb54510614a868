{#-
  The provenance of long-shaped staging models (source_name, an account column, metric_date,
  source_metric, value, batch_id) whose source metrics add into neutral metrics through each
  source's metric map — GA4's daily report and the social platforms' insights. CTEs to put
  after `with`, ending in `mapped_provenance`: the columns every provenance model returns, per
  metric, day, source, account, stream and landing batch: the value of the batch's staged rows,
  `metric_rows`, how many of them the metric adds up, and `rows_used`, the staged rows of that
  batch, account and day that feed any metric (a row mapped into two metrics counts once).
  `staged_models` is a list of (model, stream) pairs. With `currency_column`, money metrics are
  valued in the reporting currency, as the metrics models value them.
-#}
{% macro mapped_provenance(staged_models, account_column='account_id', currency_column=none) -%}
    staged_rows as (
        {% for model, stream in staged_models %}
            select
                source_name,
                cast({{ account_column }} as string) as account,
                metric_date,
                source_metric,
                value,
                {{ currency_column or 'cast(null as string)' }} as currency,
                batch_id,
                '{{ stream }}' as stream
            from {{ ref(model) }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ),

    mapped_rows as (
        select
            staged_rows.source_name,
            staged_rows.account,
            staged_rows.metric_date,
            staged_rows.source_metric,
            {%- if currency_column %}
            case
                when money.unit = 'currency'
                    then {{ in_reporting_currency('staged_rows.value', 'staged_rows.currency') }}
                else staged_rows.value
            end as value,
            {%- else %}
            staged_rows.value,
            {%- endif %}
            staged_rows.batch_id,
            staged_rows.stream,
            metric_map.metric_id
        from staged_rows
        inner join {{ ref('stg_scorecard_config__source_metric_maps') }} as metric_map
            on
                staged_rows.source_name = metric_map.source_name
                and staged_rows.source_metric = metric_map.source_metric
        {%- if currency_column %}
        left join {{ ref('int_metric_registry') }} as money
            on metric_map.metric_id = money.metric_id
        cross join {{ ref('stg_scorecard_config__run_contexts') }} as run_context
        left join {{ ref('int_currency_conversions') }} as conversions
            on {{ currency_conversion_on('staged_rows.source_name', 'staged_rows.currency', 'staged_rows.metric_date') }}
        {%- endif %}
    ),

    batch_rows as (
        select
            source_name,
            account,
            stream,
            metric_date,
            batch_id,
            count(distinct source_metric) as rows_used
        from mapped_rows
        group by source_name, account, stream, metric_date, batch_id
    ),

    mapped_provenance as (
        select
            mapped_rows.metric_id,
            'day' as grain,
            mapped_rows.metric_date as period_start,
            mapped_rows.metric_date as period_end,
            mapped_rows.source_name,
            mapped_rows.account,
            mapped_rows.stream,
            mapped_rows.batch_id,
            {{ exact_sum('mapped_rows.value') }} as value,
            count(*) as metric_rows,
            max(batch_rows.rows_used) as rows_used
        from mapped_rows
        inner join batch_rows
            on
                mapped_rows.source_name = batch_rows.source_name
                and mapped_rows.account = batch_rows.account
                and mapped_rows.stream = batch_rows.stream
                and mapped_rows.metric_date = batch_rows.metric_date
                and mapped_rows.batch_id = batch_rows.batch_id
        group by
            mapped_rows.metric_id,
            mapped_rows.metric_date,
            mapped_rows.source_name,
            mapped_rows.account,
            mapped_rows.stream,
            mapped_rows.batch_id
    )
{%- endmacro %}
