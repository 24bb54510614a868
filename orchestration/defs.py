"""Build the Dagster Definitions from a scorecard config."""

import dagster as dg

from orchestration.assets.audit import build_audit_checks
from orchestration.assets.catalog import build_catalog_asset
from orchestration.assets.delivery import build_alerts_asset, build_digest_schedules
from orchestration.assets.landing import build_landing_assets
from orchestration.assets.serving import build_publish_asset, build_report_asset
from orchestration.assets.warehouse import build_dbt_assets
from orchestration.config import ScorecardConfig, find_config, load_config
from orchestration.dbt_cli import dbt_resource
from orchestration.progress import progress_logger
from orchestration.run_context import RunOptions
from orchestration.sensors import build_failure_alert, build_inbox_sensor

JOB_NAME = "nightly_refresh"
BACKFILL_JOB = "scorecard_backfill"


def build_definitions(config: ScorecardConfig, *, demo: bool = False) -> dg.Definitions:
    assets = [
        *build_landing_assets(config, demo=demo),
        build_catalog_asset(config),
        build_dbt_assets(config),
        build_publish_asset(config),
        build_report_asset(config),
    ]
    alerts = build_alerts_asset(config)
    if alerts is not None:
        assets.append(alerts)
    job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description="Extract -> build -> audit -> publish the scorecard.",
    )
    backfill = dg.define_asset_job(
        BACKFILL_JOB,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description="Extract a date range again from every API source, rebuild the warehouse "
        "from landing and publish: what `scorecard backfill --start --end` does. In the "
        "launchpad, set backfill_start and backfill_end (YYYY-MM-DD) under "
        "resources.run_options (prefilled: the last two weeks).",
        config=_backfill_defaults(config),
    )
    timezone = config.schedule.timezone or config.timezone

    @dg.schedule(
        job=job,
        cron_schedule=config.schedule.cron,
        execution_timezone=timezone,
        name=f"{JOB_NAME}_schedule",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def nightly(context: dg.ScheduleEvaluationContext):
        # the run is as of the scheduled moment, so a late or retried tick extracts the same
        # days (the ones over at the scheduled time) and computes the same run date
        moment = context.scheduled_execution_time
        return dg.RunRequest(
            run_key=moment.date().isoformat(),
            run_config={"resources": {"run_options": {"config": {"as_of": moment.isoformat()}}}},
        )

    digest_jobs, digest_schedules = build_digest_schedules(config)
    sensors = [build_failure_alert(config, job)]
    inbox = build_inbox_sensor(config, job)
    if inbox is not None:
        sensors.append(inbox)
    return dg.Definitions(
        assets=assets,
        asset_checks=[build_audit_checks(config)],
        jobs=[job, backfill, *digest_jobs],
        schedules=[nightly, *digest_schedules],
        sensors=sensors,
        resources={"dbt": dbt_resource(), "run_options": RunOptions()},
        loggers={"console": progress_logger},
    )


def _backfill_defaults(config: ScorecardConfig) -> dict:
    """The launchpad's starting point for a backfill from the UI: the last two complete weeks
    (the range is the user's to change; full refresh as `scorecard backfill` does)."""
    from datetime import timedelta

    from orchestration.run_context import business_today

    today = business_today(config)
    options = RunOptions(
        full_refresh=True,
        backfill_start=(today - timedelta(days=14)).isoformat(),
        backfill_end=(today - timedelta(days=1)).isoformat(),
    )
    return {"resources": {"run_options": {"config": options.model_dump(exclude_none=True)}}}


def load_for_dagster() -> tuple[ScorecardConfig, bool]:
    """The config the code location loads: $SCORECARD_CONFIG, else ./scorecard.yml; the demo
    only when asked for (`SCORECARD_DEMO=1`, which `make dev` sets where there is no config).

    A missing or invalid config fails the code location with validate-config's message: a
    production deployment whose config went missing must not quietly schedule the demo's
    numbers to be published."""
    import os

    demo = os.environ.get("SCORECARD_DEMO", "").lower() in ("1", "true", "yes")
    # $SCORECARD_CONFIG wins, also for the demo's sources (a demo config of one's own)
    return load_config(find_config(os.environ.get("SCORECARD_CONFIG"), demo=demo)), demo
