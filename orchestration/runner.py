"""Run the nightly job in-process (the CLI and the schedule share one code path)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from expectations import describe_report
from orchestration.alerts import send_failure_alert
from orchestration.assets.serving import REPORT_KEY, SERVING_KEY
from orchestration.cause import single_source_cause
from orchestration.compat import DAGSTER_STEP_LOGGER, NO_RESULT_WARNING
from orchestration.config import ScorecardConfig
from orchestration.defs import JOB_NAME, build_definitions
from orchestration.inputs import UP_TO_DATE
from orchestration.progress import root_cause
from orchestration.project import PROJECT_ROOT
from orchestration.run_context import RunFolder, RunOptions


@dataclass
class RunOutcome:
    run_id: str
    published: bool
    serving: Path
    materialized: list[str]
    failed_steps: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # gate and landing problems, readable
    # one line naming the source, day and reason when one source alone failed the run
    cause: str | None = None
    log_path: Path | None = None
    report_path: Path | None = None  # the run's data-quality report
    scorecard_page: Path | None = None  # the HTML scorecard, when it was written
    # nothing changed since the last publish: dbt, gates and publish were skipped and the
    # published scorecard (and its page) stay as they are (decision 29)
    up_to_date: bool = False


# a `scorecard run` tags its run with where it runs, so a later run can tell one that died
HOST_TAG, PID_TAG = "scorecard/host", "scorecard/pid"
_UNFINISHED = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def dagster_home(config: ScorecardConfig | None = None) -> Path:
    """The Dagster instance folder (decision 63): $DAGSTER_HOME when set, else `dagster` in the
    config's artifacts folder, so every run of one scorecard lands in one instance whatever the
    working directory. Created when missing, with the repository's dagster.yaml (telemetry off,
    the warehouse pool); a dagster.yaml already there (production's) is left alone. Without a
    config, the one the code location loads (`make dev` asks this way)."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        path = Path(home)
    else:
        if config is None:
            from orchestration.defs import load_for_dagster

            config = load_for_dagster()[0]
        path = config.paths.artifacts_dir / "dagster"
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    settings = path / "dagster.yaml"
    if not settings.exists():
        shutil.copyfile(PROJECT_ROOT / "dagster.yaml", settings)
    return path


def instance(config: ScorecardConfig | None = None) -> dg.DagsterInstance:
    """The persistent instance the daemon and the UI use too (see `dagster_home`)."""
    inst = dg.DagsterInstance.from_config(str(dagster_home(config)))
    _release_dead_runs(inst)
    return inst


def run_tags() -> dict[str, str]:
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _release_dead_runs(inst: dg.DagsterInstance) -> None:
    """A `scorecard run` killed hard (SIGKILL, power loss) leaves its run STARTED, holding its
    slot of the warehouse pool, and the next run would wait for that slot forever. A run that
    a `scorecard run` on this host started and whose process is gone is marked failed, and its
    slots are freed. (Runs the daemon launched are the daemon's: see docs/deploy.md.)"""
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return
    records = inst.get_run_records(
        dg.RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: socket.gethostname()}), limit=50
    )
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or _alive(int(pid)):
            continue
        inst.report_run_failed(run, message=f"the process running it (pid {pid}) is gone")
        if inst.event_log_storage.supports_global_concurrency_limits:
            inst.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def run_pipeline(
    config: ScorecardConfig,
    *,
    demo: bool,
    moment: datetime,
    full_refresh: bool = False,
    backfill: tuple[date, date] | None = None,
) -> RunOutcome:
    """Run the nightly job in this process as of `moment` (an aware instant: its date in the
    business time zone is the run date; which days are over at it decides each source's window)."""
    defs = build_definitions(config, demo=demo)
    job = defs.resolve_job_def(JOB_NAME)
    options = RunOptions(
        as_of=moment.isoformat(),
        full_refresh=full_refresh,
        backfill_start=backfill[0].isoformat() if backfill else None,
        backfill_end=backfill[1].isoformat() if backfill else None,
    )
    # dbt's per-node output goes to a log file; people get one progress line per step
    log_dir = config.paths.artifacts_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    with (
        instance(config) as inst,
        log_path.open("w", encoding="utf-8") as log_file,
        redirect_stdout(log_file),
        _quiet_when_up_to_date(config),
    ):
        result = job.execute_in_process(
            run_config={
                "resources": {"run_options": {"config": options.model_dump()}},
                "loggers": {"console": {}},
            },
            instance=inst,
            tags=run_tags(),
            raise_on_error=False,
        )
    materialized = sorted(
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    )
    failed_steps = {
        e.step_key: root_cause(e.step_failure_data.error if e.step_failure_data else None)
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    }
    folder = RunFolder.of(config, result.run_id)
    failures = dbt_errors(log_path) if any("dbt" in step for step in failed_steps) else []
    landing_reports, gate_reports = folder.read_all("landing_"), folder.read_all("gate_")
    failures += [
        line for report in landing_reports + gate_reports for line in describe_report(report)
    ]
    cause = (
        None
        if result.success
        else single_source_cause(
            landing_reports,
            folder.read_all("error_"),
            gate_reports,
            failed_steps,
            options.run_date(config),
        )
    )
    # published means the serving file was swapped in; a step after it (the HTML page) may
    # still fail, which fails the run without taking the publish back
    published = SERVING_KEY.to_user_string() in materialized
    up_to_date = result.success and (folder.root / f"{UP_TO_DATE}.json").exists()
    page = config.report_path if REPORT_KEY.to_user_string() in materialized else None
    if up_to_date:
        published, page = True, config.report_path if config.report_path.exists() else None
    report = folder.root / "data_quality.html"
    if not result.success:

        def to_run_log(text: str) -> None:
            with log_path.open("a", encoding="utf-8") as f:
                f.write(f"\nALERT: {text}\n")

        problems = failures or [f"{step}: {why}" for step, why in failed_steps.items()]
        send_failure_alert(
            config,
            run_id=result.run_id,
            problems=[cause, *problems] if cause else problems,
            report=report if report.exists() else None,
            published=published,
            log_to=to_run_log,
        )
    return RunOutcome(
        result.run_id,
        published,
        config.publish.duckdb,
        materialized,
        failed_steps,
        failures,
        cause,
        log_path,
        report if report.exists() else None,
        page,
        up_to_date,
    )


@contextmanager
def _quiet_when_up_to_date(config):
    """Dagster warns that every dbt test check "emitted no result" when the dbt step skipped
    its build because nothing changed (decision 29): expected then, and alarming to read. The
    warning stays for every other run, where a missing check result is news."""
    runs = config.paths.artifacts_dir / "runs"
    started = time.time()

    def keep(record: logging.LogRecord) -> bool:
        if NO_RESULT_WARNING not in record.getMessage():
            return True
        return not any(p.stat().st_mtime >= started for p in runs.glob(f"*/{UP_TO_DATE}.json"))

    logger = logging.getLogger(DAGSTER_STEP_LOGGER)
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def dbt_errors(log_path: Path, limit: int = 12) -> list[str]:
    """dbt's own summary of what failed ("Completed with N errors ..."), from the run log."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Completed with"):
            details = [x.strip() for x in lines[i + 1 :] if x.strip() and not x.startswith("Done.")]
            return [f"dbt: {x}" for x in details[:limit]]
    return []
