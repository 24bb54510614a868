{#- A table's key: unique and never null, checked in one scan (a not_null test per key column
    and a uniqueness test cost one query each: at scale, dbt's per-test overhead dominated).
    Fails with one row per duplicated key or key with a null part. -#}
{% test primary_key(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
        {%- for column in columns %} or {{ column }} is null{% endfor %}
{% endtest %}
