"""`scorecard run` against real connector code: GA4 through a local server speaking its REST
wire format, finance exports in two dialects, and a manual sheet. Published numbers are checked
against values computed by hand from the inputs below."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date

import duckdb
import pytest

from tests.conftest import run_cli, run_local
from tests.fakes.ga4 import FakeGA4, daily_data

pytestmark = pytest.mark.slow
CANARY = "canary-token-e2e-9b8c7d6e5f"

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - name: website
    type: ga4
    property_ids: ["111", "222"]
    access_token: env:GA4_E2E_TOKEN
    api_endpoint: {url}
    start_date: 2026-10-01
    lookback_days: 3
    page_size: 10
  - name: ledger
    type: finance_files
    path: inbox/dk
    start_date: 2026-10-01
    delimiter: ";"
    decimal: ","
    thousands: "."
    encoding: utf-8-sig
    date_format: "%d-%m-%Y"
    columns: {{date: Dato, account: Konto, amount: Beløb, text: Tekst}}
    accounts: {{revenue: ["1000-1999"], marketing_spend: ["2700-2799"]}}
    credit_categories: [revenue]
  - name: gl
    type: finance_files
    path: inbox/en
    start_date: 2026-10-01
    thousands: ","
    columns: {{date: Date, account: Account, amount: Amount}}
    accounts: {{revenue: ["4000-4999"]}}
  - name: team
    type: manual_metrics
    path: inbox/manual
    start_date: 2026-10-01
    metrics: {{training_hours: sum}}
objectives:
  - {{id: grow, perspective: financial, name: Grow revenue}}
  - {{id: win, perspective: customer, name: Win customers, drives: [grow]}}
  - {{id: learn, perspective: learning_growth, name: Learn, drives: [win]}}
kpis:
  - {{id: conversion, name: Conversion, objective: win, type: ratio, numerator: web.key_events,
     denominator: web.sessions, scale: 100, unit: percent, target: 0.5}}
  - {{id: users, name: Users, objective: win, type: metric, metric: web.total_users, target: 5000}}
  - {{id: revenue, name: Revenue, objective: grow, type: metric, metric: finance.revenue,
     unit: currency, target: 14000}}
  - {{id: romi, name: ROMI, objective: grow, type: ratio, numerator: finance.revenue,
     denominator: finance.marketing_spend, scale: 100, offset: -100, unit: percent, target: 400}}
  - {{id: training, name: Training, objective: learn, type: metric,
     metric: manual.training_hours, target: 10}}
"""

DANISH = (
    "Dato;Konto;Tekst;Beløb\r\n"
    "03-10-2026;1010;Salg;-12.345,67\r\n"
    "15-10-2026;1010;Kreditnota;1.000,00\r\n"
    "20-10-2026;2710;Google Ads;2.500,50\r\n"
    "31-10-2026;3010;Løn;50.000,00\r\n"
)
ENGLISH = 'Date,Account,Amount\n2026-10-10,4010,"1,234.56"\n2026-10-11,9000,"99.00"\n'
MANUAL = (
    "date,metric,value,note\n2026-10-05,training_hours,4.5,course\n2026-10-19,training_hours,6,\n"
)


@pytest.fixture
def project(tmp_path, httpserver):
    fake = FakeGA4(token=CANARY)
    fake.data = {
        "111": daily_data(date(2026, 10, 1), date(2026, 11, 10), base=100),
        "222": daily_data(date(2026, 10, 1), date(2026, 11, 10), base=200),
    }
    url = fake.install(httpserver)
    (tmp_path / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=url)), encoding="utf-8"
    )
    for folder, name, text, encoding in (
        ("dk", "posteringer_2026-10.csv", DANISH, "utf-8-sig"),
        ("en", "gl_october.csv", ENGLISH, "utf-8"),
        ("manual", "team.csv", MANUAL, "utf-8"),
    ):
        (tmp_path / "inbox" / folder).mkdir(parents=True)
        (tmp_path / "inbox" / folder / name).write_text(text, encoding=encoding)
    return tmp_path, fake


def month(serving, kind, key, start="2026-10-01"):
    table, column = ("kpi_values", "kpi_id") if kind == "kpi" else ("metric_values", "metric_id")
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(
            f"select value from scorecard.{table} where {column} = ? and grain = 'month'"
            " and period_start = ?",
            [key, start],
        ).fetchall()[0][0]


