-- Paid-media metrics per local day and source, by platform (google_ads, meta_ads,
-- linkedin_ads), channel (Paid Search, Paid Social, as GA4 names them) and campaign (its
-- newest name; one name across platforms is one member, so a campaign run on several platforms
-- adds up).
{% for dimension, column in [('platform', 'platform'), ('channel', 'channel'), ('campaign', 'campaign_name')] %}
    {% if not loop.first %}union all{% endif %}
    select
        metric_id,
        metric_date,
        part,
        cast('{{ dimension }}' as string) as dimension,
        member,
        value
    from (
        {{ ads_metric_rows(ref('int_ads__converted_days'), [column]) }}
    ) as by_{{ dimension }}
{% endfor %}
