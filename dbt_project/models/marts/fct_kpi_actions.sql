-- ★ scorecard.kpi_actions: what KPI owners are doing about a KPI, from the action sheets
-- (connectors/kpi_actions); the newest sheet naming a KPI's action wins (decision 60). An
-- action is open while its status is open or in_progress, and overdue when it is open and its
-- due date is before the run's business date. Empty while no action source is configured.
with actions as (
    select * from {{ ref('stg_kpi_actions__actions') }}
),

kpis as (
    select kpi_id from {{ ref('stg_scorecard_config__kpis') }}
),

sources as (
    select source_name from {{ ref('stg_scorecard_config__sources') }}
),

run_context as (
    select run_date from {{ ref('stg_scorecard_config__run_contexts') }}
),

flagged as (
    select
        actions.*,
        actions.status in ('open', 'in_progress') as is_open
    from actions
)

select
    cast(flagged.kpi_id as string) as kpi_id,
    cast(flagged.action as string) as action,
    cast(flagged.owner as string) as owner,
    cast(flagged.due_date as date) as due_date,
    cast(flagged.status as string) as status,
    cast(flagged.is_open as boolean) as is_open,
    -- due on the run date is not overdue yet: the day is not over
    cast(flagged.is_open and flagged.due_date < run_context.run_date as boolean) as is_overdue,
    cast(flagged.source_name as string) as source_name
from flagged
inner join kpis on flagged.kpi_id = kpis.kpi_id
inner join sources on flagged.source_name = sources.source_name
cross join run_context
