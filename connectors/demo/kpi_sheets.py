"""Demo comment and action sheets: what KPI owners of the demo brand type after a month closes.

Written into the configured inbox and then read by the real connectors, so the demo goes
through the parser a user's sheets go through. Only KPIs the demo config defines are named
(the social demo has fewer), and a sheet that would be empty is not written.

- Comments: one CSV per complete month, for the two months before the run date, on KPIs the
  demo data leaves red or amber then (revenue, pipeline, leads, training, website users).
- Actions: one XLSX per run month, dates relative to that month; last month's sheet and this
  month's name the same actions, so the newer status wins (one moves to done).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from connectors.atomic import replacing

# (kpi, author, text) for a complete month; {month} is the month's name
MONTH_COMMENTS = (
    (
        "revenue",
        "Mette Holm",
        "Below target in {month}: two wholesale orders moved to next month and the autumn "
        "jacket launch slipped a week. Webshop revenue alone is on plan.",
    ),
    (
        "pipeline_value",
        "Jonas Berg",
        "Pipeline is thin after the summer: fewer new B2B leads than planned, and three large "
        "deals closed lost in {month}. Sales is re-qualifying the oldest open deals.",
    ),
    (
        "leads_created",
        "Sara Lind",
        "Lead volume fell as we paused the Meta lead ads in {month} to fix tracking; the new "
        "form is live again, so expect a recovery next month.",
    ),
    (
        "training_hours",
        "Anders Kjær",
        "Peak season ate the training budget in {month}. The GA4 course is booked for the "
        "whole team next month.",
    ),
    (
        "website_users",
        "Sara Lind",
        "Organic search traffic dropped after Google's core update in {month}; paid search "
        "covers part of the gap.",
    ),
)
# (kpi, action, owner, due: days from the first day of the month whose sheet first lists it)
ACTIONS = (
    (
        "revenue",
        "Shift 20% of the display budget to search campaigns returning more than 5x",
        "Performance lead",
        25,
    ),
    ("pipeline_value", "Call back every B2B lead older than 14 days", "Jonas Berg", 20),
    ("training_hours", "Book the GA4 course for the content team", "Anders Kjær", 40),
    ("leads_created", "Relaunch the Meta lead form with fixed tracking", "Sara Lind", 10),
)
# the statuses of ACTIONS in last month's sheet and in this month's
STATUS_BEFORE = ("in_progress", "open", "open", "in_progress")
STATUS_NOW = ("done", "in progress", "open", "done")
# listed first in this month's sheet: (kpi, action, owner, due days from the month's start, status)
NEW_ACTIONS = (
    ("sales_cycle", "Send every quote within 2 days of the meeting", "Jonas Berg", 45, "open"),
    ("experiments_run", "A/B test the free-shipping threshold", "Sara Lind", 5, "dropped"),
)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def write_comment_sheets(inbox: Path, config, run_date: date) -> list[Path]:
    """A comment sheet for each of the two complete months before the run date, once its
    owners have written it (three days after the month closed)."""
    known = config.kpi_ids()
    inbox.mkdir(parents=True, exist_ok=True)
    written = []
    last = _previous_month(_month_start(run_date))
    for month in (_previous_month(last), last):
        if month < config.start_date:
            continue
        path = inbox / f"kpi_comments_{month:%Y-%m}.csv"
        rows = [
            (kpi, f"{month:%Y-%m}", author, text.format(month=f"{month:%B}"))
            for kpi, author, text in MONTH_COMMENTS
            if kpi in known
        ]
        # written on the third day after the month closed: not before (a sheet from the
        # future would fail the landing check that comments are not written after the run)
        written_on = _month_start(month + timedelta(days=32)) + timedelta(days=3)
        if path.exists() or not rows or written_on > run_date:
            continue
        with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, delimiter=config.delimiter)
            out.writerow(["kpi", "period", "author", "text", "date"])
            for row in rows:
                out.writerow([*row, written_on.strftime(config.date_format)])
        written.append(path)
    return written


def write_action_sheets(inbox: Path, config, run_date: date) -> list[Path]:
    """Last month's action sheet and this month's (older first: the newer status wins)."""
    from openpyxl import Workbook

    known = config.kpi_ids()
    inbox.mkdir(parents=True, exist_ok=True)
    this_month = _month_start(run_date)
    last_month = _previous_month(this_month)
    sheets = {
        last_month: [
            (kpi, action, owner, last_month + timedelta(days=due), status)
            for (kpi, action, owner, due), status in zip(ACTIONS, STATUS_BEFORE, strict=True)
        ],
        this_month: [
            *(
                (kpi, action, owner, this_month + timedelta(days=due), status)
                for kpi, action, owner, due, status in NEW_ACTIONS
            ),
            *(
                (kpi, action, owner, last_month + timedelta(days=due), status)
                for (kpi, action, owner, due), status in zip(ACTIONS, STATUS_NOW, strict=True)
            ),
        ],
    }
    written = []
    for month, rows in sheets.items():
        rows = [r for r in rows if r[0] in known]
        path = inbox / f"kpi_actions_{month:%Y-%m}.xlsx"
        if month < _month_start(config.start_date) or path.exists() or not rows:
            continue
        wb = Workbook()
        ws = wb.active
        ws.title = "Actions"
        ws.append([f"KPI actions, {month:%B %Y}"])  # a title row above the header
        ws.append([])
        ws.append(["KPI", "Action", "Owner", "Due", "Status"])
        for row in rows:
            ws.append(list(row))
        with replacing(path) as tmp:
            wb.save(tmp)
        written.append(path)
    return written
