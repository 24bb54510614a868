/*
  Every period of every grain from the first day with data up to the run date, with its
  completeness: complete when it ended before the run date (business time zone); provisional
  while not ended or when it ends within the largest source lookback (numbers may change).
  A KPI narrows that to the lookback of the sources feeding it (int_kpi_values).
*/
with run_context as (
    select * from {{ ref('stg_scorecard_config__run_contexts') }}
),

days as (
    {{ date_spine(
        "(select min(metric_date) from " ~ ref('int_metrics__daily') ~ ")",
        "(select run_date from run_context)"
    ) }}
),

periods as (
    {% for grain in all_grains() %}
        select distinct
            '{{ grain }}' as grain,
            {{ period_start(grain, 'date_day') }} as period_start
        from days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

bounded as (
    {% for grain in all_grains() %}
        select
            grain,
            period_start,
            {{ period_end(grain, 'period_start') }} as period_end
        from periods
        where grain = '{{ grain }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    bounded.grain,
    bounded.period_start,
    bounded.period_end,
    bounded.period_end < run_context.run_date as is_complete,
    (
        bounded.period_end >= run_context.run_date
        or bounded.period_end
        >= {{ dbt.dateadd('day', '-run_context.provisional_days', 'run_context.run_date') }}
    ) as is_provisional,
    -- days from the period's last day to the run date: a KPI is provisional within its own
    -- sources' lookback (int_kpi_values)
    {{ dbt.datediff('bounded.period_end', 'run_context.run_date', 'day') }} as days_since_end
from bounded
cross join run_context
