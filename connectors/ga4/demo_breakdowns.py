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


def split_rows(units: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Whole units in proportion to `weights` (largest remainder), for many totals at once:
    row i of the result is `units[i]` split over the members, adding up to `units[i]` exactly."""
    raw = units[:, None] * weights[None, :]
    out = np.floor(raw).astype(np.int64)
    rest = units.astype(np.int64) - out.sum(axis=1)
    order = np.argsort(-(raw - out), axis=1, kind="stable")
    rank = np.argsort(order, axis=1, kind="stable")  # each member's place in the order
    return out + (rank < rest[:, None])


def daily_member_table(schema, property_ids, days, dimensions, metrics, totals, flags):
    """The landed daily breakdown rows as one Arrow table, built column-wise (at benchmark
    scale a night's history is tens of millions of rows). `totals(index, pid, day)` gives a
    property's day totals by GA4 metric; a property's kind is its index modulo 2."""
    import pyarrow as pa

    columns: dict[str, list] = {n: [] for n in ("property_id", "date", "member", "metric")}
    columns["dimension"], columns["value"] = [], []
    kinds = {k: [(i, p) for i, p in enumerate(property_ids) if i % 2 == k] for k in (0, 1)}
    for day in days:
        for kind, props in kinds.items():
            if not props:
                continue
            table = np.array([[totals(i, p, day)[m] for m in metrics] for i, p in props])
            pids = np.array([p for _, p in props], dtype=object)
            for dimension in dimensions:
                names, weights = member_weights(dimension, kind, day)
                parts = []
                for j, metric in enumerate(metrics):
                    by = weights[:, 1] if metric in ("keyEvents", "totalRevenue") else weights[:, 0]
                    if metric == "totalRevenue":  # in øre, so members add up exactly
                        parts.append(split_rows(np.round(table[:, j] * 100), by) / 100)
                    else:
                        parts.append(split_rows(np.round(table[:, j]), by).astype(float))
                values = np.stack(parts, axis=2)  # property × member × metric
                keep = values.any(axis=2)  # GA4 leaves members without data out
                p_idx, m_idx = np.nonzero(keep)
                n = len(p_idx) * len(metrics)
                columns["property_id"].append(np.repeat(pids[p_idx], len(metrics)))
                members = np.array(names, dtype=object)[m_idx]
                columns["member"].append(np.repeat(members, len(metrics)))
                columns["metric"].append(np.tile(np.array(metrics, dtype=object), len(p_idx)))
                columns["value"].append(values[p_idx, m_idx, :].reshape(-1))
                columns["date"].append(np.full(n, np.datetime64(day, "D")))
                columns["dimension"].append(np.full(n, dimension, dtype=object))
    n = sum(len(v) for v in columns["value"])
    data = {
        name: np.concatenate(parts) if parts else np.array([], dtype=object)
        for name, parts in columns.items()
    }
    arrays = {
        "property_id": pa.array(data["property_id"], pa.string()),
        "date": pa.array(data["date"].astype("datetime64[D]"), pa.date32()),
        "dimension": pa.array(data["dimension"], pa.string()),
        "member": pa.array(data["member"], pa.string()),
        "metric": pa.array(data["metric"], pa.string()),
        "value": pa.array(data["value"].astype(float), pa.float64()),
    }
    for name, value in flags.items():
        arrays[name] = pa.repeat(pa.scalar(value, schema.field(name).type), n)
    other = pa.array(data["member"] == "(other)", pa.bool_()) if n else pa.array([], pa.bool_())
    arrays["data_loss_from_other_row"] = other
    return pa.table([arrays[f.name] for f in schema], schema=schema)


def period_member_table(schema, property_ids, days, periods, dimensions, users, overlap, flags):
    """The landed period breakdown rows (distinct users per member and period) as one Arrow
    table: each member's daily users (whole shares of the property's, as in
    `daily_member_table`) added over the period's days, times the period's overlap (a member's
    visitors come back too). A member without users in a period has no row. `days` runs from
    the first period's start to the window's end; `users(index, pid, day)` gives a property's
    daily users; `periods` are (grain, start, end), counted up to the last of `days`."""
    import pyarrow as pa

    position = {d: i for i, d in enumerate(days)}
    out: dict[str, list] = {n: [] for n in ("property_id", "grain", "start", "end")}
    out |= {"dimension": [], "member": [], "value": []}
    for kind in (0, 1):
        props = [(i, p) for i, p in enumerate(property_ids) if i % 2 == kind]
        if not props:
            continue
        daily = np.array([[users(i, p, d) for d in days] for i, p in props])  # property × day
        pids = np.array([p for _, p in props], dtype=object)
        for dimension in dimensions:
            members: dict[str, int] = {}
            per_day = []
            for t, day in enumerate(days):
                names, weights = member_weights(dimension, kind, day)
                columns = [members.setdefault(n, len(members)) for n in names]
                per_day.append((columns, split_rows(np.round(daily[:, t]), weights[:, 0])))
            split = np.zeros((len(props), len(days), len(members)))
            for t, (columns, values) in enumerate(per_day):
                split[:, t, columns] = values
            # running totals over days: a period's sum is a difference of two of them
            running = np.concatenate([np.zeros((len(props), 1, len(members))), split], axis=1)
            running = np.cumsum(running, axis=1)
            names = np.array(list(members), dtype=object)
            for grain, start, end in periods:
                stop = position[min(end, days[-1])] + 1
                total = running[:, stop] - running[:, position[start]]
                p_idx, m_idx = np.nonzero(total > 0)
                out["property_id"].append(pids[p_idx])
                out["member"].append(names[m_idx])
                out["value"].append(np.round(total[p_idx, m_idx] * overlap[grain]))
                n = len(p_idx)
                out["grain"].append(np.full(n, grain, dtype=object))
                out["start"].append(np.full(n, np.datetime64(start, "D")))
                out["end"].append(np.full(n, np.datetime64(end, "D")))
                out["dimension"].append(np.full(n, dimension, dtype=object))
    data = {k: np.concatenate(v) if v else np.array([], dtype=object) for k, v in out.items()}
    n = len(data["value"])
    arrays = {
        "property_id": pa.array(data["property_id"], pa.string()),
        "grain": pa.array(data["grain"], pa.string()),
        "period_start": pa.array(data["start"].astype("datetime64[D]"), pa.date32()),
        "period_end": pa.array(data["end"].astype("datetime64[D]"), pa.date32()),
        "dimension": pa.array(data["dimension"], pa.string()),
        "member": pa.array(data["member"], pa.string()),
        "metric": pa.repeat(pa.scalar("totalUsers"), n),
        "value": pa.array(data["value"].astype(float), pa.float64()),
    }
    for name, value in flags.items():
        arrays[name] = pa.repeat(pa.scalar(value, schema.field(name).type), n)
    arrays["data_loss_from_other_row"] = pa.array(data["member"] == "(other)", pa.bool_())
    return pa.table([arrays[f.name] for f in schema], schema=schema)
