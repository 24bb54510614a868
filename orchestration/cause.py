"""One line that says why a run failed, when one source alone failed it.

The details (every failed expectation, example rows) follow it; this line is what a person or
an alert reads first: which source, which day, and what was wrong.
"""

from __future__ import annotations

import re
from datetime import date

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_LANDING_STEP = "land_"


def single_source_cause(
    landing_reports: list[dict],
    step_errors: list[dict],
    gate_reports: list[dict],
    failed_steps: dict[str, str],
    run_date: date,
) -> str | None:
    """`source <name>, <day>: <reason> (<check>)` when every failure of the run comes from one
    source's landing step (its extraction or its raw checks); None otherwise."""
    failing = [r for r in landing_reports if r.get("failures")]
    errors = [e for e in step_errors if e.get("step", "").startswith(_LANDING_STEP)]
    sources = {r["source"] for r in failing} | {
        e["step"].removeprefix(_LANDING_STEP) for e in errors
    }
    if len(sources) != 1 or any(r.get("failures") for r in gate_reports):
        return None
    [source] = sources
    if any(step != f"{_LANDING_STEP}{source}" for step in failed_steps):
        return None  # another step failed too: there is more than one story
    if errors:
        return f"source {source}, {run_date}: {errors[0]['message']}"
    return f"source {source}, " + _describe(failing[0]["failures"][0], run_date)


def _describe(failure: dict, run_date: date) -> str:
    suite = failure["suite"]
    if failure.get("error"):
        return f"{run_date}: the check {suite} could not run: {failure['error']}"
    outcomes = failure.get("failed") or []
    if not outcomes:
        return f"{run_date}: the check {suite} evaluated no expectations"
    outcome = outcomes[0]
    example = next((e for e in outcome.get("examples") or [] if isinstance(e, dict)), {})
    day = next(
        (str(v)[:10] for k, v in example.items() if k != "_file" and _DAY.match(str(v))),
        str(run_date),
    )
    rule = outcome.get("description") or (
        f"{outcome['expectation']}" + (f" on {outcome['column']}" if outcome.get("column") else "")
    )
    shown = {k: v for k, v in example.items() if k not in ("_file", outcome.get("column"))}
    found = ", ".join(f"{k} {v}" for k, v in shown.items() if not _DAY.match(str(v)))
    count = outcome.get("unexpected_count")
    rows = f"; {count} row(s) break it" if count and count > 1 else ""
    return f"{day}: {rule} — not met{f' ({found})' if found else ''}{rows}; check {suite}"
