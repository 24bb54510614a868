"""How fresh each source's data is, from the landed data itself (issue 22, item 3).

A landing asset materializes every night, even when the source sent nothing new (a lookback
re-extraction of days already held, or zero rows), so the time since the last materialization
says the pipeline ran, not that data arrived. This module reads the newest *day of data*
landing holds for each stream and source; the landing assets report it as metadata and check
it (`data_freshness`), and `scorecard status` and the HTML page show it — one computation.

- A stream's newest day is the largest value of its cursor (the local-date column its windows
  are cut on; a timestamp cursor, like HubSpot's `modified_at`, is taken as its date in the
  business time zone) over every landed batch still in the read path (quarantined batches are
  not). Streams whose cursor is not a day of data (`check_cursor_dates=False`: an action's due
  date, GA4's week/month/year period starts) or that have no cursor (GA4's quota snapshot,
  HubSpot's pipelines) have no data day of their own.
- A source's newest day is the newest over its dated streams. A source without any dated
  stream (a KPI action sheet) falls back to the newest landed window end of a batch holding
  rows: the day its newest sheet was landed, which is what such a sheet speaks for.
- Lag = run date − newest day, in days. A source is stale when the lag exceeds its limit:
  `max_lag_days` from the config, else 45 for file sources (a monthly export lands some days
  after its month is over), else 1 + ceil(freshness_hours / 24) (yesterday is the newest
  complete day; 3 with the default 36 hours).
- A source all of whose streams may legitimately land nothing (ad accounts with no campaign
  running, comment and action sheets) is checked only when its config sets `max_lag_days`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from connectors import connector_for
from connectors.base import Stream
from connectors.landing import LandingStore

CHECK_NAME = "data_freshness"
FILE_SOURCE_LAG_DAYS = 45  # a monthly export lands some days after its month is over
LANDED_BASIS = "_window_end"  # no data day: the day the newest batch with rows speaks for


@dataclass(frozen=True)
class StreamFreshness:
    stream: str
    newest_day: date | None  # None: no row landed, or no data day (basis None)
    basis: str | None  # the column the day comes from; None: the stream has no data day
    last_extracted_at: datetime | None
    batches: int


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    type: str
    newest_day: date | None
    basis: str | None  # "<stream>.<column>" the newest day came from
    max_lag_days: int
    checked: bool  # whether a `data_freshness` check judges it
    last_extracted_at: datetime | None
    batches: int
    streams: dict[str, StreamFreshness] = field(default_factory=dict)

    def lag_days(self, today: date) -> int | None:
        return None if self.newest_day is None else (today - self.newest_day).days

    def stale(self, today: date) -> bool:
        """Lag beyond the limit (or no data at all)."""
        lag = self.lag_days(today)
        return lag is None or lag > self.max_lag_days

    def as_dict(self, today: date) -> dict:
        """The row `scorecard status --json` and the page show."""
        return {
            "source": self.source,
            "type": self.type,
            "last_extracted_at": self.last_extracted_at.astimezone(UTC).isoformat()
            if self.last_extracted_at
            else None,
            "data_until": self.newest_day.isoformat() if self.newest_day else None,
            "lag_days": self.lag_days(today),
            "max_lag_days": self.max_lag_days,
            "checked": self.checked,
            "stale": self.checked and self.stale(today),
            "basis": self.basis,
            "batches": self.batches,
        }


def is_dated(stream: Stream) -> bool:
    """Whether the stream's cursor is a day (or moment) of data."""
    return (
        stream.cursor is not None
        and stream.check_cursor_dates
        and stream.cursor in stream.schema.names
    )


def max_lag_days(source) -> int:
    """The lag (days) beyond which a source is stale."""
    if source.max_lag_days is not None:
        return source.max_lag_days
    if connector_for(source.type)(source).reads_files:
        return FILE_SOURCE_LAG_DAYS
    return 1 + math.ceil(source.freshness_hours / 24)


def checked_stream(source) -> Stream | None:
    """The stream whose landing asset carries the source's `data_freshness` check: the first
    dated stream that must land rows every run, else (when the config sets `max_lag_days`)
    the first dated stream, else the first stream; None when the source is not checked."""
    connector = connector_for(source.type)(source)
    dated = [s for s in connector.streams if is_dated(s)]
    steady = [s for s in dated if not connector.may_be_empty(s)]
    if steady:
        return steady[0]
    if source.max_lag_days is None:
        return None
    return (dated or list(connector.streams))[0]


def stream_freshness(store: LandingStore, source: str, stream: Stream, zone: str):
    files = [str(f) for f in store.batch_files(source, stream.name)]
    if not files:
        return StreamFreshness(stream.name, None, None, None, 0)
    basis = stream.cursor if is_dated(stream) else None
    newest = f"max({_quote(basis)})" if basis else "null"
    with duckdb.connect() as con:
        day, extracted = con.execute(
            f"select {newest}, max(_extracted_at) from read_parquet(?, union_by_name = true)",
            [files],
        ).fetchall()[0]
    return StreamFreshness(stream.name, _as_day(day, zone), basis, extracted, len(files))


def source_freshness(config, source, store: LandingStore | None = None) -> SourceFreshness:
    """One source's newest day of data, as landing holds it now."""
    store = store or LandingStore(config.paths.landing)
    connector = connector_for(source.type)(source)
    streams = {
        s.name: stream_freshness(store, source.name, s, config.timezone) for s in connector.streams
    }
    dated = [streams[s.name] for s in connector.streams if is_dated(s)]
    newest, basis = None, None
    for s in dated:
        if s.newest_day is not None and (newest is None or s.newest_day > newest):
            newest, basis = s.newest_day, f"{s.stream}.{s.basis}"
    if not dated:
        newest, basis = _newest_landed_window(store, source.name, connector.streams)
    extracted = [s.last_extracted_at for s in streams.values() if s.last_extracted_at]
    return SourceFreshness(
        source=source.name,
        type=source.type,
        newest_day=newest,
        basis=basis,
        max_lag_days=max_lag_days(source),
        checked=checked_stream(source) is not None,
        last_extracted_at=max(extracted, default=None),
        batches=sum(s.batches for s in streams.values()),
        streams=streams,
    )


def freshness_by_source(config) -> list[SourceFreshness]:
    store = LandingStore(config.paths.landing)
    return [source_freshness(config, s, store) for s in config.sources]


def end_of_day(day: date, zone: str) -> datetime:
    """The moment a day is over in the business time zone (Dagster's last-updated time of
    data that reaches to the end of `day`)."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone))


def describe(fresh: SourceFreshness, today: date) -> str:
    lag = fresh.lag_days(today)
    if lag is None:
        return f"{fresh.source}: no day of data landed yet (limit {fresh.max_lag_days} days)."
    verdict = "beyond" if lag > fresh.max_lag_days else "within"
    return (
        f"{fresh.source}: newest data {fresh.newest_day.isoformat()} ({fresh.basis}), "
        f"{lag} days before the run date {today.isoformat()}: {verdict} the limit of "
        f"{fresh.max_lag_days} days."
    )


def _newest_landed_window(store: LandingStore, source: str, streams) -> tuple[date | None, str]:
    files = [str(f) for s in streams for f in store.batch_files(source, s.name)]
    if not files:
        return None, LANDED_BASIS
    with duckdb.connect() as con:
        day = con.execute(
            "select max(_window_end) from read_parquet(?, union_by_name = true)", [files]
        ).fetchall()[0][0]
    return day, LANDED_BASIS


def _as_day(value, zone: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(ZoneInfo(zone)).date()
    return value


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
