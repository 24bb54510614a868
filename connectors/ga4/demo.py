"""Demo GA4 data: two properties (a content site and a shop)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from connectors.base import Batch, ExtractContext, Stream, Window, table_from_rows
from connectors.demo.seasonal import level, share
from connectors.periods import PERIOD_GRAINS, periods_touching

# A tracking outage: the tag was removed by a site release and nothing was recorded.
ZERO_TRAFFIC_DAY = date(2025, 6, 3)
# GA4 restated a week after processing: it first landed ~12 % low, then was corrected.
RESTATED_WINDOW = Window(date(2025, 9, 8), date(2025, 9, 14))
PRELIMINARY_FACTOR = 0.88
# People come back: a period has fewer users than the sum of its days' users.
USER_OVERLAP = {"week": 0.82, "month": 0.64, "quarter": 0.52, "year": 0.41}
METRICS = ("sessions", "engagedSessions", "keyEvents", "totalRevenue", "totalUsers")
PROFILES = (  # the first property is the content site, the second the shop
    {"base": 3200.0, "growth": 0.22, "conv": 0.012, "aov": 420.0},
    {"base": 1400.0, "growth": 0.30, "conv": 0.034, "aov": 780.0},
)


@functools.lru_cache(maxsize=65536)
def daily_values(property_id: str, index: int, day: date) -> dict[str, float]:
    if day == ZERO_TRAFFIC_DAY:
        return dict.fromkeys(METRICS, 0.0)
    p = PROFILES[index % len(PROFILES)]
    key = f"ga4:{property_id}"
    sessions = _sessions(property_id, index, day)
    engaged = round(sessions * share(day, mean=0.61, spread=0.025, key=key + ":eng"))
    key_events = round(sessions * share(day, mean=p["conv"], spread=0.002, key=key + ":kev"))
    aov = p["aov"] * share(day, mean=1.0, spread=0.08, key=key + ":aov")
    return {
        "sessions": float(sessions),
        "engagedSessions": float(engaged),
        "keyEvents": float(key_events),
        "totalRevenue": round(key_events * aov, 2),
        "totalUsers": daily_users(property_id, index, day),
    }


def _sessions(property_id: str, index: int, day: date) -> int:
    p = PROFILES[index % len(PROFILES)]
    return round(
        level(day, base=p["base"], growth=p["growth"], noise=0.07, key=f"ga4:{property_id}")
    )


@functools.lru_cache(maxsize=1 << 20)  # period totals and period breakdowns ask for the same days
def daily_users(property_id: str, index: int, day: date) -> float:
    """`daily_values(...)["totalUsers"]` without drawing the other metrics: period totals sum
    it over whole years (a tenth of a second per property and night at benchmark scale)."""
    if day == ZERO_TRAFFIC_DAY:
        return 0.0
    share_of_sessions = share(day, mean=0.74, spread=0.02, key=f"ga4:{property_id}:usr")
    return float(round(_sessions(property_id, index, day) * share_of_sessions))


FLAGS = {
    "subject_to_thresholding": False,
    "data_loss_from_other_row": False,
    "sampled": False,
    "currency_code": "DKK",
    "time_zone": "Europe/Copenhagen",
}


def _daily_rows(config, window: Window, factor: float = 1.0) -> list[dict]:
    return [
        {
            "property_id": pid,
            "date": day,
            "metric": metric,
            "value": round(value * factor, 2),
            **FLAGS,
        }
        for index, pid in enumerate(config.property_ids)
        for day in window.days()
        for metric, value in daily_values(pid, index, day).items()
        if metric in config.daily_metrics
    ]


def _period_rows(config, window: Window) -> list[dict]:
    """Totals for every period touching the window, counted up to the window's last day."""
    if "totalUsers" not in config.period_metrics:
        return []
    periods = [
        (grain, start, end)
        for grain in PERIOD_GRAINS
        for start, end in periods_touching(grain, window.start, window.end)
    ]
    first = min(start for _, start, _ in periods)
    rows = []
    for index, pid in enumerate(config.property_ids):
        # each day once, however many periods (week .. year) it falls in
        users_on = {d: daily_users(pid, index, d) for d in Window(first, window.end).days()}
        for grain, start, end in periods:
            users = sum(users_on[d] for d in Window(start, min(end, window.end)).days())
            rows.append(
                {
                    "property_id": pid,
                    "grain": grain,
                    "period_start": start,
                    "period_end": end,
                    "metric": "totalUsers",
                    "value": float(round(users * USER_OVERLAP[grain])),
                    **FLAGS,
                }
            )
    return rows


