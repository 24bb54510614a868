-- One row per LinkedIn source and post: the newest snapshot of its lifetime statistics (every
-- run re-reads the posts of the last post_days days; older posts keep the numbers of their
-- last extraction). published_date is the UTC day, as in the organisation statistics.
with source as (
    select * from {{ source('linkedin_page', 'organization_posts') }}
),

renamed as (
    select
        _source as source_name,
        account_id,
        post_id,
        created_time as published_at,
        cast(published_date as date) as published_date,
        permalink,
        content_type as platform_post_type,
        case content_type
            when 'image' then 'image'
            when 'video' then 'video'
            when 'document' then 'document'
            when 'multiImage' then 'carousel'
            when 'carousel' then 'carousel'
            when 'article' then 'link'
            when 'poll' then 'poll'
            when 'text' then 'text'
            else 'other'
        end as post_type,
        cast(impression_count as double) as impressions,
        cast(unique_impressions_count as double) as reach,
        cast(click_count as double) as clicks,
        cast(like_count as double) as reactions,
        cast(comment_count as double) as comments,
        cast(share_count as double) as shares,
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
    -- as social.engagements counts them on LinkedIn: clicks, likes, comments and shares (null
    -- when LinkedIn reported no statistics for the post)
    clicks + reactions + comments + shares as engagements,
    reactions,
    comments,
    shares,
    clicks,
    cast(null as double) as saves,
    numbers_as_of,
    extracted_at,
    batch_id
from newest
