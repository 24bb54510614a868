"""Dagster side of delivery: the alerts step of the nightly job, and one schedule per digest."""

from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.assets.serving import SERVING_KEY
from orchestration.delivery.alerts import alerting_configured, send_status_alerts
from orchestration.delivery.digest import digest_named, is_first_working_day, send_digest

ALERTS_KEY = dg.AssetKey(["serving", "status_alerts"])
DIGEST_JOB = "scorecard_digest"


def build_alerts_asset(config) -> dg.AssetsDefinition | None:
    """After the publish: alert the status changes (None when nobody is configured to hear)."""
    if not alerting_configured(config):
        return None

    @dg.asset(
        key=ALERTS_KEY,
        group_name="serving",
        kinds={"slack", "email"},
        deps=[SERVING_KEY],
        description="Each new or corrected status change of the newest settled period, sent "
        "once to the team channels and the KPI's owner (ledger: <artifacts>/delivery). A send "
        "that fails is retried, logged and left pending: it never fails the published run.",
    )
    def status_alerts(context: dg.AssetExecutionContext):
        deliveries = send_status_alerts(config, run_id=context.run.run_id, info=context.log.info)
        failed = [d for d in deliveries if not d.ok]
        for d in failed:
            context.log.warning(f"alert to {d.channel} {d.recipient} not sent: {d.error}")
        return dg.MaterializeResult(
            metadata={"sent": len(deliveries) - len(failed), "failed": len(failed)}
        )

    return status_alerts


class DigestRun(dg.Config):
    digest: str


def build_digest_schedules(scorecard):
    """A job that sends a digest, and a schedule per `deliver:` entry (none without any)."""
    if not scorecard.deliver:
        return [], []

    @dg.op(name="send_digest", description="Compose and send a digest of the published scorecard.")
    def send_digest_op(context: dg.OpExecutionContext, config: DigestRun):
        # Dagster names an op's run config `config`; the scorecard's own is `scorecard` here
        digest = digest_named(scorecard, config.digest)[0]
        deliveries = send_digest(scorecard, digest, run_id=context.run_id, info=context.log.info)
        failed = [f"{d.channel} {d.recipient}: {d.error}" for d in deliveries if not d.ok]
        if failed:
            # the digest's run fails (and shows red in the UI); the scorecard is untouched
            raise dg.Failure(
                description=f"the digest '{digest.name}' reached "
                f"{len(deliveries) - len(failed)} of {len(deliveries)} recipients; "
                "not sent: " + "; ".join(failed)
            )

    @dg.job(name=DIGEST_JOB, description="Send a digest of the published scorecard.")
    def digest_job():
        send_digest_op()

    schedules = []
    for digest in scorecard.deliver:
        hour, minute = (int(x) for x in digest.at.split(":"))
        cron = {
            "first_working_day": f"{minute} {hour} 1-7 * *",
            "monday": f"{minute} {hour} * * 1-5",
        }.get(digest.schedule, digest.schedule)
        schedules.append(_schedule(digest, cron, scorecard.timezone, digest_job))
    return [digest_job], schedules


def _schedule(digest, cron: str, zone: str, job) -> dg.ScheduleDefinition:
    @dg.schedule(
        job=job,
        cron_schedule=cron,
        execution_timezone=zone,
        name=f"digest_{digest.name}",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Digest '{digest.name}': {digest.schedule} at {digest.at} ({zone}).",
    )
    def tick(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.astimezone(ZoneInfo(zone)).date()
        if digest.schedule in ("first_working_day", "monday") and not is_first_working_day(
            day, digest.schedule, tuple(digest.holidays)
        ):
            return dg.SkipReason(f"{day} is not the {digest.schedule.replace('_', ' ')}")
        return dg.RunRequest(
            run_key=f"{digest.name}-{day.isoformat()}",
            run_config={"ops": {"send_digest": {"config": {"digest": digest.name}}}},
            tags={"digest": digest.name},
        )

    return tick
