"""Run progress: one line per step, check and publish for people (rich, to stderr), or one
JSON object per line for log shippers.

How much and in which form is set by the command line (`--quiet`, `--verbose`,
`--log-format json`) through two environment variables, so a run the daemon starts in another
process (systemd, journald) can be told the same: SCORECARD_VERBOSITY (quiet | normal | verbose)
and SCORECARD_LOG_FORMAT (text | json).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime

import dagster as dg
from rich.console import Console

# a message our steps log for people (not only errors): printed as it is, without the marker
NOTICE = "[notice] "

_EVENTS = {
    "STEP_START": "start",
    "STEP_SUCCESS": "success",
    "STEP_FAILURE": "failure",
    "STEP_SKIPPED": "skipped",
    "ASSET_CHECK_EVALUATION": "check",
}


VERBOSITY_ENV = "SCORECARD_VERBOSITY"
LOG_FORMAT_ENV = "SCORECARD_LOG_FORMAT"
VERBOSITIES = ("quiet", "normal", "verbose")
LOG_FORMATS = ("text", "json")


def output_settings() -> tuple[str, str]:
    """(verbosity, log format) from the environment; unknown values fall back to the default."""
    verbosity = os.environ.get(VERBOSITY_ENV, "normal")
    fmt = os.environ.get(LOG_FORMAT_ENV, "text")
    return (
        verbosity if verbosity in VERBOSITIES else "normal",
        fmt if fmt in LOG_FORMATS else "text",
    )


def json_line(event: str, message: str = "", *, level: str = "info", **fields) -> str:
    """One log record as a JSON line (secrets redacted like every other log line)."""
    from connectors.secrets import redact

    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "event": event,
        "message": redact(message),
        **{k: v for k, v in fields.items() if v not in (None, "")},
    }
    return json.dumps(record, ensure_ascii=False, default=str)


class ProgressHandler(logging.Handler):
    def __init__(self, console: Console, verbosity: str = "normal", fmt: str = "text"):
        super().__init__(logging.DEBUG)  # Dagster logs its step events at DEBUG
        self.console = console
        self.verbosity = verbosity
        self.fmt = fmt
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if self.fmt == "json":
            self._emit_json(record)
            return
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        quiet = self.verbosity == "quiet"
        if event is None:
            # errors our assets log themselves (quarantines, failed suites); Dagster's own
            # warnings about skipped downstream steps would only repeat the failure
            message = _message(record)
            if message.startswith(NOTICE):
                if not quiet:
                    text = message[len(NOTICE) :]
                    self.console.print(text, style="bold green", highlight=False, markup=False)
            elif (
                record.levelno >= logging.ERROR and step and not message.startswith("Dependencies")
            ):
                self.console.print(f"    [red]{message}[/]", highlight=False)
            elif self.verbosity == "verbose" and record.levelno >= logging.INFO:
                # --verbose: what each step says about itself, under its progress line
                self.console.print(
                    f"    {step}: {message}", style="dim", highlight=False, markup=False
                )
            return
        kind = _EVENTS.get(event.event_type_value)
        if kind == "start" and not quiet:
            self.started[step] = time.monotonic()
            self.console.print(f"[bold]▶[/] {step}", highlight=False)
        elif kind == "success" and not quiet:
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self.console.print(f"[green]✓[/] {step} [dim]({took:.1f}s)[/]", highlight=False)
        elif kind == "failure":
            error = event.step_failure_data.error if event.step_failure_data else None
            self.console.print(f"[red]✗ {step}[/]: {root_cause(error)}", highlight=False)
        elif kind == "skipped" and not quiet:
            self.console.print(f"[dim]- {step} skipped[/]", highlight=False)
        elif kind == "check":
            data = event.event_specific_data
            if data is not None and not data.passed:
                key = "/".join(data.asset_key.path)
                self.console.print(
                    f"    [red]✗ check {data.check_name} on {key} failed[/]", highlight=False
                )

    def _emit_json(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or None
        run_id = meta.get("run_id")
        line = None
        if event is None:
            message = _message(record)
            if message.startswith(NOTICE):
                line = json_line("notice", message[len(NOTICE) :], step=step, run_id=run_id)
            elif record.levelno >= logging.ERROR and step:
                line = json_line("error", message, level="error", step=step, run_id=run_id)
            elif self.verbosity == "verbose" and record.levelno >= logging.INFO:
                level = logging.getLevelName(record.levelno).lower()
                line = json_line("log", message, level=level, step=step, run_id=run_id)
        else:
            kind = _EVENTS.get(event.event_type_value)
            if kind == "start":
                self.started[step] = time.monotonic()
                if self.verbosity != "quiet":
                    line = json_line("step_start", step=step, run_id=run_id)
            elif kind == "success" and self.verbosity != "quiet":
                took = time.monotonic() - self.started.get(step, time.monotonic())
                line = json_line("step_success", step=step, run_id=run_id, seconds=round(took, 1))
            elif kind == "failure":
                error = event.step_failure_data.error if event.step_failure_data else None
                line = json_line(
                    "step_failure", root_cause(error), level="error", step=step, run_id=run_id
                )
            elif kind == "skipped" and self.verbosity != "quiet":
                line = json_line("step_skipped", step=step, run_id=run_id)
            elif kind == "check":
                data = event.event_specific_data
                if data is not None and not data.passed:
                    line = json_line(
                        "check_failed",
                        f"check {data.check_name} on {'/'.join(data.asset_key.path)} failed",
                        level="error",
                        step=step,
                        run_id=run_id,
                        check=data.check_name,
                    )
        if line is not None:
            print(line, file=sys.stderr, flush=True)


def _message(record: logging.LogRecord) -> str:
    text = record.getMessage()
    return text.split(" - ", 3)[-1] if " - " in text else text


@dg.logger(description="One line per step and failed check, for the command line.")
def progress_logger(_init_context) -> logging.Logger:
    log = logging.getLogger("scorecard.progress")
    verbosity, fmt = output_settings()
    log.handlers = [ProgressHandler(Console(stderr=True), verbosity, fmt)]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log


def root_cause(error) -> str:
    """The user-facing reason of a step failure: Dagster wraps what our code raised."""
    if error is None:
        return "failed"
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    message = error.message.strip().splitlines()[0] if error.message else error.cls_name
    # "connectors.http.AuthError: source ..." -> "AuthError: source ..."
    head, sep, rest = message.partition(": ")
    return f"{head.rsplit('.', 1)[-1]}{sep}{rest}" if sep else message
