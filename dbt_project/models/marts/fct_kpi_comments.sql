-- ★ scorecard.kpi_comments: what KPI owners wrote about a KPI in a period, from the comment
-- sheets (connectors/kpi_comments); the newest sheet's comment by an author on a KPI and
-- period wins (decision 60). Empty while no comment source is configured.
with comments as (
    select * from {{ ref('stg_kpi_comments__comments') }}
),

kpis as (
    select kpi_id from {{ ref('stg_scorecard_config__kpis') }}
),

sources as (
    select source_name from {{ ref('stg_scorecard_config__sources') }}
)

select
    cast(comments.kpi_id as string) as kpi_id,
    cast(comments.grain as string) as grain,
    cast(comments.period_start as date) as period_start,
    cast(comments.period_end as date) as period_end,
    cast(comments.author as string) as author,
    cast(comments.comment_text as string) as text,
    cast(comments.written_on as date) as written_on,
    cast(comments.source_name as string) as source_name
from comments
-- a KPI or a source removed from the config leaves landing as it was, but not the published
-- comments (the parser refused unknown KPIs when the sheet landed)
inner join kpis on comments.kpi_id = kpis.kpi_id
inner join sources on comments.source_name = sources.source_name
