{#-
  Days and parts of metrics rolled up to every grain, by additivity (DESIGN §5): one select
  over `parts` (a relation or CTE with metric_id, metric_date, part, value, additivity and the
  `keys` columns, e.g. dimension and member) returning metric_id, the keys, grain,
  period_start, period_end and value for the day grain and every period grain.
    sum     - add the days
    average - the mean of the days with a value (a day's parts added first)
    last    - each part's value on its own last day with data in the period, parts added: a
              stock over several accounts never drops one that reported a day late
  A day's value is the sum of its parts. Sourced metrics are not derived from days: the
  caller adds the source's period values.
  Used by int_metric_values (totals) and int_metric_breakdowns (per dimension member), so a
  member rolls up exactly as its total does.
-#}
{% macro metric_rollup(parts, keys=[]) -%}
    {%- set k = keys | join(', ') ~ (', ' if keys else '') -%}
    with days as (
        select
            metric_id,
            {{ k }}
            metric_date,
            {{ exact_sum('value') }} as value
        from {{ parts }}
        group by metric_id, {{ k }} metric_date
    ),

    bucketed as (
        {% for grain in period_grains() %}
            select
                metric_id,
                {{ k }}
                additivity,
                '{{ grain }}' as grain,
                {{ period_start(grain, 'metric_date') }} as period_start,
                part,
                metric_date,
                value
            from {{ parts }}
            where additivity in ('sum', 'average', 'last')
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by metric_id, {{ k }} grain, period_start, part order by metric_date desc
            ) as days_from_end
        from bucketed
    ),

    -- per period and part: the sum of its days and its last value
    part_periods as (
        select
            metric_id,
            {{ k }}
            grain,
            period_start,
            part,
            max(additivity) as additivity,
            {{ exact_sum('value') }} as part_sum,
            max(case when days_from_end = 1 then value end) as part_last
        from ranked
        group by metric_id, {{ k }} grain, period_start, part
    ),

    day_counts as (
        select
            metric_id,
            {{ k }}
            grain,
            period_start,
            count(distinct metric_date) as days_with_value
        from bucketed
        group by metric_id, {{ k }} grain, period_start
    ),

    aggregated as (
        select
            part_periods.metric_id,
            {% for key in keys %}part_periods.{{ key }},{% endfor %}
            part_periods.grain,
            part_periods.period_start,
            case max(part_periods.additivity)
                when 'sum' then {{ exact_sum('part_periods.part_sum') }}
                -- the mean of the days: every part's days added, over the days with a value
                when 'average' then {{ exact_sum('part_periods.part_sum') }} / max(day_counts.days_with_value)
                when 'last' then {{ exact_sum('part_periods.part_last') }}
            end as value
        from part_periods
        inner join day_counts
            on
                part_periods.metric_id = day_counts.metric_id
                {% for key in keys %}
                    and part_periods.{{ key }} = day_counts.{{ key }}
                {% endfor %}
                and part_periods.grain = day_counts.grain
                and part_periods.period_start = day_counts.period_start
        group by
            part_periods.metric_id,
            {% for key in keys %}part_periods.{{ key }},{% endfor %}
            part_periods.grain,
            part_periods.period_start
    )

    select
        metric_id,
        {{ k }}
        'day' as grain,
        metric_date as period_start,
        metric_date as period_end,
        value
    from days
    {% for grain in period_grains() %}
        union all
        select
            metric_id,
            {{ k }}
            grain,
            period_start,
            {{ period_end(grain, 'period_start') }} as period_end,
            value
        from aggregated
        where grain = '{{ grain }}'
    {% endfor %}
{%- endmacro %}
