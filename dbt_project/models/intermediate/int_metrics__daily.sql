-- Every vendor-neutral metric per local day and part: one row per (metric_id, metric_date, part),
-- from every metrics model a connector type declares (dbt var scorecard_metric_models, set from
-- the connectors' `metrics_model`; connector packages add theirs the same way). A part is the
-- account or source a value comes from: a stock over several parts is the sum of each part's
-- own last value in a period (DESIGN §5), so a platform reporting late is never dropped.
{{ union_of_declared_models(var('scorecard_metric_models'), [
    ('metric_id', 'string'), ('metric_date', 'date'), ('part', 'string'), ('value', 'double'),
]) }}
