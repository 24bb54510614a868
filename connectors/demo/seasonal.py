"""A small, deterministic model of marketing time series: growth, weekly and yearly seasonality,
noise. A value depends only on (series key, day), never on the run date or the window asked for,
so re-extracting any window gives the same numbers."""

from __future__ import annotations

import math
import os
import zlib
from datetime import date

import numpy as np

EPOCH = date(2024, 1, 1)
# Monday..Sunday: B2B-ish traffic dips at weekends
WEEKLY = (1.05, 1.08, 1.05, 1.0, 0.93, 0.8, 0.88)


# benchmarks/generate.py sets this to grow the demo's volume (S = 1 is the demo itself)
SCALE_ENV = "SCORECARD_DEMO_SCALE"


def volume_scale(kind: str) -> int:
    """How many times the demo's rows of a kind to generate at the benchmark scale S:
    S = 100 gives about a million CRM contacts and a million ledger lines."""
    scale = float(os.environ.get(SCALE_ENV) or 1)
    if scale <= 1:
        return 1
    per_unit = {"crm": 1 / 3, "ledger": 5.6}[kind]
    return max(1, round(scale * per_unit))


def rng(key: str, day: date | None = None) -> np.random.Generator:
    seed = zlib.crc32(key.encode()) ^ (day.toordinal() if day else 0)
    return np.random.default_rng(seed)


def yearly(day: date) -> float:
    """Spring peak (outdoor season), summer holiday dip, Black-Friday spike."""
    doy = day.timetuple().tm_yday
    spring = 0.16 * math.cos(2 * math.pi * (doy - 130) / 365.25)
    holiday = -0.12 * math.exp(-(((doy - 205) / 14) ** 2))
    black_friday = 0.35 * math.exp(-(((doy - 330) / 5) ** 2))
    return 1 + spring + holiday + black_friday


def level(day: date, *, base: float, growth: float, noise: float, key: str) -> float:
    """Expected value of a daily count times multiplicative noise."""
    years = (day - EPOCH).days / 365.25
    trend = base * (1 + growth) ** years
    jitter = 1 + noise * float(rng(key, day).standard_normal())
    return max(0.0, trend * WEEKLY[day.weekday()] * yearly(day) * jitter)


def share(day: date, *, mean: float, spread: float, key: str) -> float:
    """A rate that drifts around `mean` (e.g. engaged share, conversion rate)."""
    return min(1.0, max(0.0, mean + spread * float(rng(key, day).standard_normal())))


def count(day: date, *, mean: float, key: str) -> int:
    return int(rng(key, day).poisson(max(mean, 0.0)))
