"""Sensors: start a run when a new file lands in an inbox; alert when a run fails."""

import hashlib
import json

import dagster as dg

from connectors import connector_for
from connectors.files import content_hash, inbox_files
from connectors.landing import LandingStore
from expectations import describe_report
from orchestration.alerts import send_failure_alert
from orchestration.run_context import RunFolder


def build_inbox_sensor(config, job) -> dg.SensorDefinition | None:
    """A run for files dropped into a finance or manual inbox that are not landed yet."""
    # asked per source: a type may read files in one mode only (fx_rates with `path:`)
    file_sources = [s for s in config.sources if connector_for(s.type)(s).reads_files]
    if not file_sources:
        return None

    @dg.sensor(
        job=job,
        name="inbox_sensor",
        minimum_interval_seconds=config.sensors.inbox_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts the refresh when a new export or sheet appears in an inbox.",
    )
    def inbox(context: dg.SensorEvaluationContext):
        store = LandingStore(config.paths.landing)
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        present, new = set(), []
        for source in file_sources:
            connector = connector_for(source.type)(source)
            landed = store.state(source.name, connector.streams[0].name).file_hashes
            for path in inbox_files(connector.inbox()):
                digest = content_hash(path)
                present.add(digest)
                if digest not in landed and digest not in seen:
                    new.append((source.name, path.name, digest))
        # the cursor holds what the inboxes held last time: it never grows beyond them
        context.update_cursor(json.dumps(sorted(present)))
        if not new:
            return dg.SkipReason("no new files in the inboxes")
        key = hashlib.sha256("".join(sorted(d for *_, d in new)).encode()).hexdigest()[:16]
        return dg.RunRequest(
            run_key=f"inbox-{key}",
            tags={
                "trigger": "inbox",
                "files": ", ".join(f"{s}/{n}" for s, n, _ in new)[:200],
            },
        )

    return inbox


def build_failure_alert(config, job) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="failure_alert",
        monitored_jobs=[job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Logs a failed run and posts it to alerts.webhook when configured.",
    )
    def failure_alert(context: dg.RunFailureSensorContext):
        run_id = context.dagster_run.run_id
        folder = RunFolder.of(config, run_id)
        problems = [
            line
            for report in folder.read_all("landing_") + folder.read_all("gate_")
            for line in describe_report(report)
        ] + [e["message"] for e in folder.read_all("error_")]
        if not problems and context.failure_event.message:
            problems = [context.failure_event.message]
        report = folder.root / "data_quality.html"
        send_failure_alert(
            config,
            run_id=run_id,
            problems=problems,
            report=report if report.exists() else None,
            log_to=context.log.error,
        )

    return failure_alert
