"""What every step of one run shares: the run's date, options and its folder of artefacts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from connectors.atomic import write_text

WAREHOUSE_POOL = "duckdb_warehouse"  # one writer at a time on the warehouse file


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def warehouse_lock(config, *, log=None, timeout: float = 1800) -> Iterator[None]:
    """Hold the warehouse for one step, across processes.

    The Dagster pool keeps steps of one instance apart; this file lock also keeps apart a
    `scorecard run` from the command line and a run launched from the UI or the schedule.
    `filelock` takes the same lock on every system (flock on Linux and macOS, a Windows lock
    on Windows), where `fcntl` alone exists on POSIX only.
    """
    from filelock import FileLock, Timeout

    path = Path(f"{config.paths.warehouse}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    # not a singleton: a second lock object on the same path in this process waits too
    lock = FileLock(str(path), is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if log is not None:
            log.info(f"waiting for another run to release {config.paths.warehouse}")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise WarehouseBusy(
                f"another run has held {config.paths.warehouse} for over {timeout:.0f} s; "
                "wait for it to finish or stop it"
            ) from None
    try:
        yield
    finally:
        lock.release()


def run_moment(as_of: str | None, timezone: str, *, now: datetime | None = None) -> datetime:
    """The instant a run extracts as of (aware), from `--as-of` or the schedule.

    - nothing: now;
    - `YYYY-MM-DD`: now when that is today in the business time zone, else the moment that day
      began there (00:00), so a replayed date sees exactly the days that were over then;
    - `YYYY-MM-DDTHH:MM[:SS]`: that local time in the business time zone (or the offset given),
      e.g. the nightly schedule's 02:00.

    The run date is this moment's date in the business time zone. Raises ValueError on text
    that is neither.
    """
    zone = ZoneInfo(timezone)
    now = now or datetime.now(zone)
    if not as_of:
        return now
    if len(as_of) == 10:
        day = date.fromisoformat(as_of)
        if day == now.astimezone(zone).date():
            return now
        return datetime.combine(day, clock_time(), tzinfo=zone)
    moment = datetime.fromisoformat(as_of)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def business_date(moment: datetime, timezone: str) -> date:
    """The date of a moment in the business time zone (a run's date, "today")."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def business_today(config) -> date:
    return business_date(datetime.now(ZoneInfo(config.timezone)), config.timezone)


class RunOptions(dg.ConfigurableResource):
    """Per-run options: the CLI and the schedule set them through run config."""

    # YYYY-MM-DD or an ISO timestamp (run_moment); default: now
    as_of: str | None = None
    full_refresh: bool = False  # rebuild the warehouse from landing alone
    backfill_start: str | None = None  # YYYY-MM-DD: extract exactly this range again
    backfill_end: str | None = None

    def backfill_window(self):
        from connectors.base import Window

        if not self.backfill_start:
            return None
        return Window(
            date.fromisoformat(self.backfill_start), date.fromisoformat(self.backfill_end)
        )

    def moment(self, config) -> datetime:
        return run_moment(self.as_of, config.timezone)

    def run_date(self, config) -> date:
        return business_date(self.moment(config), config.timezone)


@dataclass(frozen=True)
class RunFolder:
    """`<work>/runs/<run_id>/`: step reports that later steps and `scorecard status` read."""

    root: Path

    @classmethod
    def of(cls, config, run_id: str) -> RunFolder:
        return cls(config.paths.artifacts_dir / "runs" / run_id)

    def write(self, name: str, payload: dict) -> Path:
        return write_text(self.root / f"{name}.json", json.dumps(payload, indent=2, default=str))

    def record_error(self, step: str, error: BaseException) -> None:
        """A step that failed before writing its own report still shows in the report."""
        from connectors.secrets import redact

        self.write(
            f"error_{step}", {"step": step, "message": redact(f"{type(error).__name__}: {error}")}
        )

    def data_quality_report(self, run_date=None) -> Path:
        """Rebuild the run's HTML data-quality report from what the steps wrote so far."""
        from expectations.report import write_report

        return write_report(self.root, run_id=self.root.name, run_date=run_date)

    def read_all(self, prefix: str) -> list[dict]:
        return [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(self.root.glob(f"{prefix}*.json"))
        ]
