"""Ledger exports that cover parts of a month, end to end: a later file replaces earlier lines
only on the days it covers (decision 8). Published totals are computed by hand below."""

from __future__ import annotations

import shutil
import textwrap

import duckdb
import pytest

from tests.conftest import run_local

pytestmark = pytest.mark.slow

CONFIG = r"""
timezone: Europe/Copenhagen
currency: DKK
sources:
  - name: ledger
    type: finance_files
    path: inbox
    start_date: 2026-01-01
    delimiter: ";"
    decimal: ","
    thousands: "."
    date_format: "%d-%m-%Y"
    columns: {date: Dato, account: Konto, amount: Beløb, text: Tekst}
    accounts: {revenue: ["1000-1999"], marketing_spend: ["2700-2799"]}
    credit_categories: [revenue]
    file_period: 'posteringer_(?P<start>\d{8})-(?P<end>\d{8})'
objectives:
  - {id: grow, perspective: financial, name: Grow revenue}
kpis:
  - {id: revenue, name: Revenue, objective: grow, type: metric, metric: finance.revenue,
     unit: currency, target: 20000}
  - {id: spend, name: Marketing spend, objective: grow, type: metric,
     metric: finance.marketing_spend, unit: currency, direction: lower_is_better, target: 6000}
"""
HEADER = "Dato;Konto;Tekst;Beløb\r\n"


def export(root, name: str, *lines: str) -> None:
    (root / "inbox" / name).write_text(HEADER + "".join(f"{x}\r\n" for x in lines), "utf-8-sig")


def published(root, metric: str, grain: str, start: str) -> float | None:
    with duckdb.connect(str(root / "data/serving.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select value from scorecard.metric_values"
            " where metric_id = ? and grain = ? and period_start = ?",
            [metric, grain, start],
        ).fetchall()
    return rows[0][0] if rows else None


def january(root) -> tuple[float, float]:
    return (
        published(root, "finance.revenue", "month", "2026-01-01"),
        published(root, "finance.marketing_spend", "month", "2026-01-01"),
    )


def test_partial_month_exports_add_up_and_a_later_file_replaces_only_its_days(tmp_path):
    root = tmp_path
    (root / "scorecard.yml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    (root / "inbox").mkdir()

    # January exported in two halves (revenue is booked as negative credits)
    export(root, "posteringer_20260101-20260115.csv",
           "03-01-2026;1010;Salg;-10.000,00", "10-01-2026;2710;Google Ads;2.000,00",
           "14-01-2026;1010;Salg;-5.000,00")  # fmt: skip
    export(root, "posteringer_20260116-20260131.csv",
           "20-01-2026;1010;Salg;-8.000,00", "25-01-2026;2710;Meta Ads;3.000,00")  # fmt: skip
    first = run_local(root, "2026-02-10", {})
    assert first.returncode == 0, first.stderr[-3000:]
    assert january(root) == (10000 + 5000 + 8000, 2000 + 3000)
    # every grain holds all 31 days: the first half's days are not erased by the second file
    assert published(root, "finance.revenue", "day", "2026-01-03") == 10000
    assert published(root, "finance.revenue", "week", "2026-01-12") == 5000  # ISO week 3
    assert published(root, "finance.revenue", "quarter", "2026-01-01") == 23000
    assert published(root, "finance.revenue", "year", "2026-01-01") == 23000

    # an overlapping correction of 10-20 January, and the first half dropped again unchanged
    export(root, "posteringer_20260110-20260120.csv",
           "12-01-2026;2710;Google Ads;2.500,00", "14-01-2026;1010;Salg;-6.000,00",
           "20-01-2026;1010;Salg;-8.000,00")  # fmt: skip
    shutil.copy(
        root / "inbox/posteringer_20260101-20260115.csv", root / "inbox/posteringer_kopi.csv"
    )
    second = run_local(root, "2026-02-11", {})
    assert second.returncode == 0, second.stderr[-3000:]
    # 1-9: the first half (10,000 on the 3rd); 10-20: the correction (2,500 spend, 6,000 +
    # 8,000 revenue; the first half's 2,000 spend on the 10th and 5,000 on the 14th are gone);
    # 21-31: the second half (3,000 spend on the 25th). The identical copy is skipped.
    assert january(root) == (10000 + 6000 + 8000, 2500 + 3000)
    assert published(root, "finance.marketing_spend", "day", "2026-01-10") is None

    # the whole month corrected and exported again replaces every earlier January line
    export(root, "posteringer_20260101-20260131.csv",
           "05-01-2026;1010;Salg;-20.000,00", "28-01-2026;2710;LinkedIn Ads;4.000,00")  # fmt: skip
    third = run_local(root, "2026-02-12", {})
    assert third.returncode == 0, third.stderr[-3000:]
    assert january(root) == (20000, 4000)
    with duckdb.connect(str(root / "data/serving.duckdb"), read_only=True) as con:
        [(kpi,)] = con.execute(
            "select value from scorecard.kpi_values where kpi_id = 'revenue'"
            " and grain = 'month' and period_start = date '2026-01-01'"
        ).fetchall()
    assert kpi == 20000
