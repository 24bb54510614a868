-- Every metric per local day, part and dimension member: one row per (metric_id, metric_date,
-- part, dimension, member), from every breakdowns model a connector type declares (dbt var
-- scorecard_breakdown_models, from the connectors' `breakdowns_model`).
{% set models = var('scorecard_breakdown_models') %}
{% for model in models %}
    select
        metric_id,
        metric_date,
        cast(part as varchar) as part,
        cast(dimension as varchar) as dimension,
        cast(member as varchar) as member,
        value
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
{% else %}
    select
        cast(null as varchar) as metric_id,
        cast(null as date) as metric_date,
        cast(null as varchar) as part,
        cast(null as varchar) as dimension,
        cast(null as varchar) as member,
        cast(null as double) as value
    where false
{% endfor %}
