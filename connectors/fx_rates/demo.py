"""Demo reference rates: ECB-like euro rates on TARGET business days.

A rate depends only on (currency, day) — a level, slow swings and a little daily noise — never on
the window asked for, so any window gives the same numbers. The Danish krone stays within a
fifth of a percent of its ERM II central rate, as it does.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from datetime import date

from connectors.demo.seasonal import rng
from connectors.fx_rates.target import business_days

# units per euro, about where the ECB's reference rates have been
LEVELS = {"USD": 1.08, "DKK": 7.46, "SEK": 11.3, "NOK": 11.6, "GBP": 0.85}
DKK_CENTRAL = 7.46038  # the krone's ERM II central rate
DKK_BAND = 0.002  # held within ±0.2 % of it
SWINGS = ((365.25, 0.035), (97.0, 0.015))  # (period in days, amplitude of log-rate)
DAILY_NOISE = 0.003


def level(currency: str) -> float:
    """The demo's level of a currency: a known one's, else one made up from its code."""
    if currency in LEVELS:
        return LEVELS[currency]
    return round(0.5 + zlib.crc32(currency.encode()) % 2000 / 100, 2)


def demo_rate(currency: str, day: date) -> float:
    """Units of `currency` one euro buys on `day` (5 significant digits, like the ECB's)."""
    noise = float(rng(f"fx.{currency}", day).standard_normal())
    phase = zlib.crc32(currency.encode()) / 2**32
    t = day.toordinal()
    swing = sum(a * math.sin(2 * math.pi * (t / p + phase)) for p, a in SWINGS)
    if currency == "DKK":
        offset = 0.4 * DKK_BAND * math.sin(2 * math.pi * (t / 211 + phase))
        offset += 0.15 * DKK_BAND * noise
        rate = DKK_CENTRAL * (1 + max(-DKK_BAND, min(DKK_BAND, offset)))
    else:
        rate = level(currency) * math.exp(swing + DAILY_NOISE * noise)
    return float(f"{rate:.5g}")


def demo_rows(currencies: Iterable[str], days: Iterable[date]) -> list[dict]:
    """A rate per currency and TARGET business day among `days`."""
    wanted = list(currencies)
    return [
        {"date": day, "currency": currency, "rate": demo_rate(currency, day)}
        for day in business_days(days)
        for currency in wanted
    ]
