"""Concise run progress for people: one line per step, check and publish (rich, to stderr)."""

from __future__ import annotations

import logging
import time

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


class ProgressHandler(logging.Handler):
    def __init__(self, console: Console):
        super().__init__(logging.DEBUG)  # Dagster logs its step events at DEBUG
        self.console = console
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            # errors our assets log themselves (quarantines, failed suites); Dagster's own
            # warnings about skipped downstream steps would only repeat the failure
            message = _message(record)
            if message.startswith(NOTICE):
                text = message[len(NOTICE) :]
                self.console.print(text, style="bold green", highlight=False, markup=False)
            elif (
                record.levelno >= logging.ERROR and step and not message.startswith("Dependencies")
            ):
                self.console.print(f"    [red]{message}[/]", highlight=False)
            return
        kind = _EVENTS.get(event.event_type_value)
        if kind == "start":
            self.started[step] = time.monotonic()
            self.console.print(f"[bold]▶[/] {step}", highlight=False)
        elif kind == "success":
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self.console.print(f"[green]✓[/] {step} [dim]({took:.1f}s)[/]", highlight=False)
        elif kind == "failure":
            error = event.step_failure_data.error if event.step_failure_data else None
            self.console.print(f"[red]✗ {step}[/]: {root_cause(error)}", highlight=False)
        elif kind == "skipped":
            self.console.print(f"[dim]- {step} skipped[/]", highlight=False)
        elif kind == "check":
            data = event.event_specific_data
            if data is not None and not data.passed:
                key = "/".join(data.asset_key.path)
                self.console.print(
                    f"    [red]✗ check {data.check_name} on {key} failed[/]", highlight=False
                )


def _message(record: logging.LogRecord) -> str:
    text = record.getMessage()
    return text.split(" - ", 3)[-1] if " - " in text else text


@dg.logger(description="One line per step and failed check, for the command line.")
def progress_logger(_init_context) -> logging.Logger:
    log = logging.getLogger("scorecard.progress")
    log.handlers = [ProgressHandler(Console(stderr=True))]
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
