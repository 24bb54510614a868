-- One row per metric: the built-in registry (seed) plus metrics only the config defines
-- (manual metrics, ledger categories, per-platform copies). Built-in semantics win.
with builtin as (
    select
        metric_id,
        domain,
        unit,
        additivity,
        non_negative,
        description
    from {{ ref('metric_registry') }}
),

configured as (
    select
        metric_id,
        domain,
        unit,
        additivity,
        non_negative,
        description
    from {{ ref('stg_scorecard_config__metrics') }}
    where metric_id not in (select builtin.metric_id from builtin)
)

select * from builtin
union all
select * from configured
