"""Currency reference rates (`type: fx_rates`) — the euro reference rates every money amount is
converted with (DESIGN): from the ECB's data API, or from rates files dropped in an inbox.

One stream, `reference_rates`: a row per TARGET business day and currency, `rate` = units of the
currency one euro buys (EUR itself is 1 and not landed). dbt converts an amount in currency C
to the reporting currency R as amount / rate(C) × rate(R), with each day's rate or, on a day
without a publication (weekends, holidays), the latest earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator

from connectors import register
from connectors.base import (
    ApiSourceConfig,
    Batch,
    ConfigPath,
    Connector,
    ExtractContext,
    MetricDef,
    NothingToExtract,
    Stream,
    Window,
    table_from_rows,
)
from connectors.checks import AtLeast, NotNull
from connectors.files import BadFileError, content_hash, inbox_files
from connectors.fx_rates.ecb import ECB_URL, EcbClient, fetch_rates
from connectors.fx_rates.target import business_days
from connectors.http import RequestError

ISO_CODE = re.compile(r"[A-Z]{3}")
SMALLEST_RATE = 1e-9  # a rate is positive: 0 or less is a broken publication or file


class FxRatesConfig(ApiSourceConfig):
    type: Literal["fx_rates"] = "fx_rates"
    currencies: list[str] | None = Field(
        default=None,
        min_length=1,
        description="ISO 4217 codes (upper case) whose euro reference rates are landed; "
        "default: every currency the ECB publishes.",
    )
    path: ConfigPath | None = Field(
        default=None,
        description="Inbox folder (or glob) of rates files (*.csv / *.xlsx: date, currency, "
        "rate; or the ECB's SDMX CSV). Set: rates come from these files, not the ECB's API.",
    )
    base_url: str = Field(
        default=ECB_URL, description="The ECB data API's address (or a proxy or mirror of it)."
    )

    @field_validator("currencies")
    @classmethod
    def _iso_codes(cls, v: list[str] | None) -> list[str] | None:
        for code in v or ():
            if not isinstance(code, str) or not ISO_CODE.fullmatch(code):
                raise ValueError(f"'{code}' is not a three-letter ISO 4217 code like USD or DKK")
            if code == "EUR":
                raise ValueError(
                    "EUR is the base of the reference rates (1 on every day); leave it out"
                )
        if v is not None and len(set(v)) < len(v):
            twice = sorted({c for c in v if v.count(c) > 1})
            raise ValueError(f"{', '.join(twice)} listed twice")
        return v


REFERENCE_RATES = Stream(
    name="reference_rates",
    schema=pa.schema(
        [
            pa.field("date", pa.date32()),
            pa.field("currency", pa.string()),
            pa.field("rate", pa.float64()),
        ]
    ),
    primary_key=("currency", "date"),
    cursor="date",
    description="One row per TARGET business day and currency: units of the currency one euro "
    "buys (ECB euro reference rate). Weekends and TARGET holidays have no row.",
    # A window holding no TARGET business day (only a weekend or holiday, which a night's
    # window with the default lookback never is) raises NothingToExtract: nothing was due.
    # Any window with a business day has rates, so an empty landing means a broken extraction.
    may_be_empty=False,
    checks=(NotNull("rate"), AtLeast("rate", SMALLEST_RATE)),
)


class _ReadsFiles:
    """`reads_files` of a type whose sources read an inbox or call an API, as configured:
    False on the class (the inbox sensor asks the class, and an API source has no inbox), and
    on a source whether its config sets `path`."""

    def __get__(self, instance: Connector | None, owner: type) -> bool:
        return instance is not None and instance.config.path is not None


@register
class FxRates(Connector):
    type = "fx_rates"
    config_model = FxRatesConfig
    streams = (REFERENCE_RATES,)
    # a day's rates are published around 16:00 CET: a day is extracted once it is over in
    # Frankfurt, so the nightly run lands yesterday's rates
    day_zone = "Europe/Berlin"
    reads_files = _ReadsFiles()

    def provided_metrics(self) -> list[MetricDef]:
        return []  # rates convert metrics; they are none themselves

    def inbox(self) -> Path:
        if self.config.path is None:
            raise ValueError(f"source {self.config.name} reads the ECB's API, not an inbox")
        return Path(self.config.path)

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        if self.config.path is not None:
            yield from self.extract_files(stream, ctx)
            return
        window = self.window(ctx)
        self.require_publication(window)
        client = EcbClient(self.config.name, self.config.base_url, policy=self.policy, log=ctx.log)
        rows = fetch_rates(client, self.config.currencies, window)
        self.require_currencies(rows, window)
        yield Batch(table_from_rows(stream.schema, rows), window)

    def require_publication(self, window: Window) -> None:
        """A window without a TARGET business day has no rate to extract: nothing is due."""
        if not business_days(window.days()):
            raise NothingToExtract(
                f"{self.config.name}: {window} holds no TARGET business day (a weekend or "
                "holiday, when the ECB publishes no reference rate); nothing to extract this run"
            )

    def require_currencies(self, rows: list[dict], window: Window) -> None:
        """Every configured currency has a rate in a window with business days: a currency the
        ECB does not publish (a typo, a retired or suspended rate) fails here rather than
        leaving dbt to carry an old rate forward."""
        found = {r["currency"] for r in rows}
        missing = [c for c in self.config.currencies or () if c not in found]
        if missing:
            days = business_days(window.days())
            raise RequestError(
                self.config.name,
                f"the ECB published no reference rate for {', '.join(missing)} on any day of "
                f"{window} (TARGET business days {days[0]}..{days[-1]}); check `currencies`: "
                "the ECB publishes euro rates for about 30 currencies (USD, GBP, CHF, JPY, SEK, "
                "NOK, DKK, PLN, ...)",
            )

    def extract_files(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        """One batch per new rates file (by content hash: a file lands once, under any name);
        a file that cannot be landed is handed back for quarantine."""
        from connectors.fx_rates.rate_files import parse_rates_file, span

        for path in inbox_files(self.inbox()):
            digest = content_hash(path)
            if digest in ctx.state.file_hashes:
                ctx.log.info("%s: already landed (same content), skipped", path.name)
                continue
            try:
                table = parse_rates_file(
                    path,
                    stream.schema,
                    start_date=self.config.start_date,
                    last_day=ctx.run_date,
                    currencies=self.config.currencies,
                )
            except BadFileError as e:
                yield e
                continue
            yield Batch(table, span(table), path.name, digest)

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """ECB-like rates for the window, as the API mode lands them (whatever the mode)."""
        from connectors.fx_rates.demo import LEVELS, demo_rows

        window = self.window(ctx)
        self.require_publication(window)
        rows = demo_rows(self.config.currencies or LEVELS, window.days())
        yield Batch(table_from_rows(stream.schema, rows), window)
