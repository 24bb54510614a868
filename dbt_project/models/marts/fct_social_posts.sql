-- ★ scorecard.social_posts: one row per post of the configured social sources, with its
-- lifetime numbers as the newest extraction read them (decision 53). Posts are not a breakdown
-- of the daily social metrics: their numbers are lifetime snapshots that grow after the day of
-- publication, so they do not add up to the page's daily totals.
{%- set platforms = [
    ('facebook', 'stg_facebook_page__posts'),
    ('instagram', 'stg_instagram__posts'),
    ('linkedin', 'stg_linkedin_page__posts'),
] %}
{%- set columns = [
    'source_name', 'account_id', 'post_id', 'published_at', 'published_date', 'permalink',
    'post_type', 'platform_post_type', 'impressions', 'reach', 'engagements', 'reactions',
    'comments', 'shares', 'clicks', 'saves', 'numbers_as_of',
] %}

with posts as (
    {%- for platform, model in platforms %}
        select
            '{{ platform }}' as platform,
            {{ columns | join(',\n            ') }}
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

sources as (
    select source_name from {{ ref('stg_scorecard_config__sources') }}
)

select
    posts.source_name,
    posts.platform,
    posts.account_id,
    posts.post_id,
    posts.published_at,
    posts.published_date,
    posts.permalink,
    posts.post_type,
    posts.platform_post_type,
    posts.impressions,
    posts.reach,
    posts.engagements,
    posts.reactions,
    posts.comments,
    posts.shares,
    posts.clicks,
    posts.saves,
    -- a date, not the extraction's timestamp: re-running a night publishes the same table
    posts.numbers_as_of
-- a source removed from the config leaves landing as it was, but not the published posts
from posts
inner join sources on posts.source_name = sources.source_name
