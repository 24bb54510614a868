"""Tell people when a run failed: a log line always, and a webhook post when configured.

The message is Slack-compatible (`{"text": ...}`, also accepted by Mattermost, Rocket.Chat and
Teams' Slack-compatible connectors). The webhook URL is a secret: it is read from the
environment, never logged, and nothing in the message can carry it (all text is redacted).
"""

from __future__ import annotations

import logging
from pathlib import Path

import requests

from connectors.secrets import redact, resolve_secret

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # the CLI prints failures itself


def failure_message(
    config, *, run_id: str, problems: list[str], report: Path | None, published: bool = False
) -> str:
    outcome = (
        "the scorecard was published, but a later step failed"
        if published
        else f"nothing was published; the previous scorecard stays ({config.publish.duckdb.name})"
    )
    lines = [
        f"Marketing Scorecard: the run {run_id[:8]} failed — {outcome}.",
        *[f"• {p}" for p in problems[:5]],
    ]
    if len(problems) > 5:
        lines.append(f"… and {len(problems) - 5} more")
    if report:
        lines.append(f"Data-quality report: {report}")
    return redact("\n".join(lines))


def send_failure_alert(
    config,
    *,
    run_id: str,
    problems: list[str],
    report: Path | None,
    published: bool = False,
    log_to=None,
) -> bool:
    """Log the failure (to `log_to`, e.g. the run's log); post it to the webhook when one is
    configured. True when posted."""
    text = failure_message(
        config, run_id=run_id, problems=problems, report=report, published=published
    )
    (log_to or log.error)(text)
    if not config.alerts.webhook:
        return False
    url = resolve_secret(config.alerts.webhook, key="alerts.webhook")
    try:
        response = requests.post(url, json={"text": text}, timeout=10)
        response.raise_for_status()
    except requests.RequestException as e:
        # the alert must not hide the failure it reports: log and go on
        (log_to or log.error)(redact(f"the failure alert could not be posted: {type(e).__name__}"))
        return False
    return True
