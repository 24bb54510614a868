-- Social metrics per local day broken down by platform (DESIGN §5a): dimension `platform`,
-- member the platform of the source (facebook, instagram, linkedin). Several pages of one
-- platform are one member; part keeps each page, so a stock adds each page's own last value.
with social as (
    select * from {{ ref('int_metrics__social') }}
),

sources as (
    select * from {{ ref('stg_scorecard_config__sources') }}
)

select
    social.metric_id,
    social.metric_date,
    social.part,
    'platform' as dimension,
    case sources.source_type
        when 'facebook_page' then 'facebook'
        when 'linkedin_page' then 'linkedin'
        else sources.source_type
    end as member,
    social.value
from social
inner join sources on social.part = sources.source_name
-- the domain metrics (social.<name>), not the per-platform copies (social.<source>.<name>)
where {{ dbt.length('social.metric_id') }} - {{ dbt.length(dbt.replace('social.metric_id', "'.'", "''")) }} = 1