def test_real_sources_publish_hand_computed_numbers(project):
    root, fake = project
    serving = root / "data/serving.duckdb"
    fake.fail_next(429, "Exhausted property tokens per hour.", retry_after="1")

    first = run_local(root, "2026-11-03", {"GA4_E2E_TOKEN": CANARY})
    assert first.returncode == 0, first.stderr + first.stdout

    # October, by hand: sessions 100..130 and 200..230; key events i % 3 per day -> 30 each
    sessions = (31 * 100 + 465) + (31 * 200 + 465)
    assert month(serving, "metric", "web.sessions") == sessions == 10230
    assert month(serving, "kpi", "conversion") == pytest.approx(100 * 60 / 10230)
    # distinct users are GA4's own period figure: 0.6 x (sessions - 10) summed, per property
    assert month(serving, "metric", "web.total_users") == 1953 + 3813
    # ledger: -12,345.67 credit and a 1,000.00 credit note (sign flipped), plus 1,234.56 (English)
    assert month(serving, "metric", "finance.revenue") == pytest.approx(
        12345.67 - 1000.00 + 1234.56
    )
    assert month(serving, "metric", "finance.marketing_spend") == pytest.approx(2500.50)
    assert month(serving, "kpi", "romi") == pytest.approx(12580.23 / 2500.50 * 100 - 100)
    assert month(serving, "kpi", "training") == 10.5
    assert fake.request_times[1] - fake.request_times[0] >= 1.0  # the 429's wait was honoured
    assert (
        len([r for r in fake.requests if r["body"].get("dimensions") == [{"name": "date"}]])
        >= 2 * 4
    )

    # next night: GA4 restated 31 October, and someone dropped the ledger export again
    fake.data["111"][date(2026, 10, 31)]["sessions"] = 1000
    shutil.copy(root / "inbox/dk/posteringer_2026-10.csv", root / "inbox/dk/kopi.csv")
    fake.requests.clear()
    second = run_local(root, "2026-11-04", {"GA4_E2E_TOKEN": CANARY})
    assert second.returncode == 0, second.stderr + second.stdout
    daily = [r for r in fake.requests if r["body"].get("dimensions") == [{"name": "date"}]]
    # the first night ended at 2 November (3 November had begun in Copenhagen): 2 Nov - 3 days
    assert {r["body"]["dateRanges"][0]["startDate"] for r in daily} == {"2026-10-30"}
    assert month(serving, "metric", "web.sessions") == 10230 - 130 + 1000  # overwritten...
    with duckdb.connect(str(serving), read_only=True) as con:
        day = con.execute(
            "select value from scorecard.metric_values where metric_id = 'web.sessions'"
            " and grain = 'day' and period_start = date '2026-10-31'"
        ).fetchall()
    assert day == [(1000.0 + 230.0,)]  # ...never duplicated
    assert month(serving, "metric", "finance.revenue") == pytest.approx(12580.23)  # not doubled

    # the token appears in no output, log, landing batch, warehouse or published file
    assert CANARY not in first.stdout + first.stderr + second.stdout + second.stderr
    leaks = [p for p in root.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert leaks == []


def test_a_forbidden_property_fails_the_run_clearly_and_publishes_nothing(project):
    root, fake = project
    fake.forbidden = {"222"}
    result = run_local(root, "2026-11-03", {"GA4_E2E_TOKEN": CANARY})
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "GA4 refused access to property 222" in text
    assert not (root / "data/serving.duckdb").exists()
    assert CANARY not in result.stderr + result.stdout


def test_a_missing_token_is_a_configuration_error(project):
    root, _ = project
    result = run_cli("run", "--as-of", "2026-11-03", cwd=root, env={"GA4_E2E_TOKEN": ""})
    assert result.returncode == 2
    assert "GA4_E2E_TOKEN, which is not set" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Dato;Konto;Beløb\r\n03-10-2026;1010;-1,00\r\n", "no header row with the mapped columns"),
        ("Dato;Konto;Tekst;Beløb\r\n2026-10-03;1010;x;-1,00\r\n", "does not match '%d-%m-%Y'"),
        ("Dato;Konto;Tekst;Beløb\r\n03-10-2026;1010;x;tolv\r\n", "amount 'tolv' is not a number"),
        ("", "the file is empty"),
    ],
    ids=["missing-column", "bad-date", "bad-number", "empty"],
)
def test_a_bad_finance_file_is_quarantined_and_nothing_is_published(project, content, reason):
    root, _ = project
    assert run_local(root, "2026-11-03", {"GA4_E2E_TOKEN": CANARY}).returncode == 0
    serving = root / "data/serving.duckdb"
    before = serving.read_bytes()
    (root / "inbox/dk/bad.csv").write_text(content, encoding="utf-8-sig")
    result = run_local(root, "2026-11-04", {"GA4_E2E_TOKEN": CANARY})
    assert result.returncode == 1
    assert serving.read_bytes() == before
    quarantined = root / "data/landing/_quarantine/ledger/ledger_lines/bad.csv"
    assert quarantined.exists() and not (root / "inbox/dk/bad.csv").exists()
    assert reason in quarantined.with_name("bad.csv.reason.txt").read_text(encoding="utf-8")
    assert reason in " ".join(result.stderr.split())
