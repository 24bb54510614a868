"""What the KPI comment and action sheets share: the keys they take, the KPI ids they may name,
and the period a comment is about.

Owners explain their numbers in sheets dropped into an inbox (connectors.kpi_comments,
connectors.kpi_actions). A sheet may only name KPIs the scorecard defines: the config loader
hands each such source the configured KPI ids (`KpiSheetConfig.use_kpi_ids`), because a source
config alone does not know them, and the parser refuses a file naming any other.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr

from connectors.base import ConfigPath, SourceConfig
from connectors.files import Columns, parse_dates

# a sheet arrives now and then (a month's comments, an updated action list): stale after
# 45 days without a new one, not after the API sources' day and a half
SHEET_FRESHNESS_HOURS = 45 * 24


class KpiSheetConfig(SourceConfig):
    """Keys of a sheet source about KPIs (comments, actions)."""

    path: ConfigPath = Field(description="Inbox folder (or glob) with *.csv / *.xlsx sheets.")
    delimiter: str = Field(default=",", description="CSV field separator.")
    encoding: str = Field(default="utf-8-sig", description="CSV encoding.")
    date_format: str = Field(
        default="%Y-%m-%d", description="strptime format of the sheet's date columns."
    )
    freshness_hours: float = Field(
        default=SHEET_FRESHNESS_HOURS,
        gt=0,
        description="The source is stale when no new sheet has landed for this long.",
    )
    # the scorecard's KPI ids, set by the config loader (orchestration/config/loader.py)
    _kpi_ids: frozenset[str] | None = PrivateAttr(default=None)

    def use_kpi_ids(self, ids: Iterable[str]) -> None:
        self._kpi_ids = frozenset(ids)

    def kpi_ids(self) -> frozenset[str]:
        if self._kpi_ids is None:
            raise RuntimeError(
                f"source {self.name!r}: the scorecard's KPI ids were not handed to it (load the "
                "config with orchestration.config.load_config, or call use_kpi_ids)"
            )
        return self._kpi_ids


def kpi_column(parsed: Columns, config: KpiSheetConfig) -> pd.Series:
    """The `kpi` column, each row a KPI id the scorecard defines (else the line's problem)."""
    known = config.kpi_ids()
    kpis = parsed.texts("kpi")
    parsed.require((kpis != "").to_numpy(), kpis, lambda _: "kpi is empty")
    listed = ", ".join(sorted(known)) or "(none)"
    parsed.require(
        kpis.isin(list(known)).to_numpy() | (kpis == "").to_numpy(),
        kpis,
        lambda k: f"unknown KPI {k!r} (the scorecard's KPIs: {listed})",
    )
    return kpis


def required_text(parsed: Columns, name: str) -> pd.Series:
    """A column every row must fill (an empty cell is the line's problem)."""
    values = parsed.texts(name)
    parsed.require((values != "").to_numpy(), values, lambda _: f"{name} is empty")
    return values


def optional_dates(parsed: Columns, name: str, date_format: str) -> np.ndarray:
    """Days of a column that may be left empty (NaT there); a filled cell must be a date."""
    values = parsed.raw.column(name)
    days = parse_dates(values, date_format)
    empty = (parsed.texts(name) == "").to_numpy()
    parsed.require(
        ~pd.isna(days) | empty,
        values,
        lambda v: f"{name} {v!r} does not match {date_format!r}",
    )
    return days.astype("datetime64[D]")


def no_repeated_keys(parsed: Columns, keys: list[np.ndarray], what: str) -> None:
    """A key typed twice in one sheet has no newest version: the second line is refused."""
    frame = pd.DataFrame({str(i): pd.Series(k).astype(str) for i, k in enumerate(keys)})
    repeated = frame.duplicated(keep="first").to_numpy()
    first_line = {}
    for line, row in zip(parsed.lines, frame.itertuples(index=False), strict=True):
        first_line.setdefault(tuple(row), line)
    rows = pd.Series([first_line[tuple(r)] for r in frame.itertuples(index=False)])
    parsed.require(~repeated, rows, lambda line: f"{what} as on line {line} again")


# ── periods ─────────────────────────────────────────────────────────────────
GRAINS = ("day", "week", "month", "quarter", "year")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
PERIOD_FORMATS = "YYYY-MM-DD (day), YYYY-Www (ISO week), YYYY-MM (month), YYYY-Qn (quarter), YYYY"


def period_of(value: object, date_format: str) -> tuple[str, dt.date, dt.date] | None:
    """(grain, first day, last day) of a period cell, or None when it names no period.

    Text: `2026-10-14` (day, also in the sheet's date_format), `2026-W42` (ISO week, Monday
    to Sunday), `2026-10` (month), `2026-Q4` (quarter), `2026` (year). A spreadsheet turns a
    typed `2026` into a number and a typed date into a date cell: those are read as the year
    and the day they are."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return "day", day, day
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= value <= 2999:
            return _year(int(value))
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if m := _YEAR.match(text):
            return _year(int(m.group(1)))
        if m := _QUARTER.match(text):
            year, quarter = int(m.group(1)), int(m.group(2))
            start = dt.date(year, 3 * quarter - 2, 1)
            return "quarter", start, _month_end(year, 3 * quarter)
        if m := _MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            return "month", dt.date(year, month, 1), _month_end(year, month)
        if m := _WEEK.match(text):
            start = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            return "week", start, start + dt.timedelta(days=6)
        if m := _DAY.match(text):
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return "day", day, day
        day = dt.datetime.strptime(text, date_format).date()
        return "day", day, day
    except ValueError:  # 2026-13, 2026-02-30, 2026-W54, or not the date format either
        return None


def _year(year: int) -> tuple[str, dt.date, dt.date]:
    return "year", dt.date(year, 1, 1), dt.date(year, 12, 31)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_columns(
    parsed: Columns, name: str, date_format: str
) -> tuple[list[str | None], np.ndarray, np.ndarray]:
    """Grain, first and last day of each row's period (the line's problem when it names none)."""
    values = parsed.raw.column(name)
    periods = [period_of(v, date_format) for v in values]
    parsed.require(
        np.array([p is not None for p in periods], dtype=bool),
        values,
        lambda v: (
            "period is empty"
            if _blank(v)
            else f"period {v!r} is not a period like {PERIOD_FORMATS}"
        ),
    )
    grains = [p[0] if p else None for p in periods]
    starts = np.array([p[1] if p else None for p in periods], dtype="datetime64[D]")
    ends = np.array([p[2] if p else None for p in periods], dtype="datetime64[D]")
    return grains, starts, ends


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