def _breakdown_table(config, stream: Stream, window: Window, dimensions):
    from connectors.ga4.demo_breakdowns import daily_member_table

    if not dimensions:  # a source without breakdowns: nothing to generate for any day
        return table_from_rows(stream.schema, [])
    metrics = [m for m in METRICS if m in config.daily_metrics]
    return daily_member_table(
        stream.schema,
        config.property_ids,
        list(window.days()),
        dimensions,
        metrics,
        lambda index, pid, day: daily_values(pid, index, day),
        FLAGS,
    )


def _period_breakdown_table(config, stream: Stream, window: Window, dimensions):
    """Users per member and period, as GA4 counts them (never a sum of other members)."""
    from connectors.ga4.demo_breakdowns import period_member_table

    if "totalUsers" not in config.period_metrics or not dimensions:
        return table_from_rows(stream.schema, [])
    periods = [
        (grain, start, end)
        for grain in PERIOD_GRAINS
        for start, end in periods_touching(grain, window.start, window.end)
    ]
    first = min(start for _, start, _ in periods)
    return period_member_table(
        stream.schema,
        config.property_ids,
        list(Window(first, window.end).days()),
        periods,
        dimensions,
        lambda index, pid, day: daily_users(pid, index, day),
        USER_OVERLAP,
        FLAGS,
    )


def ga4_batches(config, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
    # the demo properties report in FLAGS' time zone (a real property is asked for its own)
    window = ctx.window_for(config, zone=FLAGS["time_zone"])
    if stream.name == "daily_metrics":
        restated = RESTATED_WINDOW
        if window.start <= restated.start and restated.end <= window.end:
            # the preliminary numbers GA4 first showed; the full batch after it restates them
            rows = _daily_rows(config, restated, PRELIMINARY_FACTOR)
            yield Batch(table_from_rows(stream.schema, rows), restated)
        yield Batch(table_from_rows(stream.schema, _daily_rows(config, window)), window)
    elif stream.name == "period_totals":
        yield Batch(table_from_rows(stream.schema, _period_rows(config, window)), window)
    elif stream.name == "daily_breakdowns":
        yield Batch(_breakdown_table(config, stream, window, config.breakdowns or ()), window)
    elif stream.name == "period_breakdowns":
        table = _period_breakdown_table(config, stream, window, config.breakdowns or ())
        yield Batch(table, window)
    elif stream.name == "property_quota":
        yield Batch(table_from_rows(stream.schema, _quota_rows(config, ctx.run_date)), window)


def _quota_rows(config, run_date: date) -> list[dict]:
    """What GA4 reports as quota after a nightly run's reports (well within limits)."""
    from connectors.ga4.reports import QUOTA_FIELDS

    limits = dict(zip(QUOTA_FIELDS, (200_000, 40_000, 10, 10, 120, 14_000), strict=True))
    used = dict(zip(QUOTA_FIELDS, (310, 310, 0, 0, 0, 310), strict=True))
    stamp = datetime.combine(run_date, time(2, 0), tzinfo=UTC)
    return [
        {"property_id": pid, "requested_at": stamp, "report": "daily"}
        | {f"{f}_consumed": used[f] for f in QUOTA_FIELDS}
        | {f"{f}_remaining": limits[f] - used[f] for f in QUOTA_FIELDS}
        for pid in config.property_ids
    ]
