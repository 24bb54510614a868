"""The demo scorecard printed to PDF by real headless Chromium: A4 pages whose text shows every
perspective and, for every KPI of the default period (the ones off target among them), its name,
its value formatted as the page formats it, and its status in words."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.report.pdf import write_pdf
from orchestration.report.render import STATUS_WORDS
from tests.browser import chromium_path
from tests.conftest import DEMO_KPIS, run_cli

pytestmark = pytest.mark.slow

A4_POINTS = (595.28, 841.89)
# group and decimal separator of the report locales the demos use (the page uses Intl)
SEPARATORS = {"en-DK": (".", ","), "en-GB": (",", "."), "en-US": (",", ".")}


@pytest.fixture(scope="module")
def demo_pdf(demo_run, tmp_path_factory):
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr
    page = workspace / "data/demo/scorecard.html"
    pdf = write_pdf(
        page, tmp_path_factory.mktemp("pdf") / "scorecard.pdf", chromium=chromium_path()
    )
    return pdf, page, workspace / "data/demo/serving.duckdb"


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "1000", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h))
        for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]


def page_data(page: Path) -> dict:
    """The data embedded in the page (what its script draws from)."""
    html = page.read_text(encoding="utf-8")
    embedded = re.search(
        r'<script type="application/json" id="scorecard-data">(.*?)</script>', html, re.S
    )
    return json.loads(embedded.group(1))


def shown_number(kpi: dict, value: float, locale: str) -> str:
    """The number as the page writes it (scorecard.js unitOptions: the KPI's `decimals`, else
    0 for currency, 1 for percent, up to 1 otherwise; half away from zero), unit left out."""
    digits = kpi["decimals"]
    if digits is None:
        low, high = {"currency": (0, 0), "percent": (1, 1)}.get(kpi["unit"], (0, 1))
    else:
        low = high = digits
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-high), rounding=ROUND_HALF_UP)
    text = f"{abs(exact):,.{high}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(low, "0") if high > low else fraction
    group, decimal = SEPARATORS[locale]
    number = whole.replace(",", group) + (decimal + fraction if fraction else "")
    return ("-" if exact < 0 else "") + number


def blocks(text: str) -> list[list[str]]:
    """The text's paragraphs (runs of non-blank lines): a KPI's table row is one."""
    out, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            out.append(current)
            current = []
    return out + ([current] if current else [])


def first_column(block: list[str]) -> str:
    """What a paragraph's lines start with, up to the next column (two spaces or more)."""
    starts = [re.split(r"\s{2,}", line)[0] for line in block if not line.startswith(" ")]
    return " ".join(s.strip() for s in starts)


def test_the_demo_pdf_is_a4_and_shows_every_perspective_and_kpi_with_value_and_status(demo_pdf):
    pdf, page, serving = demo_pdf
    assert pdf.read_bytes().startswith(b"%PDF-")
    sizes = page_sizes(pdf)
    assert len(sizes) >= 2
    for width, height in sizes:
        assert width == pytest.approx(A4_POINTS[0], abs=1)
        assert height == pytest.approx(A4_POINTS[1], abs=1)
    text = pdf_text(pdf)
    data = page_data(page)
    locale = data["meta"]["locale"]
    with duckdb.connect(str(serving), read_only=True) as con:
        perspectives = [
            n
            for (n,) in con.execute(
                "select name from scorecard.perspectives order by position"
            ).fetchall()
        ]
        # the page's default: the newest month complete for any KPI (report/data.py _periods)
        (month,) = con.execute(
            "select max(period_start) from scorecard.kpi_values"
            " where grain = 'month' and is_complete"
        ).fetchone()
        kpis = con.execute(
            "select k.name, k.unit, k.decimals, v.value, coalesce(v.status, 'no_data')"
            " from scorecard.kpis k join scorecard.kpi_values v using (kpi_id)"
            " where v.grain = 'month' and v.period_start = ? order by k.position",
            [month],
        ).fetchall()
    assert len(perspectives) == 4
    for name in perspectives:
        assert re.search(rf"^\s*{re.escape(name)}\s+score\b", text, re.M), name  # its section
    assert len(kpis) == DEMO_KPIS
    assert [k for k in kpis if k[4] == "red"], "the demo has KPIs off target in its default month"
    rows = blocks(text)
    for name, unit, decimals, value, status in kpis:
        # every KPI's row: its name, then its value and its status in words (no colour needed)
        number = (
            "–"
            if value is None
            else shown_number({"unit": unit, "decimals": decimals}, value, locale)
        )
        mine = [b for b in rows if first_column(b).startswith(name)]
        assert mine, f"{name} is not in the PDF"
        shown = [
            b
            for b in mine
            if STATUS_WORDS[status] in "\n".join(b)
            and re.search(rf"(^|\s){re.escape(number)}(\s|$)", "\n".join(b))
        ]
        assert shown, (name, number, STATUS_WORDS[status], mine)


def test_scorecard_report_pdf_writes_the_pdf_and_says_where(demo_copy):
    result = run_cli("report", "--demo", "--pdf", "digest/scorecard.pdf", cwd=demo_copy)
    assert result.returncode == 0, result.stderr
    pdf = (demo_copy / "digest/scorecard.pdf").resolve()
    assert f"Scorecard PDF: {pdf}" in result.stdout.replace("\n", "")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "Balanced Scorecard" in pdf_text(pdf)
    # without any Chromium: one sentence saying so, exit 1, no PDF (the page is still written)
    result = run_cli(
        "report",
        "--demo",
        "--pdf",
        "digest/none.pdf",
        cwd=demo_copy,
        env={"PATH": str(demo_copy / "no-bin"), "SCORECARD_CHROMIUM": ""},
    )
    assert result.returncode == 1
    assert "No Chromium found" in result.stderr and "SCORECARD_CHROMIUM" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (demo_copy / "digest/none.pdf").exists()
