"""Rates files: a sheet of `date, currency, rate` (units of the currency one euro buys), or an
SDMX CSV file as the ECB's data API answers it (TIME_PERIOD, OBS_VALUE, CURRENCY, ...), read
through the shared file machinery (`connectors.files`) with every bad line named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Window
from connectors.files import HEADER_SEARCH_ROWS, BadFileError, Columns, RawTable, read_cells

DATE_FORMAT = "%Y-%m-%d"
PLAIN = ("date", "currency", "rate")
SDMX = ("TIME_PERIOD", "OBS_VALUE", "CURRENCY")
# an SDMX file must hold daily euro reference rates: these columns, when present, say so
SDMX_SERIES = (("FREQ", "D"), ("CURRENCY_DENOM", "EUR"), ("EXR_TYPE", "SP00"))


def read_rates_cells(path: Path) -> tuple[RawTable, bool]:
    """The file's cells under its header, and whether it is an ECB SDMX CSV file."""
    for columns, sdmx in ((SDMX, True), (PLAIN, False)):
        try:
            return read_cells(path, required=list(columns)), sdmx
        except BadFileError as e:
            if not e.reason.startswith("no header row"):
                raise
    raise BadFileError(
        path,
        f"no header row with the columns {', '.join(PLAIN)} (rate: units of the currency one "
        f"euro buys) — nor an ECB SDMX file's {', '.join(SDMX)} — in the first "
        f"{HEADER_SEARCH_ROWS} rows",
    )


def parse_rates_file(
    path: Path,
    schema: pa.Schema,
    *,
    start_date: date,
    last_day: date,
    currencies: list[str] | None,
) -> pa.Table:
    """The rates of one file, on or after `start_date`, of `currencies` (None: all), sorted by
    day and currency; or the file refused with each bad line's problem (a day after
    `last_day`, the run date, included)."""
    raw, sdmx = read_rates_cells(path)
    day_column, currency_column, rate_column = (
        ("TIME_PERIOD", "CURRENCY", "OBS_VALUE") if sdmx else PLAIN
    )
    if sdmx:
        # the ECB leaves OBS_VALUE empty where a series has no observation
        values = raw.column(rate_column)
        present = ~(values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
        raw = RawTable(raw.frame[present], raw.first_line, raw.path)
        if raw.frame.empty:
            raise BadFileError(path, "no line of the SDMX file has a value (OBS_VALUE)")
    parsed = Columns(raw)
    if sdmx:
        for column, expected in SDMX_SERIES:
            if raw.has(column):
                found = parsed.texts(column)
                parsed.require(
                    (found.str.upper() == expected).to_numpy(),
                    found,
                    lambda v, c=column, e=expected: (
                        f"{c} {v!r} is not {e!r} (daily euro "
                        "reference rates, series EXR.D.<currency>.EUR.SP00.A, only)"
                    ),
                )
    codes = parsed.texts(currency_column).str.upper()
    parsed.require(
        codes.str.fullmatch(r"[A-Z]{3}").to_numpy(),
        raw.column(currency_column),
        lambda v: f"currency {v!r} is not a three-letter ISO 4217 code like USD",
    )
    days = parsed.dates(day_column, DATE_FORMAT)
    rates = parsed.numbers(rate_column, decimal=".", thousands=None, label="rate")
    shown = raw.column(rate_column)
    parsed.require(
        ~(rates <= 0),
        shown,
        lambda v: f"rate {v!r} is not positive (units of the currency one euro buys)",
    )
    euro = (codes == "EUR").to_numpy()
    parsed.require(
        ~euro | (rates == 1) | np.isnan(rates),
        shown,
        lambda v: f"EUR is the base currency: its rate is 1, not {v!r}",
    )
    parsed.require(
        ~(days > np.datetime64(last_day)),
        raw.column(day_column),
        lambda v: f"date {v!r} is after the run date {last_day}: no rate is published for it yet",
    )
    keys = codes.to_numpy().astype(str) + " on " + np.datetime_as_string(days)
    first: dict[str, int] = {}
    for key, line in zip(keys.tolist(), parsed.lines.tolist(), strict=True):
        first.setdefault(key, line)
    twice = pd.Series(keys).duplicated().to_numpy()
    parsed.require(
        ~twice,
        pd.Series([f"{k} is on line {first[k]} already" for k in keys.tolist()]),
        lambda v: f"a second rate: {v}",
    )
    table = parsed.table(
        schema, {"date": days, "currency": codes.to_numpy().astype(object), "rate": rates}
    )
    keep = ~euro & (days >= np.datetime64(start_date))
    if currencies is not None:
        keep &= np.isin(codes.to_numpy().astype(str), currencies)
    table = table.filter(pa.array(keep)).sort_by([("date", "ascending"), ("currency", "ascending")])
    if not table.num_rows:
        which = ", ".join(currencies) if currencies else "any currency but EUR"
        raise BadFileError(
            path, f"no rate for {which} on or after start_date {start_date}: nothing to land"
        )
    return table


def span(table: pa.Table) -> Window:
    """The days a file's rates cover: its first to its last day."""
    bounds = pc.min_max(table.column("date"))
    return Window(bounds["min"].as_py(), bounds["max"].as_py())
