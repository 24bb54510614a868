"""Currency reference rates (fx_rates): the ECB data API against a local stand-in speaking its
SDMX CSV, rates files through the real parser, and the demo."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from connectors import connector_for
from connectors.base import ExtractContext, LandedState, NothingToExtract, Window
from connectors.files import BadFileError
from connectors.fx_rates import REFERENCE_RATES, FxRates, FxRatesConfig
from connectors.fx_rates.demo import DKK_CENTRAL, LEVELS, demo_rate
from connectors.fx_rates.ecb import EcbClient, fetch_rates
from connectors.fx_rates.target import business_days, is_business_day
from connectors.http import RequestError, RetryPolicy, TransientError
from tests.fakes.ecb import COLUMNS, FakeEcb, sdmx_csv, sdmx_line

BERLIN = ZoneInfo("Europe/Berlin")
RUN = date(2026, 4, 9)  # a Thursday; Good Friday and Easter Monday 2026 are 3 and 6 April
NIGHTLY = datetime(2026, 4, 9, 2, tzinfo=BERLIN)
EASTER_WEEK = [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 7), date(2026, 4, 8)]


@pytest.fixture
def ecb(httpserver):
    fake = FakeEcb(now=NIGHTLY)
    fake.install(httpserver)
    return fake


def connector(fake: FakeEcb | None = None, **config) -> FxRates:
    settings = {"name": "rates", "type": "fx_rates", "start_date": date(2026, 4, 1), **config}
    if fake is not None:
        settings.setdefault("base_url", fake.url)
    c = FxRates(FxRatesConfig(**settings))
    c.policy = RetryPolicy(attempts=2, backoff=0.01, jitter=0)
    return c


def context(run=RUN, moment=NIGHTLY, state=None, override=None) -> ExtractContext:
    return ExtractContext(
        run_date=run,
        state=state or LandedState(),
        log=logging.getLogger("t"),
        moment=moment,
        override=override,
    )


def extract(c: FxRates, ctx: ExtractContext | None = None) -> list:
    return list(c.extract(REFERENCE_RATES, ctx or context()))


def rows_of(batch) -> list[tuple]:
    return [(r["date"], r["currency"], r["rate"]) for r in batch.records.to_pylist()]


# --- the ECB data API -------------------------------------------------------------------------


def test_a_window_over_easter_lands_exactly_the_business_days_with_their_rates(ecb):
    [batch] = extract(connector(ecb, currencies=["USD", "SEK"]))
    assert batch.window == Window(date(2026, 4, 1), date(2026, 4, 8))
    assert sorted(rows_of(batch)) == [
        (date(2026, 4, 1), "SEK", 11.001),
        (date(2026, 4, 1), "USD", 1.101),
        (date(2026, 4, 2), "SEK", 11.002),
        (date(2026, 4, 2), "USD", 1.102),
        (date(2026, 4, 7), "SEK", 11.007),
        (date(2026, 4, 7), "USD", 1.107),
        (date(2026, 4, 8), "SEK", 11.008),
        (date(2026, 4, 8), "USD", 1.108),
    ]
    assert batch.records.schema.names == ["date", "currency", "rate"]
    assert batch.records.schema.equals(REFERENCE_RATES.schema)
    [call] = ecb.requests
    assert call["path"] == "/data/EXR/D.USD+SEK.EUR.SP00.A"
    assert call["args"] == {
        "startPeriod": "2026-04-01",
        "endPeriod": "2026-04-08",
        "format": "csvdata",
    }


def test_only_the_configured_currencies_even_when_the_answer_holds_more(ecb):
    ecb.ignore_key = True  # a mirror that answers every series
    [batch] = extract(connector(ecb, currencies=["GBP"]))
    assert {c for _, c, _ in rows_of(batch)} == {"GBP"}
    assert [d for d, _, _ in rows_of(batch)] == EASTER_WEEK
    assert ecb.requests[0]["path"] == "/data/EXR/D.GBP.EUR.SP00.A"


def test_no_currencies_asks_for_every_series_the_ecb_publishes(ecb):
    [batch] = extract(connector(ecb))
    assert ecb.requests[0]["path"] == "/data/EXR/D..EUR.SP00.A"
    landed = rows_of(batch)
    assert {c for _, c, _ in landed} == {"USD", "SEK", "DKK", "GBP", "JPY"}
    assert len(landed) == 5 * len(EASTER_WEEK)
    assert (date(2026, 4, 7), "JPY", 160.007) in landed


def test_columns_are_read_by_name_and_lines_without_a_value_are_skipped(ecb):
    ecb.columns = list(reversed(COLUMNS))  # TIME_PERIOD and OBS_VALUE far from where they were
    ecb.blank = {("USD", date(2026, 4, 2))}
    [batch] = extract(connector(ecb, currencies=["USD"]))
    assert rows_of(batch) == [
        (date(2026, 4, 1), "USD", 1.101),
        (date(2026, 4, 7), "USD", 1.107),
        (date(2026, 4, 8), "USD", 1.108),
    ]


def test_a_day_is_extracted_once_it_is_over_in_frankfurt(ecb):
    # 17:00 on 8 April: the ECB has published that day's rates, but the day is not over
    ecb.now = datetime(2026, 4, 8, 17, tzinfo=BERLIN)
    [batch] = extract(connector(ecb, currencies=["USD"]), context(date(2026, 4, 8), ecb.now))
    assert batch.window.end == date(2026, 4, 7)
    assert max(d for d, _, _ in rows_of(batch)) == date(2026, 4, 7)
    # 23:30 UTC is 01:30 in Frankfurt: 8 April is over there (not yet in UTC)
    late = datetime(2026, 4, 8, 23, 30, tzinfo=UTC)
    ecb.now = late
    [batch] = extract(connector(ecb, currencies=["USD"]), context(RUN, late))
    assert batch.window.end == date(2026, 4, 8)
    assert (date(2026, 4, 8), "USD", 1.108) in rows_of(batch)


def test_later_runs_start_at_the_last_window_end_minus_the_lookback(ecb):
    state = LandedState(windows=(Window(date(2026, 3, 2), date(2026, 4, 5)),))
    [batch] = extract(connector(ecb, currencies=["USD"]), context(state=state))
    assert batch.window == Window(date(2026, 4, 2), date(2026, 4, 8))
    assert ecb.requests[0]["args"]["startPeriod"] == "2026-04-02"
    assert [d for d, _, _ in rows_of(batch)] == EASTER_WEEK[1:]


def test_a_long_backfill_is_asked_a_year_at_a_time(ecb):
    ecb.now = datetime(2026, 4, 9, 2, tzinfo=BERLIN)
    [batch] = extract(connector(ecb, currencies=["USD"], start_date=date(2024, 1, 1)))
    periods = [(r["args"]["startPeriod"], r["args"]["endPeriod"]) for r in ecb.requests]
    assert periods == [
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2026-01-01"),
        ("2026-01-02", "2026-04-08"),
    ]
    days = [d for d, _, _ in rows_of(batch)]
    assert len(days) == len(set(days))
    assert days[0] == date(2024, 1, 2) and days[-1] == date(2026, 4, 8)
    for closed in (date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1)):
        assert closed not in days
    for closed in (date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1)):
        assert closed not in days
    assert date(2025, 12, 24) in days and date(2025, 12, 31) in days


def test_a_window_of_weekend_and_holidays_only_has_nothing_to_extract(ecb):
    # Good Friday to Easter Monday: four days, no publication; no call is made
    c = connector(ecb, currencies=["USD"], start_date=date(2026, 4, 3))
    with pytest.raises(NothingToExtract, match="no TARGET business day"):
        extract(c, context(date(2026, 4, 7), datetime(2026, 4, 7, 2, tzinfo=BERLIN)))
    assert ecb.requests == []


def test_the_ecbs_no_results_found_is_an_empty_result_not_an_error(ecb):
    client = EcbClient("rates", ecb.url, policy=RetryPolicy(attempts=2, backoff=0.01, jitter=0))
    ecb.now = datetime(2026, 4, 14, 2, tzinfo=BERLIN)
    weekend = Window(date(2026, 4, 11), date(2026, 4, 12))
    assert fetch_rates(client, ["USD"], weekend) == []
    assert fetch_rates(client, ["USD"], Window(date(2026, 4, 10), date(2026, 4, 13))) == [
        {"date": date(2026, 4, 10), "currency": "USD", "rate": 1.11},
        {"date": date(2026, 4, 13), "currency": "USD", "rate": 1.113},
    ]
    # today, before 16:00 in Frankfurt: not published yet
    ecb.now = datetime(2026, 4, 9, 15, 59, tzinfo=BERLIN)
    assert fetch_rates(client, ["USD"], Window(date(2026, 4, 9), date(2026, 4, 9))) == []
    assert len(ecb.requests) == 3  # each answered once: a 404 "No results found" is not retried


def test_a_business_day_the_ecb_skipped_lands_an_empty_batch_for_the_gate(ecb):
    ecb.unpublished = {date(2026, 4, 8)}
    backfill = Window(date(2026, 4, 8), date(2026, 4, 8))
    [batch] = extract(connector(ecb), context(override=backfill))
    assert batch.records.num_rows == 0 and batch.window == backfill
    assert not REFERENCE_RATES.may_be_empty  # the landing gate fails an empty landing


def test_a_configured_currency_the_ecb_does_not_publish_fails_naming_it(ecb):
    with pytest.raises(RequestError, match=r"no reference rate for XYZ on any day"):
        extract(connector(ecb, currencies=["USD", "XYZ"]))
    with pytest.raises(RequestError, match=r"no reference rate for XYZ.*2026-04-01..2026-04-08"):
        extract(connector(ecb, currencies=["XYZ"]))  # answered 404 No results found


def test_a_server_error_is_retried_then_fails(ecb):
    ecb.fail_next(500)
    [batch] = extract(connector(ecb, currencies=["USD"]))
    assert len(ecb.requests) == 2 and batch.records.num_rows == 4
    ecb.requests.clear()
    ecb.fail_next(500, times=5)
    with pytest.raises(TransientError, match=r"source rates: .*500"):
        extract(connector(ecb, currencies=["USD"]))
    assert len(ecb.requests) == 3  # the first try and two retries


def test_a_refused_key_and_a_wrong_address_fail_at_once_with_what_to_check(ecb):
    client = EcbClient("rates", ecb.url, policy=RetryPolicy(attempts=2, backoff=0.01, jitter=0))
    with pytest.raises(RequestError, match=r"returned 400 .*Invalid currency.*check `currencies`"):
        fetch_rates(client, ["us dollar"], Window(date(2026, 4, 1), date(2026, 4, 2)))
    assert len(ecb.requests) == 1
    with pytest.raises(
        RequestError, match=r"/wrong/data/EXR/.* returned 404 .*no such address; check `base_url`"
    ):
        extract(connector(ecb, currencies=["USD"], base_url=ecb.url + "/wrong"))
    assert len(ecb.requests) == 2


# --- rates files ------------------------------------------------------------------------------


def files_connector(inbox, **config) -> FxRates:
    return connector(None, path=str(inbox), start_date=date(2026, 1, 1), **config)


def test_a_rates_csv_lands_once(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(
        "date,currency,rate\n2026-04-02,usd,1.0830\n2026-04-01,USD,1.0812\n"
        "2026-04-01,SEK,10.95\n2026-04-01,EUR,1\n",
        encoding="utf-8",
    )
    c = files_connector(tmp_path)
    [batch] = extract(c)
    assert rows_of(batch) == [
        (date(2026, 4, 1), "SEK", 10.95),
        (date(2026, 4, 1), "USD", 1.0812),
        (date(2026, 4, 2), "USD", 1.083),
    ]
    assert batch.window == Window(date(2026, 4, 1), date(2026, 4, 2))
    assert batch.file_name == "rates.csv"
    assert batch.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert extract(c, context(state=LandedState(file_hashes=frozenset({batch.file_hash})))) == []


def test_a_rates_xlsx_with_a_title_row_and_only_the_configured_currencies(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Reference rates, Q1"])
    ws.append(["Date", "Currency", "Rate"])
    ws.append([datetime(2025, 12, 31), "USD", 1.17])  # before start_date: not landed
    ws.append([datetime(2026, 1, 2), "USD", 1.1721])
    ws.append([datetime(2026, 1, 2), "NOK", 11.82])
    wb.save(tmp_path / "rates.xlsx")
    [batch] = extract(files_connector(tmp_path, currencies=["USD"]))
    assert rows_of(batch) == [(date(2026, 1, 2), "USD", 1.1721)]


def test_an_ecb_sdmx_csv_file_lands(tmp_path):
    lines = [sdmx_line("USD", date(2026, 4, 1), 1.0812), sdmx_line("USD", date(2026, 4, 2), None)]
    lines += [sdmx_line("DKK", date(2026, 4, 1), 7.4689), sdmx_line("USD", date(2026, 4, 7), 1.09)]
    (tmp_path / "EXR.csv").write_text(sdmx_csv(lines), encoding="utf-8")
    [batch] = extract(files_connector(tmp_path))
    assert rows_of(batch) == [
        (date(2026, 4, 1), "DKK", 7.4689),
        (date(2026, 4, 1), "USD", 1.0812),
        (date(2026, 4, 7), "USD", 1.09),
    ]
    assert batch.window == Window(date(2026, 4, 1), date(2026, 4, 7))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("date,currency,value\n2026-04-01,USD,1.08\n", "no header row with the columns date"),
        ("date,currency,rate\n2026-04-01,USD,1.08\n2026-04-02,USD,abc\n", "line 3: rate 'abc' is not a number"),
        ("date,currency,rate\n2026-04-01,USD,0\n", "line 2: rate '0' is not positive"),
        ("date,currency,rate\n2026-04-01,USD,-1.08\n", "line 2: rate '-1.08' is not positive"),
        ("date,currency,rate\n01.04.2026,USD,1.08\n", "line 2: date '01.04.2026' does not match '%Y-%m-%d'"),
        ("date,currency,rate\n2026-04-01,US,1.08\n", "line 2: currency 'US' is not a three-letter ISO 4217 code"),
        ("date,currency,rate\n2026-04-01,USD,1.08\n2026-04-01,usd,1.09\n", "line 3: a second rate: USD on 2026-04-01 is on line 2 already"),
        ("date,currency,rate\n2026-04-01,EUR,1.2\n", "line 2: EUR is the base currency: its rate is 1, not '1.2'"),
        ("date,currency,rate\n2026-04-10,USD,1.08\n", "line 2: date '2026-04-10' is after the run date 2026-04-09"),
        ("date,currency,rate\n2025-12-01,USD,1.08\n", "no rate for any currency but EUR on or after start_date 2026-01-01"),
        (sdmx_csv([{**sdmx_line("USD", date(2026, 4, 1), 1.0), "CURRENCY_DENOM": "USD"}]), "line 2: CURRENCY_DENOM 'USD' is not 'EUR'"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_handed_back_for_quarantine_naming_the_line(tmp_path, text, reason):
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    [refused] = extract(files_connector(tmp_path))
    assert isinstance(refused, BadFileError)
    assert refused.path.name == "bad.csv"
    assert reason in refused.reason


def test_a_bad_file_does_not_stop_a_good_one(tmp_path):
    (tmp_path / "a_bad.csv").write_text("date,currency,rate\n2026-04-01,USD,x\n", encoding="utf-8")
    (tmp_path / "b_good.csv").write_text("date,currency,rate\n2026-04-01,USD,1.08\n")
    items = extract(files_connector(tmp_path))
    assert sorted(type(i).__name__ for i in items) == ["BadFileError", "Batch"]
    [good] = [i for i in items if not isinstance(i, BadFileError)]
    assert rows_of(good) == [(date(2026, 4, 1), "USD", 1.08)]


def test_file_mode_reads_files_and_api_mode_has_no_inbox(tmp_path):
    assert connector_for("fx_rates") is FxRates
    assert FxRates.reads_files is False  # the inbox sensor asks the type: API sources have none
    assert files_connector(tmp_path).reads_files is True
    api = connector(None, currencies=["USD"])
    assert api.reads_files is False
    with pytest.raises(ValueError, match="reads the ECB's API, not an inbox"):
        api.inbox()
    assert api.config.base_url == "https://data-api.ecb.europa.eu/service"
    assert api.provided_metrics() == [] and api.metrics_model is None
    assert FxRates.day_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("currencies", "message"),
    [
        (["usd"], "'usd' is not a three-letter ISO 4217 code"),
        (["USDX"], "'USDX' is not a three-letter ISO 4217 code"),
        (["EUR"], "EUR is the base"),
        (["USD", "SEK", "USD"], "USD listed twice"),
        ([], "at least 1 item"),
    ],
)
def test_currencies_are_upper_case_iso_codes(currencies, message):
    with pytest.raises(ValidationError, match=message):
        FxRatesConfig(name="rates", type="fx_rates", currencies=currencies)


# --- the calendar and the demo ----------------------------------------------------------------


def test_the_target_calendar():
    april = Window(date(2026, 3, 30), date(2026, 4, 12))
    assert business_days(april.days()) == [
        date(2026, 3, 30),
        date(2026, 3, 31),
        *EASTER_WEEK[:2],
        date(2026, 4, 7),
        date(2026, 4, 8),
        date(2026, 4, 9),
        date(2026, 4, 10),
    ]
    closed = [date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1)]
    closed += [date(2025, 12, 25), date(2025, 12, 26), date(2024, 3, 29), date(2024, 4, 1)]
    assert not any(is_business_day(d) for d in closed)
    assert is_business_day(date(2025, 12, 24)) and is_business_day(date(2024, 12, 31))


def test_the_demo_publishes_on_business_days_only_and_the_same_rates_for_any_window():
    c = connector(None, start_date=date(2025, 12, 1))
    [full] = list(c.demo(REFERENCE_RATES, context()))
    assert full.window == Window(date(2025, 12, 1), date(2026, 4, 8))
    state = LandedState(windows=(Window(date(2025, 12, 1), date(2026, 4, 3)),))
    [recent] = list(c.demo(REFERENCE_RATES, context(state=state)))
    assert recent.window == Window(date(2026, 3, 31), date(2026, 4, 8))
    full_rows, recent_rows = rows_of(full), rows_of(recent)
    assert set(recent_rows) < set(full_rows)
    assert {(d, cur) for d, cur, _ in recent_rows} == {
        (d, cur) for d in [date(2026, 3, 31), *EASTER_WEEK] for cur in LEVELS
    }
    days = {d for d, _, _ in full_rows}
    assert days == set(business_days(full.window.days()))
    for closed in (date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 3)):
        assert closed not in days
    assert date(2026, 4, 4) not in days and date(2025, 12, 24) in days
    assert len(full_rows) == 5 * len(days)


def test_demo_rates_are_ecb_like_and_the_krone_stays_pegged():
    days = business_days(Window(date(2024, 1, 1), date(2026, 12, 31)).days())
    for currency, level in LEVELS.items():
        rates = [demo_rate(currency, d) for d in days]
        assert all(0.85 * level < r < 1.15 * level for r in rates), currency
        moves = [abs(b / a - 1) for a, b in pairwise(rates)]
        assert 0 < max(moves) < 0.03, currency  # it moves, by small daily steps
        assert len({f"{r:.5g}" for r in rates}) > len(rates) / 10, currency
    krone = [demo_rate("DKK", d) for d in days]
    assert all(abs(r / DKK_CENTRAL - 1) <= 0.00201 for r in krone)
    assert demo_rate("USD", date(2026, 4, 1)) == demo_rate("USD", date(2026, 4, 1))
    assert demo_rate("USD", date(2026, 4, 1)) != demo_rate("USD", date(2026, 4, 2))


def test_the_demo_lands_the_configured_currencies_and_nothing_on_a_holiday_window():
    c = connector(None, currencies=["USD", "CHF"], start_date=date(2026, 4, 1))
    [batch] = list(c.demo(REFERENCE_RATES, context()))
    assert {cur for _, cur, _ in rows_of(batch)} == {"USD", "CHF"}
    assert [d for d, cur, _ in rows_of(batch) if cur == "CHF"] == EASTER_WEEK
    assert all(r > 0 for _, _, r in rows_of(batch))
    easter = connector(None, currencies=["USD"], start_date=date(2026, 4, 3))
    with pytest.raises(NothingToExtract):
        list(easter.demo(REFERENCE_RATES, context(date(2026, 4, 7), None)))


def test_the_demo_does_not_depend_on_the_run():
    c = connector(None, currencies=["SEK"], start_date=date(2026, 3, 2))
    [early] = list(c.demo(REFERENCE_RATES, context(date(2026, 3, 20), None)))
    [late] = list(c.demo(REFERENCE_RATES, context(RUN, None)))
    shared = {(d, cur): r for d, cur, r in rows_of(early)}
    assert shared and all(
        shared[(d, cur)] == r for d, cur, r in rows_of(late) if (d, cur) in shared
    )
    assert len(shared) == len(business_days(Window(date(2026, 3, 2), date(2026, 3, 19)).days()))
    assert max(d for d, _ in shared) == date(2026, 3, 19)  # the early run's last complete day
