"""A local ECB data API (SDMX 2.1 REST) answering daily euro reference rates as `csvdata`.

`GET /data/EXR/D.USD+SEK.EUR.SP00.A?startPeriod=YYYY-MM-DD&endPeriod=YYYY-MM-DD&format=csvdata`
(an empty currency part for every currency) answers the ECB's SDMX CSV: a header naming every
column (dimensions, TIME_PERIOD, OBS_VALUE, the observation and series attributes, a quoted
title holding commas), then one line per series and day, by series then day. Like the ECB it
publishes only on TARGET business days (its own calendar, from dateutil's Easter), a day's rates
from 16:00 Europe/Berlin on (`now` is its clock), and answers 404 "No results found." when the
range holds no observation. A malformed key is a 400; a path it does not serve a 404 page.
`fail_next` scripts 5xx answers; `ignore_key` makes it answer every series whatever the key
asked (a careless mirror).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.easter import easter
from werkzeug.wrappers import Request, Response

FRANKFURT = ZoneInfo("Europe/Berlin")
PUBLISHED_AT = time(16, 0)
# the columns of the ECB's csvdata answer for EXR, in its order
COLUMNS = [
    "KEY", "FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX", "TIME_PERIOD",
    "OBS_VALUE", "OBS_STATUS", "OBS_CONF", "OBS_PRE_BREAK", "OBS_COM", "TIME_FORMAT", "BREAKS",
    "COLLECTION", "COMPILING_ORG", "DISS_ORG", "DOM_SER_IDS", "PUBL_ECB", "PUBL_MU",
    "PUBL_PUBLIC", "UNIT_INDEX_BASE", "COMPILATION", "COVERAGE", "DECIMALS", "NAT_TITLE",
    "SOURCE_AGENCY", "SOURCE_PUB", "TITLE", "TITLE_COMPL", "UNIT", "UNIT_MULT",
]  # fmt: skip
LEVELS = {"USD": 1.1, "SEK": 11.0, "DKK": 7.46, "GBP": 0.85, "JPY": 160.0}
NAMES = {
    "USD": "US dollar",
    "SEK": "Swedish krona",
    "DKK": "Danish krone",
    "GBP": "UK pound sterling",
    "JPY": "Japanese yen",
}
CODE = re.compile(r"[A-Z]{3}")


def target_business_day(day: date) -> bool:
    e = easter(day.year)
    closed = {
        date(day.year, 1, 1),
        e - timedelta(days=2),
        e + timedelta(days=1),
        date(day.year, 5, 1),
        date(day.year, 12, 25),
        date(day.year, 12, 26),
    }
    return day.weekday() < 5 and day not in closed


def sdmx_csv(lines: list[dict], columns: list[str] = COLUMNS) -> str:
    """An SDMX CSV text (header and lines) with the ECB's columns, as the ECB writes it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({c: line.get(c, "") for c in columns} for line in lines)
    return out.getvalue()


def sdmx_line(currency: str, day: date, value: float | None) -> dict:
    """One observation line of EXR.D.<currency>.EUR.SP00.A (value None: no observation)."""
    name = NAMES.get(currency, currency)
    return {
        "KEY": f"EXR.D.{currency}.EUR.SP00.A",
        "FREQ": "D",
        "CURRENCY": currency,
        "CURRENCY_DENOM": "EUR",
        "EXR_TYPE": "SP00",
        "EXR_SUFFIX": "A",
        "TIME_PERIOD": day.isoformat(),
        "OBS_VALUE": "" if value is None else repr(value),
        "OBS_STATUS": "A" if value is not None else "M",
        "OBS_CONF": "F",
        "TIME_FORMAT": "P1D",
        "COLLECTION": "A",
        "DECIMALS": "4",
        "SOURCE_AGENCY": "4F0",
        "TITLE": f"{name}/Euro",
        "TITLE_COMPL": f"ECB reference exchange rate, {name}/Euro, 2:15 pm (C.E.T.)",
        "UNIT": currency,
        "UNIT_MULT": "0",
    }


@dataclass
class FakeEcb:
    now: datetime  # the ECB's clock: a day's rates exist from 16:00 Frankfurt time on
    levels: dict[str, float] = field(default_factory=lambda: dict(LEVELS))
    unpublished: set[date] = field(default_factory=set)  # business days it skipped
    blank: set[tuple[str, date]] = field(default_factory=set)  # lines with an empty OBS_VALUE
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))
    ignore_key: bool = False
    failures: list[int] = field(default_factory=list)  # statuses of the next answers
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)
        self.url = f"http://{httpserver.host}:{httpserver.port}"
        return self.url

    def fail_next(self, status: int, times: int = 1) -> None:
        self.failures += [status] * times

    def rate(self, currency: str, day: date) -> float:
        """The fake's published rate: the level plus a thousandth per day of the month."""
        return round(self.levels[currency] + day.day / 1000, 4)

    def published(self, day: date) -> bool:
        if not target_business_day(day) or day in self.unpublished:
            return False
        return datetime.combine(day, PUBLISHED_AT, tzinfo=FRANKFURT) <= self.now

    def handle(self, request: Request) -> Response:
        self.requests.append({"path": request.path, "args": dict(request.args)})
        if self.failures:
            status = self.failures.pop(0)
            return Response("Service Unavailable", status=status, mimetype="text/plain")
        m = re.fullmatch(r"/data/EXR/([^/]+)", request.path)
        if not m:
            return Response("<html><body>Not Found</body></html>", 404, mimetype="text/html")
        parts = m.group(1).split(".")
        if len(parts) != 5 or parts[0] != "D" or parts[2:] != ["EUR", "SP00", "A"]:
            return _bad(f"Invalid key {m.group(1)!r} for dataflow EXR")
        asked = [c for c in parts[1].split("+") if c] if parts[1] else []
        if any(not CODE.fullmatch(c) for c in asked):
            return _bad(f"Invalid currency in key {m.group(1)!r}")
        if request.args.get("format") != "csvdata":
            return _bad("This test double answers format=csvdata only")
        try:
            start = date.fromisoformat(request.args["startPeriod"])
            end = date.fromisoformat(request.args["endPeriod"])
        except (KeyError, ValueError):
            return _bad("startPeriod and endPeriod must be dates like 2026-04-01")
        currencies = sorted(self.levels) if self.ignore_key or not asked else asked
        lines = []
        for currency in currencies:
            if currency not in self.levels:
                continue  # a well-formed code it does not publish: no series
            day = start
            while day <= end:
                if self.published(day):
                    blank = (currency, day) in self.blank
                    lines.append(
                        sdmx_line(currency, day, None if blank else self.rate(currency, day))
                    )
                day += timedelta(days=1)
        if not lines:
            return Response("No results found.", status=404, mimetype="text/plain")
        return Response(sdmx_csv(lines, self.columns), mimetype="text/csv")


def _bad(message: str) -> Response:
    return Response(f"Bad Request: {message}", status=400, mimetype="text/plain")
