-- One row per extraction (batch) of a rest_api record and dimension its endpoint declared:
-- the record's member (null: the record had no such field). Every metric row of a record
-- carries the same members; they are kept once. Batches landed before the endpoint declared
-- dimensions have none.
with source as (
    select * from {{ source('rest_api', 'api_metric_records') }}
),

pairs as (
    select
        _source as source_name,
        endpoint,
        record_key,
        _batch_id as batch_id,
        {{ list_elements('dimensions') }} as pair
    from source
)

select distinct
    pairs.source_name,
    pairs.endpoint,
    pairs.record_key,
    pairs.batch_id,
    pairs.pair.dimension,
    pairs.pair.member
from pairs
