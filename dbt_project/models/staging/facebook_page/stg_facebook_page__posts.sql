-- One row per Facebook Page source and post: the newest snapshot of its lifetime insights
-- (every run re-reads the posts of the last post_days days; a post older than that keeps the
-- numbers of its last extraction). published_date is the Pacific day, as in the page insights.
with source as (
    select * from {{ source('facebook_page', 'page_posts') }}
),

renamed as (
    select
        _source as source_name,
        account_id,
        post_id,
        created_time as published_at,
        cast(published_date as date) as published_date,
        permalink,
        status_type as platform_post_type,
        case status_type
            when 'added_photos' then 'image'
            when 'added_video' then 'video'
            when 'shared_story' then 'link'
            when 'mobile_status_update' then 'text'
            when 'created_note' then 'text'
            when 'wall_post' then 'text'
            else 'other'
        end as post_type,
        cast(post_media_view as double) as impressions,
        cast(post_total_media_view_unique as double) as reach,
        cast(post_clicks as double) as clicks,
        cast(post_reactions_by_type_total as double) as reactions,
        cast(comments as double) as comments,
        cast(shares as double) as shares,
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
    -- as page_post_engagements counts them: reactions, comments, shares and clicks (null when
    -- one of them is not reported, never a silent undercount)
    reactions + comments + shares + clicks as engagements,
    reactions,
    comments,
    shares,
    clicks,
    cast(null as double) as saves,
    numbers_as_of,
    extracted_at,
    batch_id
from newest
