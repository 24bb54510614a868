"""Demo data: deterministic, two years and more, seasonal, growing, with realistic oddities."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean

from connectors.base import ExtractContext, LandedState, Window
from connectors.finance_files.demo import ledger_lines
from connectors.ga4 import GA4, GA4Config
from connectors.ga4 import demo as web

CONFIG = GA4Config(
    name="web",
    type="ga4",
    property_ids=["1", "2"],
    access_token="env:X",
    start_date=date(2024, 1, 1),
)
RUN = date(2026, 11, 23)


def sessions(day: date) -> float:
    return sum(web.daily_values(p, i, day)["sessions"] for i, p in enumerate(CONFIG.property_ids))


def test_values_do_not_depend_on_the_window_asked_for():
    stream = GA4.stream("daily_metrics")
    full = list(web.ga4_batches(CONFIG, stream, ExtractContext(run_date=RUN)))
    state = LandedState(windows=(Window(date(2024, 1, 1), date(2026, 11, 20)),))
    recent = list(web.ga4_batches(CONFIG, stream, ExtractContext(run_date=RUN, state=state)))
    day = date(2026, 11, 18)

    def value(batches):
        return [
            r["value"]
            for b in batches
            for r in b.records.to_pylist()
            if r["date"] == day and r["metric"] == "sessions" and r["property_id"] == "1"
        ]

    assert value(full) == value(recent) and len(value(recent)) == 1
    assert full[-1].window == Window(date(2024, 1, 1), RUN - timedelta(days=1))  # over two years


def test_weekly_and_yearly_seasonality_and_growth():
    weeks = [date(2025, 3, 3) + timedelta(days=7 * w) for w in range(8)]
    weekday = mean(sessions(d + timedelta(days=1)) for d in weeks)  # Tuesdays
    weekend = mean(sessions(d + timedelta(days=5)) for d in weeks)  # Saturdays
    assert weekend < 0.85 * weekday
    black_friday_week = mean(sessions(date(2025, 11, 24) + timedelta(days=i)) for i in range(5))
    july = mean(sessions(date(2025, 7, 21) + timedelta(days=i)) for i in range(5))
    assert black_friday_week > 1.3 * july
    march_2024 = mean(sessions(date(2024, 3, 4) + timedelta(days=i)) for i in range(28))
    march_2026 = mean(sessions(date(2026, 3, 2) + timedelta(days=i)) for i in range(28))
    assert march_2026 > 1.3 * march_2024


def test_oddities_are_present():
    assert sessions(web.ZERO_TRAFFIC_DAY) == 0
    stream = GA4.stream("daily_metrics")
    batches = list(web.ga4_batches(CONFIG, stream, ExtractContext(run_date=RUN)))
    assert batches[0].window == web.RESTATED_WINDOW  # preliminary numbers land first...
    day = web.RESTATED_WINDOW.start

    def first(b):
        return next(
            r["value"]
            for r in b.records.to_pylist()
            if r["date"] == day and r["metric"] == "sessions"
        )

    assert first(batches[0]) < first(batches[1])  # ...and a later batch restates them
    refunds = [
        amount
        for _, account, text, amount in ledger_lines(date(2025, 2, 1), RUN)
        if text.startswith("Kreditnota")
    ]
    assert refunds and all(a > 0 for a in refunds)  # debits against revenue
