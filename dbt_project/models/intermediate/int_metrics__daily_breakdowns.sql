-- Every metric per local day, part and dimension member: one row per (metric_id, metric_date,
-- part, dimension, member), from every breakdowns model a connector type declares (dbt var
-- scorecard_breakdown_models, from the connectors' `breakdowns_model`).
{{ union_of_declared_models(var('scorecard_breakdown_models'), [
    ('metric_id', 'string'), ('metric_date', 'date'), ('part', 'string'),
    ('dimension', 'string'), ('member', 'string'), ('value', 'double'),
]) }}
