/*
  One row per action source, KPI and action (its text is its identity): the owner, due date
  and status of the newest landed sheet that names it (decision 60). A sheet saved again with
  an action moved to `done` closes it; an action left out of a later sheet keeps its last
  status (mark it `dropped` to close it). Statuses arrive normalised (open, in_progress, done,
  dropped); with no action sheet landed yet this is an empty table.
*/
with source as (
    select * from {{ source('kpi_actions', 'actions') }}
),

renamed as (
    select
        cast(_source as string) as source_name,
        cast(kpi as string) as kpi_id,
        cast(action as string) as action,
        cast(owner as string) as owner,
        cast(due as date) as due_date,
        cast(status as string) as status,
        cast(_file_name as string) as file_name,
        cast(line_number as integer) as line_number,
        _extracted_at as extracted_at,
        cast(_batch_id as string) as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'kpi_id', 'action']) }}
)

select
    source_name,
    kpi_id,
    action,
    owner,
    due_date,
    status,
    file_name,
    line_number,
    extracted_at,
    batch_id
from newest
