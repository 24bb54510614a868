"""From JSON records to metric rows: field paths, dates and numbers, with errors that name
the endpoint, the record and the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.pagination import lookup
from connectors.rest_api.config import Endpoint


class RecordError(ValueError):
    """A record the mapping cannot read; the message says which one and why."""


def record_date(value: Any, *, date_format: str | None, zone: ZoneInfo) -> date:
    """A day from an ISO date, an ISO timestamp (converted to `zone`), epoch seconds or
    milliseconds, or a strptime format."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value  # epoch milliseconds vs seconds
        return datetime.fromtimestamp(seconds, tz=UTC).astimezone(zone).date()
    text = str(value).strip()
    if date_format:
        moment = datetime.strptime(text, date_format)
    else:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date()  # a local time: already the business day
    return moment.astimezone(zone).date()


def record_key(record: dict, endpoint: Endpoint) -> str:
    parts = []
    for path in endpoint.primary_key:
        value = lookup(record, path, None)
        if value is None or value == "":
            raise RecordError(f"has no primary key field '{path}'")
        parts.append(str(value))
    return "|".join(parts)


def record_members(record: dict, key: str, endpoint: Endpoint) -> list[dict] | None:
    """The record's member of each dimension the endpoint declares (None when it declares
    none): text as it is, numbers and booleans as text, a missing or empty field None (member
    '(not set)' in dbt). An object or a list is an error: it names no member."""
    if not endpoint.dimensions:
        return None
    out = []
    for dimension, path in endpoint.dimensions.items():
        raw = lookup(record, path, None)
        if isinstance(raw, dict | list):
            raise RecordError(f"'{key}': {path} = {raw!r} is not a text or a number")
        if isinstance(raw, bool):
            member = str(raw).lower()
        elif isinstance(raw, float) and raw.is_integer():
            member = str(int(raw))
        else:
            member = None if raw is None else str(raw).strip() or None
        out.append({"dimension": dimension, "member": member})
    return out


def metric_rows(record: Any, endpoint: Endpoint, zone: ZoneInfo) -> tuple[str, date, list]:
    """(record key, day, [(metric id, value), ...]) for one record.

    A missing or null value field gives the metric a null value: nothing is invented, and a
    restated record that lost a value still replaces the value it had. A value that is not a
    number is an error.
    """
    if not isinstance(record, dict):
        raise RecordError(f"is a {type(record).__name__}, not an object")
    key = record_key(record, endpoint)
    raw_date = lookup(record, endpoint.date_field, None)
    try:
        day = record_date(raw_date, date_format=endpoint.date_format, zone=zone)
    except (TypeError, ValueError) as e:
        expected = endpoint.date_format or "an ISO 8601 date or timestamp"
        raise RecordError(
            f"'{key}': {endpoint.date_field} = {raw_date!r} is not {expected} ({e})"
        ) from None
    values = []
    for m in endpoint.metrics:
        if m.field is None:
            values.append((m.metric, 1.0))
            continue
        raw = lookup(record, m.field, None)
        if raw is None or raw == "":
            values.append((m.metric, None))
            continue
        try:
            if isinstance(raw, bool):
                raise ValueError
            values.append((m.metric, float(raw)))
        except (TypeError, ValueError):
            raise RecordError(f"'{key}': {m.field} = {raw!r} is not a number") from None
    return key, day, values
