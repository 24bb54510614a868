"""Scheduled digests: the overall and perspective scores of the newest complete period, the red
and amber KPIs with their comments and actions, and the page as PDF or a link."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

from orchestration.delivery.channels import Delivery, channel_recipient, person_recipients, send
from orchestration.delivery.content import Served, open_served, period_label
from orchestration.delivery.ledger import log_deliveries
from orchestration.delivery.messages import Message, Section, status_word
from orchestration.publish import SCHEMA

log = logging.getLogger(__name__)


class NothingToSend(RuntimeError):
    """No published scorecard yet."""


def digest_named(config, name: str | None):
    if name is None:
        return list(config.deliver)
    for d in config.deliver:
        if d.name == name:
            return [d]
    known = ", ".join(d.name for d in config.deliver) or "(none configured under deliver:)"
    raise KeyError(f"no digest named '{name}'; digests: {known}")


def is_first_working_day(day: date, schedule: str, holidays=()) -> bool:
    """first_working_day: of the month; monday: of the ISO week (Tuesday after a holiday
    Monday). Weekends and `holidays` are not working days."""

    def working(d: date) -> bool:
        return d.weekday() < 5 and d not in holidays

    if not working(day):
        return False
    if schedule == "first_working_day":
        start = day.replace(day=1)
    else:
        start = day - timedelta(day.weekday())
    return not any(working(start + timedelta(n)) for n in range((day - start).days))


def digest_message(config, digest, served: Served) -> Message:
    overall = served.rows(
        f"select * from {SCHEMA}.overall_scores where grain = ? and is_complete"
        " order by period_start desc limit 1",
        [digest.grain],
    )
    if not overall:
        return Message(
            subject=f"Scorecard: no complete {digest.grain} yet",
            intro=f"The published scorecard has no complete {digest.grain} to report on yet.",
            link=config.report.url,
        )
    top = overall[0]
    period = period_label(digest.grain, top["period_start"])
    names = {
        r["perspective"]: r["name"]
        for r in served.rows(f"select perspective, name from {SCHEMA}.perspectives")
    }
    facts = [("Overall", _score(top))]
    for p in served.rows(
        f"select s.* from {SCHEMA}.perspective_scores as s"
        f" join {SCHEMA}.perspectives using (perspective)"
        " where s.grain = ? and s.period_start = ? order by position",
        [digest.grain, top["period_start"]],
    ):
        facts.append((names.get(p["perspective"], p["perspective"]), _score(p)))
    kpi_rows = served.rows(
        f"select v.* from {SCHEMA}.kpi_values as v join {SCHEMA}.kpis using (kpi_id)"
        " where v.grain = ? and v.period_start = ? and v.status in ('red', 'amber')"
        " order by position",
        [digest.grain, top["period_start"]],
    )
    sections = [
        Section(
            f"{status_word(s)} ({s})",
            tuple(served.item(r) for r in kpi_rows if r["status"] == s),
        )
        for s in ("red", "amber")
    ]
    provisional = ""
    if top["is_provisional"]:
        provisional = " Its newest days may still change (provisional)."
    return Message(
        subject=f"Scorecard {period}: overall {_score(top)}",
        intro=f"The scorecard for {period}: {top['kpis_red']} KPIs off target, "
        f"{top['kpis_amber']} near target, {top['kpis_green']} on target.{provisional}",
        sections=[s for s in sections if s.items],
        facts=facts,
        link=config.report.url,
        footer=(f"{config.organisation} — " if config.organisation else "")
        + f"Marketing Scorecard digest '{digest.name}'.",
    )


def _score(row: dict) -> str:
    if row["score"] is None:
        return "no score (no KPI scored)"
    return f"{row['score']:.0f} / 100 — {status_word(row['status'])}"


def send_digest(config, digest, *, run_id: str | None = None, info=log.info) -> list[Delivery]:
    """Compose and send one digest to its channels and people; every send is logged."""
    if not config.publish.duckdb.exists():
        raise NothingToSend(
            f"nothing is published yet at {config.publish.duckdb}; run `scorecard run` first"
        )
    con, served = open_served(config)
    with con:
        message = digest_message(config, digest, served)
    if digest.page == "attach":
        _attach_pdf(config, message, info)
    recipients = [channel_recipient(config, c) for c in digest.to]
    recipients += [r for p in digest.people for r in person_recipients(config, p)]
    deliveries = []
    for r in {r.id: r for r in recipients}.values():
        # a webhook cannot carry a file: chat channels get the link (when there is one)
        deliveries.append(send(config, r, message))
    log_deliveries(config, "digest", digest.name, run_id, deliveries)
    for d in deliveries:
        outcome = "sent" if d.ok else f"NOT sent ({d.error})"
        info(f"digest '{digest.name}' to {d.channel} {d.recipient}: {outcome}")
    return deliveries


def _attach_pdf(config, message: Message, info) -> None:
    from orchestration.report import write_report
    from orchestration.report.pdf import PdfFailed, PdfUnavailable, write_pdf

    with tempfile.TemporaryDirectory(prefix="scorecard-digest-") as tmp:
        html = write_report(config, Path(tmp) / "scorecard.html")
        try:
            pdf = write_pdf(html, Path(tmp) / "scorecard.pdf", chromium=config.report.chromium)
        except (PdfUnavailable, PdfFailed) as e:
            # the message still goes out: with the link, and saying why there is no PDF
            info(f"the digest goes without its PDF: {e}")
            message.footer += f" The PDF could not be made ({e})."
            return
        message.attachment = ("scorecard.pdf", pdf.read_bytes())
