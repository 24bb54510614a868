{#- A table's key: unique and never null, checked in one test (a not_null test per key column
    and a uniqueness test cost one query each: at scale, dbt's per-test overhead dominated).
    Grouping by one 64-bit hash of the key is about twice as fast as grouping by the key's
    columns on tens of millions of rows (GA4 breakdowns); only keys whose hash repeats are
    grouped by their columns, so a hash collision can never pass or fail the test by itself.
    Fails with one row per duplicated key or key with a null part. -#}
{% test primary_key(model, columns) %}
    {%- set key = columns | join(', ') %}
    with repeated_hashes as (
        select {{ key_hash(columns) }} as key_hash
        from {{ model }}
        group by 1
        having count(*) > 1
    )

    select {{ key }}, count(*) as n
    from {{ model }}
    where {{ key_hash(columns) }} in (select key_hash from repeated_hashes)
    group by {{ key }}
    having count(*) > 1
    union all
    select {{ key }}, 1 as n
    from {{ model }}
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
