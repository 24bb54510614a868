/*
  One row per comment source, KPI, period (grain and first day) and author: the comment of
  the newest landed sheet that has one (decision 60). A later sheet replaces a comment by the
  same author on the same KPI and period; comments by other authors, or on other periods,
  stay. The parser has refused sheets naming a KPI the scorecard does not define, a period it
  cannot read, or the same key twice; with no comment sheet landed yet this is an empty table
  (the stream's typed schema file).
*/
with source as (
    select * from {{ source('kpi_comments', 'comments') }}
),

renamed as (
    select
        cast(_source as string) as source_name,
        cast(kpi as string) as kpi_id,
        cast(grain as string) as grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(author as string) as author,
        cast(text as string) as comment_text,
        cast(written_on as date) as written_on,
        cast(_file_name as string) as file_name,
        cast(line_number as integer) as line_number,
        _extracted_at as extracted_at,
        cast(_batch_id as string) as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'kpi_id', 'grain', 'period_start', 'author']) }}
)

select
    source_name,
    kpi_id,
    grain,
    period_start,
    period_end,
    author,
    comment_text,
    written_on,
    file_name,
    line_number,
    extracted_at,
    batch_id
from newest
