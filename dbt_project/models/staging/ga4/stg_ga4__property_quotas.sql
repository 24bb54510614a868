-- One row per GA4 report call: the property's quota tokens used and left afterwards.
with source as (
    select * from {{ source('ga4', 'property_quota') }}
)

select
    _source as source_name,
    property_id,
    requested_at,
    report,
    tokens_per_day_consumed,
    tokens_per_day_remaining,
    tokens_per_hour_consumed,
    tokens_per_hour_remaining,
    concurrent_requests_remaining,
    server_errors_per_project_per_hour_remaining,
    potentially_thresholded_requests_per_hour_remaining,
    tokens_per_project_per_hour_remaining,
    _extracted_at as extracted_at
from source
