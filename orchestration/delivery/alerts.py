"""Status-change alerts: after a publish, tell the team and each KPI owner once per change.

For each KPI and alerting grain, the newest *settled* complete period (not provisional: its
numbers no longer move) is compared with what the ledger says people were told:
- not told yet, and `scorecard.status_changes` holds it as a change to an alerted status:
  a "changed" alert;
- told, and its status is still the one told: nothing (a rerun, a backfill, a restatement
  that keeps the status);
- told, and the status is now different (a restatement): one "corrected" alert.
Only a published scorecard gets here, so a run that failed its gates alerts nobody.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from orchestration.delivery.channels import (
    Delivery,
    channel_recipient,
    person_recipients,
    send,
)
from orchestration.delivery.content import Served, open_served
from orchestration.delivery.ledger import Ledger, log_deliveries, open_ledger
from orchestration.delivery.messages import Message, Section, status_word
from orchestration.publish import SCHEMA

log = logging.getLogger(__name__)

SETTLED = f"""
with complete as (
    select * from {SCHEMA}.kpi_values
    where is_complete and list_contains(?::varchar[], grain)
),

settled as (
    select * from complete
    where not is_provisional
    qualify row_number() over (partition by kpi_id, grain order by period_start desc) = 1
)

select
    settled.*,
    changes.previous_status as changed_from
from settled
left join {SCHEMA}.status_changes as changes
    on
        settled.kpi_id = changes.kpi_id
        and settled.grain = changes.grain
        and settled.period_start = changes.period_start
order by settled.kpi_id, settled.grain
"""


def alerting_configured(config) -> bool:
    return bool(config.alerts.team) or (
        config.alerts.owners and any(p.email or p.channels for p in config.people.values())
    )


def send_status_alerts(config, *, run_id: str | None = None, info=log.info) -> list[Delivery]:
    """Alert the new and corrected status changes of the published scorecard and retry the
    sends that failed before; returns this call's deliveries (also in the delivery log)."""
    if not alerting_configured(config) or not config.publish.duckdb.exists():
        return []
    con, served = open_served(config)
    with con, open_ledger(config) as ledger:
        rows = served.rows(SETTLED, [list(config.alerts.grains)])
        recipients = _recipients(config)
        now = datetime.now(UTC).isoformat()
        for row in rows:
            _track(config, ledger, row, recipients, now)
        deliveries = _send_pending(config, ledger, served, rows, recipients)
    log_deliveries(config, "alert", "status changes", run_id, deliveries)
    for d in deliveries:
        info(
            f"alert to {d.channel} {d.recipient}: "
            + ("sent" if d.ok else f"NOT sent ({d.error}); it is retried on the next publish")
        )
    return deliveries


def _recipients(config) -> dict[str, dict]:
    """Recipient id -> the recipient and whose KPIs it hears about (None: all of them)."""
    out: dict[str, dict] = {}
    for name in config.alerts.team:
        r = channel_recipient(config, name)
        out[r.id] = {"recipient": r, "owner": None}
    if config.alerts.owners:
        for name in config.people:
            for r in person_recipients(config, name):
                out.setdefault(r.id, {"recipient": r, "owner": name})
    return out


def _track(config, ledger: Ledger, row: dict, recipients: dict, now: str) -> None:
    key = Ledger.key(row["kpi_id"], row["grain"], row["period_start"])
    told = ledger.alerts.get(key)
    if told is not None:
        if told["status"] == row["status"]:
            return
        kind = "corrected"
        note = f"corrected: alerted on {told['alerted_at'][:10]} as {status_word(told['status'])}"
    else:
        if row["changed_from"] is None or row["status"] not in config.alerts.statuses:
            return
        kind, note = "changed", ""
    owner = next((k.owner for k in config.kpis if k.id == row["kpi_id"]), None)
    ledger.alerts[key] = {
        "kpi_id": row["kpi_id"],
        "grain": row["grain"],
        "period_start": str(row["period_start"]),
        "status": row["status"],
        "previous_status": row["changed_from"],
        "kind": kind,
        "note": note,
        "alerted_at": now,
        # the team hears about every KPI; a person about the KPIs they own
        "pending": sorted(rid for rid, r in recipients.items() if r["owner"] in (None, owner)),
    }


def _send_pending(config, ledger: Ledger, served: Served, rows, recipients) -> list[Delivery]:
    current = {Ledger.key(r["kpi_id"], r["grain"], r["period_start"]): r for r in rows}
    deliveries = []
    for alert in ledger.alerts.values():
        # a recipient no longer configured is not waited for; an alert about a period that is
        # no longer the newest settled one is overtaken by that newer period's own alert
        alert["pending"] = [rid for rid in alert["pending"] if rid in recipients]
    for key in set(ledger.alerts) - set(current):
        ledger.alerts[key]["pending"] = []
    for rid in sorted(recipients):
        keys = ledger.pending_for(rid)
        if not keys:
            continue
        target = recipients[rid]
        items = [
            served.item(
                current[k],
                previous_status=ledger.alerts[k]["previous_status"],
                note=ledger.alerts[k]["note"],
            )
            for k in keys
        ]
        message = _message(config, items, owner=target["owner"])
        delivery = send(config, target["recipient"], message)
        deliveries.append(delivery)
        if delivery.ok:
            for k in keys:
                ledger.alerts[k]["pending"].remove(rid)
    return deliveries


def _message(config, items, *, owner: str | None) -> Message:
    order = {"red": 0, "amber": 1, "green": 2}
    items = sorted(items, key=lambda i: (order.get(i.status, 3), i.name))
    corrected = [i for i in items if i.note.startswith("corrected")]
    changed = [i for i in items if not i.note.startswith("corrected")]
    count = "One" if len(items) == 1 else str(len(items))
    whose = "of your KPIs" if owner else ("KPI" if len(items) == 1 else "KPIs")
    if len(items) == 1:
        subject = f"Scorecard: {items[0].headline}"
    else:
        subject = f"Scorecard: {len(items)} KPIs changed status"
    if corrected and not changed:
        subject = f"Scorecard correction: {subject.removeprefix('Scorecard: ')}"
    verb = "changed" if len(items) > 1 or owner else "has changed"
    intro = f"{count} {whose} {verb} status in the newest settled period" + (
        " (corrections of earlier alerts are marked)." if corrected else "."
    )
    sections = [Section("Changed status", tuple(changed)), Section("Corrected", tuple(corrected))]
    return Message(
        subject=subject,
        intro=intro,
        sections=[s for s in sections if s.items],
        link=config.report.url,
        footer=_footer(config, owner),
    )


def _footer(config, owner: str | None) -> str:
    org = f"{config.organisation} — " if config.organisation else ""
    reason = f"you own these KPIs ({owner})" if owner else "this channel gets every status change"
    return f"{org}Marketing Scorecard. You get this because {reason}."
