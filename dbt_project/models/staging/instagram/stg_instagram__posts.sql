-- One row per Instagram source and media (feed post, carousel, reel): the newest snapshot of
-- its lifetime insights (every run re-reads the media of the last post_days days; older media
-- keep the numbers of their last extraction). published_date is the Pacific day.
with source as (
    select * from {{ source('instagram', 'account_media') }}
),

renamed as (
    select
        _source as source_name,
        account_id,
        post_id,
        created_time as published_at,
        cast(published_date as date) as published_date,
        permalink,
        {{ dbt.concat(["media_product_type", "'/'", "media_type"]) }} as platform_post_type,
        case
            when media_product_type = 'REELS' then 'reel'
            when media_product_type = 'STORY' then 'story'
            when media_type = 'CAROUSEL_ALBUM' then 'carousel'
            when media_type = 'IMAGE' then 'image'
            when media_type = 'VIDEO' then 'video'
            else 'other'
        end as post_type,
        cast(views as double) as impressions,
        cast(reach as double) as reach,
        cast(total_interactions as double) as engagements,
        cast(likes as double) as reactions,
        cast(comments as double) as comments,
        cast(shares as double) as shares,
        cast(saved as double) as saves,
        -- the last day that was over when these lifetime numbers were read
        _window_end as numbers_as_of,
        _extracted_at as extracted_at,
        _batch_id as batch_id
    from source
),

newest as (
    {{ newest_version('renamed', ['source_name', 'post_id']) }}
)

select
    source_name,
    account_id,
    post_id,
    published_at,
    published_date,
    permalink,
    post_type,
    platform_post_type,
    impressions,
    reach,
    engagements,
    reactions,
    comments,
    shares,
    cast(null as double) as clicks,
    saves,
    numbers_as_of,
    extracted_at,
    batch_id
from newest
