/*
  One row per source, account and day that must have data, and whether it has any.
  A day must be there once it is complete and has left the source's lookback window: from the
  later of start_date and the oldest day the platform keeps, to the source's last complete day
  - lookback_days. The last complete day is the newest window end its landed batches declare
  (windows end at the last day that is over in the source's own time zone), never after run
  date - 1: a day still running in the source's zone is never judged. Days still inside the
  lookback may arrive late (the next runs re-extract them).
*/
with sources as (
    select * from {{ ref('stg_scorecard_config__sources') }}
    where daily_completeness
),

run_context as (
    select run_date from {{ ref('stg_scorecard_config__run_contexts') }}
),

-- the staging models where each source type's days land (dbt var scorecard_presence, set
-- from the connectors' stream declarations)
landed_days as (
    {% for presence in var('scorecard_presence') %}
        select
            source_name,
            {{ presence.account_column }} as account_id,
            metric_date,
            window_end
        from {{ ref(presence.model) }}
        {% if not loop.last %}union all{% endif %}
    {% else %}
        select
            cast(null as string) as source_name,
            cast(null as string) as account_id,
            cast(null as date) as metric_date,
            cast(null as date) as window_end
        where false
    {% endfor %}
),

settled as (
    select
        source_name,
        max(window_end) as last_complete_day
    from landed_days
    group by source_name
),

settled_until as (
    -- never after run date - 1; a source with nothing landed yet is judged to run date - 1
    select
        sources.source_name,
        case
            when settled.last_complete_day < run_context.run_date then settled.last_complete_day
            else cast({{ dbt.dateadd('day', '-1', 'run_context.run_date') }} as date)
        end as last_complete_day
    from sources
    left join settled
        on sources.source_name = settled.source_name
    cross join run_context
),

accounts as (
    select
        sources.source_name,
        sources.source_type,
        accounts.account_id,
        case
            when sources.history_days is null then sources.start_date
            when
                sources.start_date
                > {{ dbt.dateadd('day', '1 - sources.history_days', 'run_context.run_date') }}
                then sources.start_date
            else cast({{ dbt.dateadd('day', '1 - sources.history_days', 'run_context.run_date') }} as date)
        end as first_day,
        cast(
            {{ dbt.dateadd('day', '-1 * sources.lookback_days', 'settled_until.last_complete_day') }} as date
        ) as last_day
    from sources
    inner join {{ ref('stg_scorecard_config__source_accounts') }} as accounts
        on sources.source_name = accounts.source_name
    inner join settled_until
        on sources.source_name = settled_until.source_name
    cross join run_context
),

days as (
    {{ date_spine("(select min(first_day) from accounts)", "(select max(last_day) from accounts)") }}
),

present as (
    select distinct
        source_name,
        account_id,
        metric_date
    from landed_days
)

select
    accounts.source_name,
    accounts.source_type,
    accounts.account_id,
    days.date_day as day,
    present.metric_date is not null as is_present
from accounts
inner join days
    on days.date_day between accounts.first_day and accounts.last_day
left join present
    on
        accounts.source_name = present.source_name
        and accounts.account_id = present.account_id
        and days.date_day = present.metric_date
