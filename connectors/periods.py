"""Calendar periods: ISO weeks (Monday start), months, quarters and years."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

GRAINS = ("day", "week", "month", "quarter", "year")  # every grain a metric and KPI has
PERIOD_GRAINS = GRAINS[1:]  # the grains made of several days


def period_bounds(grain: str, day: date) -> tuple[date, date]:
    """The inclusive (start, end) of the `grain` period containing `day`."""
    if grain == "day":
        return day, day
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if grain == "month":
        start = day.replace(day=1)
    elif grain == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif grain == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        raise ValueError(f"unknown grain {grain!r}")
    months = 1 if grain == "month" else 3
    y, m = divmod(start.month - 1 + months, 12)
    return start, date(start.year + y, m + 1, 1) - timedelta(days=1)


def periods_touching(grain: str, start: date, end: date) -> Iterator[tuple[date, date]]:
    """Every `grain` period that overlaps [start, end], in order."""
    p_start, p_end = period_bounds(grain, start)
    while p_start <= end:
        yield p_start, p_end
        p_start, p_end = period_bounds(grain, p_end + timedelta(days=1))
