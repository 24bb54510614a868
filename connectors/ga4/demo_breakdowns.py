"""Demo GA4 breakdowns: each day's totals split over the members of a dimension.

A member's sessions, key events and revenue are whole shares of the day's totals (largest
remainder, revenue in øre), so the members add up exactly to the property's totals, as a real
session-scoped GA4 report does. Channels convert differently, so a ratio KPI's members differ
and their contributions explain something. One campaign runs for a season each year; the
source/medium breakdown ends in GA4's `(other)` row.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np

from connectors.demo.seasonal import share

# dimension -> members with (mean share of sessions, conversion factor vs the property's rate)
MEMBERS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "channel": (
        ("Organic Search", 0.38, 1.0),
        ("Direct", 0.22, 1.3),
        ("Paid Search", 0.14, 1.5),
        ("Paid Social", 0.09, 0.6),
        ("Email", 0.07, 1.8),
        ("Organic Social", 0.06, 0.5),
        ("Referral", 0.04, 0.9),
    ),
    "source_medium": (
        ("google / organic", 0.36, 1.0),
        ("(direct) / (none)", 0.22, 1.3),
        ("google / cpc", 0.14, 1.5),
        ("facebook / paid", 0.09, 0.6),
        ("newsletter / email", 0.07, 1.8),
        ("linkedin.com / referral", 0.05, 0.5),
        ("(other)", 0.07, 0.9),
    ),
    "device": (("desktop", 0.52, 1.3), ("mobile", 0.43, 0.7), ("tablet", 0.05, 0.9)),
    "country": (
        ("Denmark", 0.61, 1.1),
        ("Sweden", 0.14, 0.9),
        ("Norway", 0.1, 0.9),
        ("Germany", 0.09, 0.8),
        ("United Kingdom", 0.06, 0.7),
    ),
}
# campaigns run in a season of each year (month-day from, to); other sessions are "(not set)"
CAMPAIGNS = (
    ("spring_launch", (3, 1), (4, 30), 0.12, 1.4),
    ("summer_sale", (6, 15), (8, 15), 0.10, 1.6),
    ("black_friday", (11, 1), (12, 31), 0.16, 2.0),
)
NOT_SET = "(not set)"


@functools.lru_cache(maxsize=65536)
def member_weights(dimension: str, kind: int, day: date) -> tuple[tuple[str, ...], np.ndarray]:
    """Members active on `day` and their (sessions share, conversion factor) rows, drawn once
    per dimension, property kind (content site or shop) and day."""
    if dimension == "campaign":
        rows = [
            (name, share(day, mean=mean, spread=mean / 10, key=f"ga4:cmp:{name}:{kind}"), conv)
            for name, first, last, mean, conv in CAMPAIGNS
            if date(day.year, *first) <= day <= date(day.year, *last)
        ]
        rows.append((NOT_SET, 1.0 - sum(r[1] for r in rows), 1.0))
    else:
        rows = [
            (name, share(day, mean=mean, spread=mean / 8, key=f"ga4:{dimension}:{name}:{kind}"), c)
            for name, mean, c in MEMBERS[dimension]
        ]
    names = tuple(r[0] for r in rows)
    weights = np.array([[r[1], r[1] * r[2]] for r in rows], dtype=float)
    return names, weights / weights.sum(axis=0)


def split(total: float, weights: np.ndarray) -> np.ndarray:
    """Whole units of `total` in proportion to `weights` (largest remainder): they add up to
    `total` exactly."""
    units = round(total)
    raw = weights * units
    out = np.floor(raw).astype(np.int64)
    rest = units - int(out.sum())
    if rest:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def member_values(
    dimension: str, kind: int, day: date, totals: dict[str, float]
) -> list[tuple[str, dict[str, float]]]:
    """Each member's metrics on `day` (members with no sessions and no revenue are left out,
    as GA4 leaves out rows without data)."""
    names, weights = member_weights(dimension, kind, day)
    by_sessions, by_conversions = weights[:, 0], weights[:, 1]
    values = {
        metric: split(value, by_sessions).astype(float)
        for metric, value in totals.items()
        if metric in ("sessions", "engagedSessions", "totalUsers")
    }
    if "keyEvents" in totals:
        values["keyEvents"] = split(totals["keyEvents"], by_conversions).astype(float)
    if "totalRevenue" in totals:  # in øre, so the members add up to the krone amount exactly
        values["totalRevenue"] = split(totals["totalRevenue"] * 100, by_conversions) / 100
    out = []
    for i, name in enumerate(names):
        row = {metric: float(v[i]) for metric, v in values.items()}
        if any(row.values()):
            out.append((name, row))
    return out
