-- Every vendor-neutral metric per local day: one row per (metric_id, metric_date).
{% set domains = ['web', 'social', 'crm', 'finance', 'manual', 'rest_api'] %}
{% for domain in domains %}
    select
        metric_id,
        metric_date,
        value
    from {{ ref('int_metrics__' ~ domain) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
