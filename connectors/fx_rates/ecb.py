"""The ECB data API (SDMX 2.1 REST): daily euro reference rates as SDMX CSV (`csvdata`).

`GET {base}/data/EXR/D.{USD+SEK+...}.EUR.SP00.A?startPeriod=...&endPeriod=...&format=csvdata`
answers one line per series and day with a header naming its columns (KEY, FREQ, CURRENCY,
CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX, TIME_PERIOD, OBS_VALUE, OBS_STATUS and attributes); the
columns are read by name, whatever else the answer carries. An empty currency part
(`D..EUR.SP00.A`) asks for every currency. A range without any observation (a weekend, a
holiday) is answered 404 "No results found": an empty result, not an error.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

import requests

from connectors.base import Window
from connectors.http import HttpClient, RequestError, SourceError
from connectors.secrets import redact

ECB_URL = "https://data-api.ecb.europa.eu/service"
REQUIRED_COLUMNS = ("CURRENCY", "TIME_PERIOD", "OBS_VALUE")
MAX_DAYS = 366  # days per call: a backfill over years asks year by year


class NoResults(RequestError):
    """The ECB's 404 "No results found": the range holds no observation."""


class EcbClient(HttpClient):
    """The shared client (retries on 5xx, no retry on 4xx) that tells the ECB's "No results
    found" apart from a real error, and says what to check when a series key is refused."""

    def error_for(self, response: requests.Response) -> SourceError:
        status = response.status_code
        if status == 404 and "no results found" in response.text.lower():
            return NoResults(self.source, "the ECB has no observation for the range")
        if status in (400, 404):
            where = f"{response.request.method} {redact(response.url.split('?', 1)[0])}"
            detail = redact(response.text[:200].strip()) or response.reason
            what = (
                "the ECB refused the series key; check `currencies` (three-letter codes the ECB "
                "publishes rates for)"
                if status == 400
                else "no such address; check `base_url` (the ECB data API's, ending in /service)"
            )
            return RequestError(self.source, f"{where} returned {status} ({detail}): {what}")
        return super().error_for(response)


def series_key(currencies: Sequence[str] | None) -> str:
    """The EXR series key of daily euro reference rates (every currency when None)."""
    return f"D.{'+'.join(currencies or ())}.EUR.SP00.A"


def parts(window: Window, days: int = MAX_DAYS) -> Iterator[Window]:
    start = window.start
    while start <= window.end:
        end = min(window.end, start + timedelta(days=days - 1))
        yield Window(start, end)
        start = end + timedelta(days=1)


def fetch_rates(client: HttpClient, currencies: Sequence[str] | None, window: Window) -> list[dict]:
    """Every published rate of the window's days, `{date, currency, rate}` (units of the
    currency one euro buys), for `currencies` (None: every currency the ECB publishes)."""
    rows: list[dict] = []
    for part in parts(window):
        try:
            response = client.request(
                "GET",
                f"data/EXR/{series_key(currencies)}",
                params={
                    "startPeriod": part.start.isoformat(),
                    "endPeriod": part.end.isoformat(),
                    "format": "csvdata",
                },
            )
        except NoResults:
            client.log.info("%s: the ECB published no rate for %s", client.source, part)
            continue
        rows += parse_csvdata(response.content, client.source, part, currencies)
    return rows


def parse_csvdata(
    content: bytes, source: str, window: Window, currencies: Sequence[str] | None
) -> list[dict]:
    """The rates of an SDMX CSV answer, by column name; lines without a value are skipped, and
    lines outside the window or of a currency not asked for are not landed."""
    text = content.decode("utf-8-sig")
    if not text.strip():
        return []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RequestError(
            source,
            f"the answer is not the ECB's SDMX CSV (no column {', '.join(missing)}; it starts "
            f"{redact(text[:80])!r}); check `base_url`",
        )
    wanted = set(currencies) if currencies else None
    rows: dict[tuple[str, date], dict] = {}
    for line, record in enumerate(reader, start=2):
        value = (record.get("OBS_VALUE") or "").strip()
        if not value:
            continue
        currency = (record.get("CURRENCY") or "").strip().upper()
        denominator = (record.get("CURRENCY_DENOM") or "EUR").strip().upper()
        try:
            day = date.fromisoformat((record.get("TIME_PERIOD") or "").strip())
            rate = float(value)
        except ValueError:
            raise RequestError(
                source,
                f"line {line} of the ECB's answer: TIME_PERIOD {record.get('TIME_PERIOD')!r} "
                f"and OBS_VALUE {value!r} are not a day and a number",
            ) from None
        if denominator != "EUR" or not math.isfinite(rate) or rate <= 0:
            raise RequestError(
                source,
                f"line {line} of the ECB's answer: {currency}/{denominator} {value} on {day} is "
                "not a euro reference rate (a positive number of units per euro)",
            )
        if not window.start <= day <= window.end or currency == "EUR":
            continue
        if wanted is not None and currency not in wanted:
            continue
        if (currency, day) in rows:
            raise RequestError(
                source, f"line {line} of the ECB's answer: a second {currency} rate for {day}"
            )
        rows[currency, day] = {"date": day, "currency": currency, "rate": rate}
    return list(rows.values())
