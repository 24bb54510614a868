-- Where every metric value came from: one row per (metric_id, grain, period_start, source_name,
-- account, stream, batch_id), from every provenance model a connector type declares (dbt var
-- scorecard_provenance_models, set from the connectors' `provenance_model`). grain is 'day'
-- for values of a day, or the period a source reports a sourced metric for (GA4 users).
-- value is what the batch's staged rows add to the account's value and metric_rows how many
-- rows that is; rows_used counts the staged rows of that batch, account and day behind any
-- metric (the same on each of its metric rows). Rows that only qualify others (CRM pipeline
-- stages) have no value and no counts.
{{ union_of_declared_models(var('scorecard_provenance_models'), [
    ('metric_id', 'string'), ('grain', 'string'), ('period_start', 'date'),
    ('period_end', 'date'), ('source_name', 'string'), ('account', 'string'),
    ('stream', 'string'), ('batch_id', 'string'), ('value', 'double'),
    ('metric_rows', 'bigint'), ('rows_used', 'bigint'),
]) }}
