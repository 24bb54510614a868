"""The TARGET calendar: the days the ECB publishes euro reference rates for.

The ECB publishes on every TARGET business day, around 16:00 CET, and on no other day: not on
Saturdays and Sundays, nor on the TARGET closing days (since 2002) — New Year's Day, Good Friday,
Easter Monday, Labour Day (1 May), Christmas Day and 26 December.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

FIXED_CLOSING_DAYS = ((1, 1), (5, 1), (12, 25), (12, 26))  # (month, day)


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    return date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)


def closing_days(year: int) -> frozenset[date]:
    """The TARGET closing days of a year (weekends aside)."""
    easter = easter_sunday(year)
    fixed = {date(year, month, day) for month, day in FIXED_CLOSING_DAYS}
    return frozenset(fixed | {easter - timedelta(days=2), easter + timedelta(days=1)})


def is_business_day(day: date) -> bool:
    """A day the ECB publishes reference rates for."""
    return day.weekday() < 5 and day not in closing_days(day.year)


def business_days(days: Iterable[date]) -> list[date]:
    return [d for d in days if is_business_day(d)]
