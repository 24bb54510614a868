"""Demo team sheet: one workbook per year (XLSX) of numbers no system holds.

Written into the configured inbox and then read by the real connector, so the demo exercises
the same parser a real user's sheets go through.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from connectors.atomic import replacing
from connectors.base import Window
from connectors.demo.seasonal import count, rng, share


def team_rows(year: int, last_day: date) -> list[tuple[date, str, float, str | None]]:
    rows = []
    for day in Window(date(year, 1, 1), min(date(year, 12, 31), last_day)).days():
        if day.weekday() == 0:
            hours = max(0.0, 22 + 6 * float(rng("team:training", day).standard_normal()))
            rows.append((day, "training_hours", round(hours, 1), None))
            rows.append((day, "experiments_run", float(count(day, mean=1.6, key="team:exp")), None))
        if day.day == 15:
            nps = 100 * (share(day, mean=0.28, spread=0.09, key="team:enps") - 0.0)
            note = "pulse survey" if day.month % 3 else "quarterly survey"
            rows.append((day, "employee_nps", round(nps), note))
    return rows


def write_team_sheets(inbox: Path, start_date: date, run_date: date) -> list[Path]:
    """One workbook per year; the running year's sheet is saved again whenever it grows."""
    from openpyxl import Workbook

    inbox.mkdir(parents=True, exist_ok=True)
    last_day = run_date - timedelta(days=1)
    written = []
    for year in range(start_date.year, last_day.year + 1):
        rows = [r for r in team_rows(year, last_day) if r[0] >= start_date]
        if not rows:
            continue
        upto = max(r[0] for r in rows)
        # a sheet covering other days is another file (the newest value of a day wins)
        since = "" if start_date <= date(year, 1, 1) else f"_fra_{start_date}"
        until = "" if upto == date(year, 12, 31) or year < last_day.year else f"_til_{upto}"
        path = inbox / f"teamtal_{year}{since}{until}.xlsx"
        if path.exists():
            continue
        wb = Workbook()
        ws = wb.active
        ws.title = "Team"
        ws.append([f"Team metrics {year}"])  # a title row above the header, as people do
        ws.append([])
        ws.append(["date", "metric", "value", "note"])
        for d, metric, value, note in rows:
            ws.append([d, metric, value, note])
        with replacing(path) as tmp:
            wb.save(tmp)
        written.append(path)
    return written
