-- Metrics of configured JSON APIs per day (<namespace>.<metric>), from each record's newest
-- extraction only: a restated record replaces all of its earlier values, including a value it
-- no longer carries (landed as null), and a record that moved to another day leaves the old
-- day. Records and endpoints mapped into the same metric are added; each source is a part.
with records as (
    select * from {{ ref('stg_rest_api__metric_records') }}
),

versions as (
    select
        *,
        max(extracted_at) over (
            partition by source_name, endpoint, record_key
        ) as newest_extracted_at
    from records
)

select
    metric_id,
    metric_date,
    source_name as part,
    {{ exact_sum('value') }} as value
from versions
where extracted_at = newest_extracted_at and value is not null
group by metric_id, metric_date, source_name
