-- Every vendor-neutral metric per local day: one row per (metric_id, metric_date), from every
-- metrics model a connector type declares (dbt var scorecard_metric_models, set from the
-- connectors' `metrics_model`; connector packages add theirs the same way).
{% set models = var('scorecard_metric_models') %}
{% for model in models %}
    select
        metric_id,
        metric_date,
        value
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
{% else %}
    select
        cast(null as varchar) as metric_id,
        cast(null as date) as metric_date,
        cast(null as double) as value
    where false
{% endfor %}
