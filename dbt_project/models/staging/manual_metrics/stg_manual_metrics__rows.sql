/*
  One row per manual source, date and metric: its value from the newest file that has rows for
  it (stg_manual_metrics__sheet_rows). The value is the file's total row; a file that typed
  only members gives the sum of the members of one dimension (the parser has checked that
  every dimension adds up to the same value, and refuses members of an average without a
  total row).
*/
with sheet_rows as (
    select * from {{ ref('stg_manual_metrics__sheet_rows') }}
),

totals as (
    select * from sheet_rows
    where dimension is null
),

first_dimensions as (
    select
        source_name,
        metric_date,
        metric_name,
        min(dimension) as dimension
    from sheet_rows
    where dimension is not null
    group by source_name, metric_date, metric_name
),

member_totals as (
    select
        sheet_rows.source_name,
        sheet_rows.metric_date,
        sheet_rows.metric_name,
        {{ exact_sum('sheet_rows.value') }} as value,
        max(sheet_rows.note) as note,
        max(sheet_rows.file_name) as file_name,
        min(sheet_rows.line_number) as line_number,
        max(sheet_rows.batch_id) as batch_id
    from sheet_rows
    inner join first_dimensions
        on
            sheet_rows.source_name = first_dimensions.source_name
            and sheet_rows.metric_date = first_dimensions.metric_date
            and sheet_rows.metric_name = first_dimensions.metric_name
            and sheet_rows.dimension = first_dimensions.dimension
    where
        not exists (
            select 1
            from totals
            where
                totals.source_name = sheet_rows.source_name
                and totals.metric_date = sheet_rows.metric_date
                and totals.metric_name = sheet_rows.metric_name
        )
    group by sheet_rows.source_name, sheet_rows.metric_date, sheet_rows.metric_name
)

select
    source_name,
    metric_date,
    metric_name,
    value,
    note,
    file_name,
    line_number,
    batch_id
from totals

union all

select
    source_name,
    metric_date,
    metric_name,
    value,
    note,
    file_name,
    line_number,
    batch_id
from member_totals
