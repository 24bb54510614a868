"""The HTML scorecard, opened in real headless Chromium: what a marketing manager sees must be
exactly what was published, for every perspective, objective and KPI, at every grain."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path

import duckdb
import pytest

from orchestration.report.render import _script_json
from tests.browser import browser, open_file
from tests.conftest import AS_OF, DEMO_KPIS, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def demo_report(demo_run):
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr
    report = workspace / "data/demo/scorecard.html"
    assert f"Scorecard report: {report.resolve()}" in result.stdout + result.stderr
    return report, workspace / "data/demo/serving.duckdb"


def query(serving: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def latest_complete(serving: Path, grain: str):
    return query(
        serving,
        "select max(period_start) from scorecard.kpi_values where grain = ? and is_complete",
        [grain],
    )[0][0]


def assert_same_number(shown: str, published) -> None:
    if published is None or (isinstance(published, float) and math.isnan(published)):
        assert shown == ""
    else:
        assert float(shown) == pytest.approx(published, rel=1e-12, abs=1e-12)


SEPARATORS = {"en-DK": (".", ","), "en-US": (",", ".")}


def parse_shown(text: str, separators: tuple[str, str]):
    """A formatted number back to (number, decimals shown): locale separators and units aside."""
    group, decimal = separators
    match = re.search(r"[-−]?[\d" + re.escape(group + decimal) + r"]*\d", text)
    if match is None:
        return None
    digits = match.group().replace("−", "-").replace(group, "")
    whole, _, fraction = digits.partition(decimal)
    return float(f"{whole}.{fraction or 0}"), len(fraction)


def check_page_shows(page, serving: Path, grain: str, period_start, locale="en-DK") -> int:
    """Every perspective, objective and KPI of the published catalog, in catalog order, with
    the published value, target, attainment, status and scores of the period."""
    assert page.get_attribute("body", "data-grain") == grain
    assert page.get_attribute("body", "data-period") == period_start.isoformat()
    perspectives = query(
        serving, "select perspective from scorecard.perspectives order by position"
    )
    shown = page.eval_on_selector_all(
        "section.perspective", "nodes => nodes.map(n => n.dataset.perspective)"
    )
    assert shown == [p for (p,) in perspectives]
    for perspective, score in query(
        serving,
        "select perspective, score from scorecard.perspective_scores"
        " where grain = ? and period_start = ?",
        [grain, period_start],
    ):
        card = page.locator(f".score-card[data-perspective='{perspective}']")
        assert_same_number(card.get_attribute("data-score"), score)
    objectives = query(
        serving,
        "select o.objective_id, o.perspective, s.status from scorecard.objectives o"
        " join scorecard.objective_scores s using (objective_id)"
        " where s.grain = ? and s.period_start = ?",
        [grain, period_start],
    )
    for objective, perspective, status in objectives:
        section = page.locator(
            f"section.perspective[data-perspective='{perspective}']"
            f" section.objective[data-objective='{objective}']"
        )
        assert section.count() == 1, objective
        map_box = page.locator(f"g.map-objective[data-objective='{objective}']")
        assert map_box.get_attribute("data-status") == status
    kpis = query(
        serving,
        "select k.kpi_id, k.objective_id, v.value, v.target, v.attainment, v.status,"
        " case when k.unit = 'percent' then v.change else v.change_pct end, k.owner,"
        " (select count(*) from scorecard.kpi_values p where p.kpi_id = v.kpi_id"
        "  and p.grain = v.grain and p.period_start <= v.period_start) as periods_so_far"
        " from scorecard.kpis k join scorecard.kpi_values v using (kpi_id)"
        " where v.grain = ? and v.period_start = ? order by k.position",
        [grain, period_start],
    )
    assert kpis, "the catalog has KPIs"
    separators = SEPARATORS[locale]
    for kpi_id, objective, value, target, attainment, status, change, owner, so_far in kpis:
        row = page.locator(
            f"section.objective[data-objective='{objective}'] tr[data-kpi-id='{kpi_id}']"
        )
        assert row.count() == 1, kpi_id
        assert row.get_attribute("data-status") == status, kpi_id
        cell = row.locator("td.value")
        assert_same_number(cell.get_attribute("data-value"), value)
        assert_same_number(row.locator("td.target").get_attribute("data-target"), target)
        assert_same_number(
            row.locator("td.attainment").get_attribute("data-attainment"), attainment
        )
        assert row.locator("td.owner").inner_text() == (owner or "–")
        # the change: percentage points for a percent KPI, the relative change otherwise
        arrow = row.locator("td.change-cell").inner_text()
        if change is None or math.isnan(change):
            assert arrow == "–", kpi_id
        else:
            assert arrow[0] == ("▲" if change > 0 else "▼" if change < 0 else "▶"), kpi_id
        # the sparkline covers the last 12 periods (fewer at the start of the data)
        spark = row.locator("svg.spark")
        if spark.count():
            assert spark.get_attribute("data-periods") == str(min(12, so_far)), kpi_id
            assert spark.get_attribute("aria-label").startswith(
                row.locator("th span").first.inner_text()
            )
            if value is not None:
                assert spark.locator("path.value-line").get_attribute("d").startswith("M")
        shown = parse_shown(cell.inner_text(), separators)
        if value is None:
            assert shown is None, kpi_id
        else:
            number, decimals = shown
            assert abs(number - value) <= 0.5 * 10**-decimals + 1e-9, (kpi_id, number, value)
    return len(kpis)


def test_the_demo_report_shows_the_published_month(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    month = latest_complete(serving, "month")
    assert check_page_shows(page, serving, "month", month) == DEMO_KPIS
    # header: organisation, framework, period, gate status and per-source freshness
    header = page.inner_text("header")
    assert "Nordlys Outdoor" in header and "Balanced Scorecard" in header
    assert "October 2026" in page.inner_text("#period-shown")
    passed = query(
        serving, "select checks_passed from scorecard.publish_log order by published_at desc"
    )[0][0]
    assert page.inner_text("#gate-status") == f"✓ passed ({passed} checks)"
    assert page.locator(".freshness li").count() == 13  # one per demo source
    # DKK in the configured locale (en-DK): "1.234.567 kr."
    cell = page.locator("tr[data-kpi-id='revenue'] td.value")
    revenue = cell.evaluate("td => td.firstChild.textContent")
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+\s?kr\.", revenue), revenue
    # on 23 November October is settled for the ledger (3-day lookback) but still provisional
    # for the ad KPIs, whose conversions restate for 30 days: each KPI carries its own flag
    assert cell.locator(".tag.provisional").count() == 0
    ads = page.locator("tr[data-kpi-id='cost_per_acquisition'] td.value .tag.provisional")
    assert ads.count() == 1
    assert log.console_errors == []


def test_switching_to_quarter_and_to_another_period_shows_their_values(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    page.click("button[data-grain=quarter]")
    quarter = latest_complete(serving, "quarter")
    assert check_page_shows(page, serving, "quarter", quarter) == DEMO_KPIS
    assert page.get_attribute("button[data-grain=quarter]", "aria-checked") == "true"
    # an earlier quarter from the period list, then a year
    earlier = query(
        serving,
        "select min(period_start) from scorecard.kpi_values where grain = 'quarter'",
    )[0][0]
    value = page.eval_on_selector(
        "#period",
        "(s, start) => [...s.options].find(o => o.text.includes(start)).value",
        f"Q1 {earlier.year}",
    )
    page.select_option("#period", value)
    check_page_shows(page, serving, "quarter", earlier)
    page.click("button[data-grain=year]")
    check_page_shows(page, serving, "year", latest_complete(serving, "year"))
    # the newest month is still running: its values are marked provisional
    page.click("button[data-grain=month]")
    newest = query(
        serving, "select max(period_start) from scorecard.kpi_values where grain = 'month'"
    )[0][0]
    page.select_option("#period", index=0)  # newest first
    assert page.get_attribute("body", "data-period") == newest.isoformat()
    assert "in progress" in page.inner_text("#period-shown").lower()
    with_values = page.locator("tr.kpi td.value:not([data-value=''])")
    assert with_values.count() > 0
    assert (
        page.locator("tr.kpi td.value:not([data-value='']) .tag.provisional").count()
        == with_values.count()
    )
    page.click("button[data-grain=year]")
    # the period is in the address, so a link opens the same view
    assert page.evaluate("location.hash") == f"#year/{latest_complete(serving, 'year')}"
    assert log.console_errors == []


def test_the_page_makes_no_network_request_and_logs_no_error(chromium, demo_report):
    report, _ = demo_report
    page, log = open_file(chromium, report)
    for grain in ("quarter", "year", "month"):
        page.click(f"button[data-grain={grain}]")
    page.select_option("#period", index=5)
    assert log.requests == [report.resolve().as_uri()]
    assert log.console_errors == []
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


def test_red_and_amber_kpis_show_their_actions_and_statuses_read_without_colour(
    chromium, demo_report
):
    report, serving = demo_report
    page, _ = open_file(chromium, report)
    month = latest_complete(serving, "month")
    rows = query(
        serving,
        "select v.kpi_id, v.status, k.actions from scorecard.kpi_values v"
        " join scorecard.kpis k using (kpi_id) where grain = 'month' and period_start = ?",
        [month],
    )
    flagged = [r for r in rows if r[1] in ("red", "amber")]
    assert flagged, "the demo month has red or amber KPIs"
    for kpi_id, status, actions in rows:
        actions_row = page.locator(f"tr[data-actions-for='{kpi_id}']")
        if status in ("red", "amber"):
            assert actions_row.locator("li").all_inner_texts() == list(actions)
        else:
            assert actions_row.count() == 0
        words = {"green": "On target", "amber": "Near target", "red": "Off target"}
        if status in words:
            badge = page.locator(f"tr[data-kpi-id='{kpi_id}'] td.status").inner_text()
            assert words[status] in badge


def test_the_strategy_map_draws_every_drives_link(chromium, demo_report):
    report, serving = demo_report
    page, _ = open_file(chromium, report)
    drives = query(serving, "select objective_id, unnest(drives) from scorecard.objectives")
    shown = page.eval_on_selector_all(
        "svg.map path.link", "nodes => nodes.map(n => [n.dataset.from, n.dataset.to])"
    )
    assert sorted(map(tuple, shown)) == sorted(drives)
    # rows follow the framework's order top to bottom
    boxes = page.eval_on_selector_all(
        "g.map-objective",
        "nodes => nodes.map(n => [n.dataset.objective, n.querySelector('rect').getAttribute('y')])",
    )
    order = query(
        serving,
        "select objective_id, perspective_position from scorecard.objectives",
    )
    row_of = dict(order)
    ys = {objective: float(y) for objective, y in boxes}
    assert sorted(ys, key=lambda o: (ys[o], o)) == sorted(row_of, key=lambda o: (row_of[o], o))


@pytest.fixture(scope="module")
def social_report(social_run):
    workspace, result = social_run
    assert result.returncode == 0, result.stderr
    return (
        workspace / "data/demo-social/scorecard.html",
        workspace / "data/demo-social/serving.duckdb",
    )


def test_the_social_media_scorecard_report(chromium, social_report):
    report, serving = social_report
    page, log = open_file(chromium, report)
    assert "Social Media Scorecard" in page.inner_text("h1")
    shown = page.eval_on_selector_all(
        ".score-card[data-perspective] h2", "nodes => nodes.map(n => n.textContent)"
    )
    assert shown == ["Customer", "Organisation", "Social media", "Financial"]
    check_page_shows(page, serving, "month", latest_complete(serving, "month"))
    assert log.console_errors == []


CUSTOM = """
timezone: Europe/Copenhagen
currency: EUR
organisation: "Kiosk <b>&</b> Co"
mission: "</script><script>document.title = 'owned'</script>"
paths: {{landing: landing, warehouse: warehouse.duckdb}}
publish: {{duckdb: out/serving.duckdb}}
report: {{path: out/page.html, locale: en-US}}
sources:
  - {{name: team, type: manual_metrics, path: {inbox}, metrics: {{newsletters_sent: sum, nps: average}}}}
perspectives: [{{id: audience, name: "Audience <i>first</i>"}}, craft, empty_row]
objectives:
  - {{id: reach, perspective: audience, name: "Reach more readers", drives: []}}
  - {{id: ship, perspective: craft, name: Ship every week, drives: [reach]}}
kpis:
  - {{id: newsletters, name: "Newsletters <img src=x onerror=alert(1)>", objective: ship, type: metric, metric: manual.newsletters_sent, target: {{month: 4}}, decimals: 0, actions: ["Plan the editorial calendar"]}}
  - {{id: nps, name: Reader NPS, objective: reach, type: metric, metric: manual.nps, direction: in_range, target: [30, 60], decimals: 1}}
"""


def test_a_custom_perspective_list_and_config_text_that_looks_like_markup(chromium, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = ["date,metric,value"]
    for month in range(1, 11):
        rows.append(f"2026-{month:02d}-15,newsletters_sent,{month % 5 + 1}")
        rows.append(f"2026-{month:02d}-15,nps,{20 + 5 * month}")
    (inbox / "team.csv").write_text("\n".join(rows) + "\n")
    config = tmp_path / "scorecard.yml"
    config.write_text(CUSTOM.format(inbox=inbox))
    result = run_cli("run", "--config", str(config), "--as-of", AS_OF.isoformat(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page, log = open_file(chromium, tmp_path / "out/page.html")
    assert page.title() != "owned"
    assert page.inner_text(".org") == "Kiosk <b>&</b> Co"
    assert page.inner_text(".mission") == "</script><script>document.title = 'owned'</script>"
    assert page.locator("header b, main i, main img").count() == 0
    assert "Newsletters <img src=x onerror=alert(1)>" in page.inner_text(
        "tr[data-kpi-id='newsletters'] th"
    )
    shown = page.eval_on_selector_all(
        ".score-card[data-perspective] h2", "nodes => nodes.map(n => n.textContent)"
    )
    assert shown == ["Audience <i>first</i>", "Craft", "Empty Row"]
    assert "No objectives in this perspective yet." in page.inner_text(
        "section.perspective[data-perspective='empty_row']"
    )
    serving = tmp_path / "out/serving.duckdb"
    check_page_shows(page, serving, "month", latest_complete(serving, "month"), "en-US")
    # October: 10 % 5 + 1 = 1 newsletter against a target of 4 -> red, with its action
    assert page.inner_text("tr[data-kpi-id='newsletters'] td.value") == "1"
    assert page.get_attribute("tr[data-kpi-id='newsletters']", "data-status") == "red"
    assert page.locator("tr[data-actions-for='newsletters'] li").all_inner_texts() == [
        "Plan the editorial calendar"
    ]
    # NPS 70 is above the range [30, 60]: in_range targets read "low – high"
    assert page.inner_text("tr[data-kpi-id='nps'] td.value") == "70.0"
    assert page.inner_text("tr[data-kpi-id='nps'] td.target") == "30.0 – 60.0"
    assert page.locator("svg.map path.link").count() == 1
    assert log.requests == [(tmp_path / "out/page.html").resolve().as_uri()]
    assert log.console_errors == []


# ── pace, comparisons, pp vs % ──────────────────────────────────────────────────────────────
# what the page writes, in the demo's locale (en-DK: "1.234,5"), rebuilt here from the published
# numbers: Intl rounds half away from zero on the exact value of the double
UNIT_DIGITS = {"currency": (0, 0), "percent": (1, 1), "days": (0, 1)}
PACE_WORDS = {
    "green": "✓ On track",
    "amber": "▲ Slightly behind",
    "red": "✕ Behind pace",
    "no_data": "– No data yet",
    "no_target": "○ No target",
}
TREND_WORDS = {"improving": "improving", "worsening": "worsening", "flat": "steady"}
NBSP = "\u00a0"


def number_dk(value: float, low: int, high: int, sign: bool = False) -> str:
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-high), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0").ljust(low, "0")
    text = f"{int(whole):,}".replace(",", ".") + ("," + fraction if fraction else "")
    if rounded < 0:
        return "-" + text
    return ("+" + text) if sign and rounded > 0 else text


def value_dk(unit: str, decimals, value: float) -> str:
    """formatValue of scorecard.js for the en-DK demo (reporting currency DKK)."""
    low, high = UNIT_DIGITS.get(unit, (0, 1))
    if decimals is not None:
        low = high = decimals
    text = number_dk(value, low, high)
    if unit == "currency":
        return f"{text}{NBSP}kr."
    if unit == "percent":
        return f"{text}{NBSP}%"
    if unit == "days":
        return f"{text} {'day' if text == '1' else 'days'}"
    return text


def points_dk(decimals, value: float) -> str:
    d = 1 if decimals is None else decimals
    return f"{number_dk(value, d, d, sign=True)}{NBSP}pp"


def ratio_dk(value: float) -> str:
    return f"{number_dk(value * 100, 1, 1, sign=True)}{NBSP}%"


def show_period(page, grain: str, start: date) -> None:
    page.evaluate("hash => { location.hash = hash; }", f"#{grain}/{start.isoformat()}")
    page.wait_for_selector(f"body[data-grain='{grain}'][data-period='{start.isoformat()}']")


def kpi_rows(serving: Path, grain: str, start: date) -> list[dict]:
    with duckdb.connect(str(serving), read_only=True) as con:
        cursor = con.execute(
            "select v.*, k.type, k.unit, k.decimals, k.currency, k.objective_id, k.actions"
            " from scorecard.kpi_values v join scorecard.kpis k using (kpi_id)"
            " where v.grain = ? and v.period_start = ? order by k.position",
            [grain, start],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
        for r in rows
    ]


def running_month(serving: Path) -> date:
    running = query(
        serving,
        "select distinct period_start from scorecard.kpi_values"
        " where grain = 'month' and not is_complete",
    )
    assert len(running) == 1, running
    return running[0][0]


def test_the_running_month_shows_each_kpis_pace_as_published(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    month = running_month(serving)
    assert month == date(AS_OF.year, AS_OF.month, 1)
    show_period(page, "month", month)
    rows = kpi_rows(serving, "month", month)
    assert page.locator("tr.pace-row").count() == len(rows) == DEMO_KPIS
    statuses = set()
    phased = 0
    for r in rows:
        pace = page.locator(f"tr.pace-row[data-pace-for='{r['kpi_id']}']")
        assert pace.count() == 1, r["kpi_id"]
        status = r["projected_status"]
        statuses.add(status)
        assert pace.get_attribute("data-projected-status") == status, r["kpi_id"]
        assert_same_number(pace.get_attribute("data-target-to-date"), r["target_to_date"])
        assert_same_number(pace.get_attribute("data-projected"), r["projected_value"])
        # the sentence, rebuilt from the published numbers
        fmt = partial(value_dk, r["unit"], r["decimals"])
        parts = [f"Day {r['elapsed_days']} of {r['period_days']}"]
        if status != "no_data":
            if r["target_to_date"] is not None:
                parts.append(f"target to date {fmt(r['target_to_date'])}")
            parts.append(f"projected {fmt(r['projected_value'])}")
        parts.append(PACE_WORDS[status])
        assert pace.inner_text().replace("\n", " ") == "Pace: " + " · ".join(parts), r["kpi_id"]
        if r["type"] == "metric" and r["phase_share"] is not None and (r["value"] or 0) > 0:
            phased += 1
            # a KPI that adds up over days: the target accrues, the value is projected
            assert r["target_to_date"] < r["target"] and r["projected_value"] > r["value"]
        # behind pace (not short of the whole month's target) is what asks for action
        actions = page.locator(f"tr[data-actions-for='{r['kpi_id']}'] li")
        if status in ("red", "amber"):
            assert actions.all_inner_texts() == list(r["actions"]), r["kpi_id"]
        else:
            assert actions.count() == 0, r["kpi_id"]
    assert phased >= 3, "the demo's sum KPIs are phased"
    assert {"green", "red"} <= statuses, statuses
    # the example of the issue: new leads on day 22 of 30, e.g. "target to date 807"
    leads = next(r for r in rows if r["kpi_id"] == "leads_created")
    assert leads["elapsed_days"] == 22 and leads["period_days"] == 30
    leads_line = page.inner_text("tr.pace-row[data-pace-for='leads_created']")
    assert f"target to date {value_dk('number', None, 1100 * 22 / 30)}" in leads_line
    # roll-ups: the projected score beside the score
    cards = [("#overall", "overall_scores", "true")]
    cards += [
        (f".score-card[data-perspective='{p}']", "perspective_scores", f"perspective = '{p}'")
        for (p,) in query(serving, "select perspective from scorecard.perspectives")
    ]
    for selector, table, where in cards:
        projected, projected_status = query(
            serving,
            f"select projected_score, projected_status from scorecard.{table}"
            f" where grain = 'month' and period_start = ? and {where}",
            [month],
        )[0]
        badge = page.locator(f"{selector} .pace-badge")
        assert badge.get_attribute("data-projected-status") == projected_status, selector
        assert_same_number(badge.get_attribute("data-projected-score"), projected)
        expected = PACE_WORDS[projected_status]
        if projected is not None:
            expected += f" · projected {number_dk(projected, 0, 0)}"
        assert badge.inner_text() == expected, selector
    for objective, projected, projected_status in query(
        serving,
        "select objective_id, projected_score, projected_status from scorecard.objective_scores"
        " where grain = 'month' and period_start = ?",
        [month],
    ):
        badge = page.locator(f"section.objective[data-objective='{objective}'] h3 .pace-badge")
        assert badge.get_attribute("data-projected-status") == projected_status, objective
        assert_same_number(badge.get_attribute("data-projected-score"), projected)
    assert log.console_errors == []


def test_a_complete_period_shows_no_pace(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    for grain in ("month", "quarter"):
        start = latest_complete(serving, grain)
        show_period(page, grain, start)
        assert page.locator("tr.kpi").count() == DEMO_KPIS
        assert page.locator("tr.pace-row, .pace-badge").count() == 0
        text = page.inner_text("main")
        for words in ("Pace:", "projected", "On track", "Behind pace", "target to date", "Day "):
            assert words not in text, (grain, words)
    # and back in the running month it does
    show_period(page, "month", running_month(serving))
    assert page.locator("tr.pace-row").count() == DEMO_KPIS
    assert log.console_errors == []


def test_percent_kpis_change_in_points_others_in_percent(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    month = latest_complete(serving, "month")
    show_period(page, "month", month)
    units = set()
    for r in kpi_rows(serving, "month", month):
        cell = page.locator(f"tr[data-kpi-id='{r['kpi_id']}'] td.change-cell .delta")
        if r["unit"] == "percent":
            measure = r["change"]
            expected = measure is not None and points_dk(r["decimals"], measure)
        else:
            measure = r["change_pct"]
            expected = measure is not None and ratio_dk(measure)
        if measure is None:
            continue
        units.add(r["unit"])
        arrow = "▲" if r["change"] > 0 else "▼" if r["change"] < 0 else "▶"
        shown = cell.inner_text()
        assert shown == f"{arrow} {expected}", (r["kpi_id"], shown)
        # never a relative % beside a percent value
        assert shown.endswith("pp") == (r["unit"] == "percent"), r["kpi_id"]
    assert {"percent", "currency", "number"} <= units
    # the cases: conversion rate and revenue growth move in points
    for kpi_id in ("web_conversion_rate", "revenue_growth"):
        assert "%" not in page.inner_text(f"tr[data-kpi-id='{kpi_id}'] td.change-cell")
    assert log.console_errors == []


def test_trend_arrows_and_last_years_value(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    month = latest_complete(serving, "month")
    show_period(page, "month", month)
    trends, with_yoy = set(), 0
    for r in kpi_rows(serving, "month", month):
        row = page.locator(f"tr[data-kpi-id='{r['kpi_id']}']")
        change = row.locator("td.change-cell .change")
        if r["trend"] is not None and change.count():
            trends.add(r["trend"])
            word = TREND_WORDS[r["trend"]]
            assert change.get_attribute("data-trend") == r["trend"]
            assert change.locator(".trend-word").inner_text() == word, r["kpi_id"]
            label = change.get_attribute("aria-label")
            assert label.lower().startswith(f"{word}: "), label
            assert change.get_attribute("title") == label
            tone = {"improving": "better", "worsening": "worse", "flat": "neutral"}[r["trend"]]
            assert tone in change.get_attribute("class").split()
        yoy = row.locator("td.yoy-cell")
        if r["yoy_value"] is None:
            assert yoy.inner_text() == "–", r["kpi_id"]
            continue
        with_yoy += 1
        assert_same_number(yoy.get_attribute("data-yoy"), r["yoy_value"])
        assert yoy.locator(".yoy-value").inner_text() == value_dk(
            r["unit"], r["decimals"], r["yoy_value"]
        )
        if r["unit"] == "percent":
            difference = points_dk(r["decimals"], r["value"] - r["yoy_value"])
        else:
            difference = ratio_dk(r["yoy_change_pct"])
        assert yoy.locator(".yoy-change").inner_text() == difference, r["kpi_id"]
    assert {"improving", "worsening"} <= trends
    assert with_yoy >= 10
    assert log.console_errors == []


# ── drill-down: a KPI by dimension member (kpis.breakdowns, scorecard.kpi_breakdowns) ─────
DRILL_KPI = "engagement_rate"  # the demo's percent KPI published by platform


def part_dk(unit: str, decimals, value) -> str:
    """formatPart of scorecard.js for a percent KPI: points, one decimal more than the KPI."""
    assert unit == "percent", "the demo's drill-down KPI is a percent KPI"
    if value is None:
        return "–"
    d = (1 if decimals is None else decimals) + 1
    return f"{number_dk(value, d, d, sign=True)}{NBSP}pp"


def published_members(serving: Path, kpi_id: str, grain: str, start: date) -> list[dict]:
    """The published members of a period in the page's documented order: |contribution|
    descending, ties by name, members without a contribution last."""
    with duckdb.connect(str(serving), read_only=True) as con:
        cursor = con.execute(
            "select b.member, b.value, b.previous_value, b.change_pct, b.contribution"
            " from scorecard.kpi_breakdowns b"
            " where b.kpi_id = ? and b.grain = ? and b.period_start = ?",
            [kpi_id, grain, start],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    rows = [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
        for r in rows
    ]
    return sorted(
        rows,
        key=lambda r: (
            r["contribution"] is None,
            -abs(r["contribution"] or 0),
            r["member"],
        ),
    )


def kpi_of(serving: Path, kpi_id: str) -> dict:
    row = query(
        serving,
        "select name, unit, decimals, breakdowns from scorecard.kpis where kpi_id = ?",
        [kpi_id],
    )[0]
    return dict(zip(("name", "unit", "decimals", "breakdowns"), row, strict=True))


def check_drill_down(page, serving: Path, grain: str, start: date) -> list[dict]:
    kpi = kpi_of(serving, DRILL_KPI)
    show_period(page, grain, start)
    button = page.locator(f"tr[data-kpi-id='{DRILL_KPI}'] button.drill")
    panel = page.locator(f"tr.drill-row[data-drill-for='{DRILL_KPI}']")
    if button.get_attribute("aria-expanded") == "false":
        assert not panel.is_visible()
        button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert panel.is_visible()
    assert button.get_attribute("aria-controls") == panel.get_attribute("id")
    table = panel.locator("table.drill-table")
    headers = table.locator("thead th[scope=col]").all_inner_texts()
    assert [t.lower() for t in headers] == [
        "platform",
        "value",
        "change",
        "contribution to change",
    ]
    members = published_members(serving, DRILL_KPI, grain, start)
    assert members, (grain, start)
    shown = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.children].map(c => c.textContent))"
    )
    expected_rows = members[:5]
    assert [r[0] for r in shown[:5]] == [m["member"] for m in expected_rows]
    for row, m in zip(shown, expected_rows, strict=False):
        value = "–" if m["value"] is None else value_dk(kpi["unit"], kpi["decimals"], m["value"])
        if kpi["unit"] == "percent":
            change = (
                "–"
                if m["value"] is None or m["previous_value"] is None
                else part_dk("percent", kpi["decimals"], m["value"] - m["previous_value"])
            )
        else:
            change = "–" if m["change_pct"] is None else ratio_dk(m["change_pct"])
        contribution = part_dk(kpi["unit"], kpi["decimals"], m["contribution"])
        assert row == [m["member"], value, change, contribution], (grain, start, row)
    if len(members) > 5:
        rest = sum(m["contribution"] or 0 for m in members[5:])
        assert shown[5][0] == f"Other ({len(members) - 5})"
        assert shown[5][3] == part_dk(kpi["unit"], kpi["decimals"], rest)
    else:
        assert len(shown) == len(members)
    # the listed contributions are the published ones, and they add up to the KPI's change
    contributions = [
        float(c)
        for c in table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.contribution)"
        )
    ]
    kpi_change = query(
        serving,
        "select change from scorecard.kpi_values where kpi_id = ? and grain = ?"
        " and period_start = ?",
        [DRILL_KPI, grain, start],
    )[0][0]
    if kpi_change is not None and not math.isnan(kpi_change):
        assert sum(contributions) == pytest.approx(kpi_change, abs=1e-9)
    return members


def test_the_drill_down_lists_the_published_members_of_the_period(chromium, demo_report):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    kpi = kpi_of(serving, DRILL_KPI)
    assert kpi["breakdowns"] == ["platform"]
    button = page.locator(f"tr[data-kpi-id='{DRILL_KPI}'] button.drill")
    assert button.evaluate("b => b.tagName") == "BUTTON"
    assert button.inner_text().startswith("By platform")
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator(f"tr.drill-row[data-drill-for='{DRILL_KPI}']").is_visible()
    orders = set()
    for grain in ("month", "quarter", "year"):
        members = check_drill_down(page, serving, grain, latest_complete(serving, grain))
        assert {m["member"] for m in members} == {"facebook", "instagram", "linkedin"}
        orders.add(tuple(m["member"] for m in members))
    # an earlier month and the running one: the open panel follows the period
    check_drill_down(page, serving, "month", date(2026, 9, 1))
    check_drill_down(page, serving, "month", running_month(serving))
    assert len(orders) > 1, "the order follows the contributions, not the names"
    # and closes again
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator(f"tr.drill-row[data-drill-for='{DRILL_KPI}']").is_visible()
    # one button per published (KPI, dimension); KPIs without breakdowns have none
    published = query(
        serving,
        "select kpi_id, unnest(breakdowns) from scorecard.kpis where len(breakdowns) > 0",
    )
    assert ("web_conversion_rate", "device") in published and len(published) >= 4
    drills = page.eval_on_selector_all(
        "button.drill", "nodes => nodes.map(n => [n.dataset.drill, n.dataset.dimension])"
    )
    assert sorted(map(tuple, drills)) == sorted(published)
    assert (
        page.locator("tr.kpi").count()
        == query(serving, "select count(*) from scorecard.kpis")[0][0]
    )
    assert log.console_errors == []


def test_printing_shows_the_drill_downs(chromium, demo_report):
    report, _ = demo_report
    page, log = open_file(chromium, report)
    panel = page.locator(f"tr.drill-row[data-drill-for='{DRILL_KPI}']")
    assert not panel.is_visible()
    page.emulate_media(media="print")
    assert panel.is_visible()
    assert panel.locator("tbody tr").count() == 3
    assert not page.locator("button.drill").first.is_visible()
    assert log.console_errors == []


def explain_expected(serving: Path, grain: str, start: date, status: str) -> str | None:
    """The sentence the page must show for the drill KPI in a period with `status`."""
    kpi = kpi_of(serving, DRILL_KPI)
    change = query(
        serving,
        "select change from scorecard.kpi_values where kpi_id = ? and grain = ?"
        " and period_start = ?",
        [DRILL_KPI, grain, start],
    )[0][0]
    if status not in ("red", "amber") or change is None or math.isnan(change) or change >= 0:
        return None
    negative = [
        m
        for m in published_members(serving, DRILL_KPI, grain, start)
        if m["contribution"] is not None and m["contribution"] < 0
    ]
    if not negative:
        return None
    worst = min(negative, key=lambda m: m["contribution"])
    size = part_dk(kpi["unit"], kpi["decimals"], -change).lstrip("+")
    contribution = part_dk(kpi["unit"], kpi["decimals"], worst["contribution"])
    return f"{kpi['name']} fell {size}; {worst['member']} explains {contribution}."


def test_the_sentence_names_the_largest_negative_contributor_of_a_red_or_amber_kpi(
    chromium, demo_report, tmp_path
):
    report, serving = demo_report
    page, log = open_file(chromium, report)
    # as published: every month, quarter and year of the demo
    periods = query(
        serving,
        "select grain, period_start, status from scorecard.kpi_values where kpi_id = ?"
        " and grain in ('month', 'quarter', 'year') order by grain, period_start",
        [DRILL_KPI],
    )
    assert len(periods) > 40
    for grain, start, status in periods:
        show_period(page, grain, start)
        sentence = page.locator(f"tr.explain-row[data-explain-for='{DRILL_KPI}']")
        expected = explain_expected(serving, grain, start, status)
        if expected is None:
            assert sentence.count() == 0, (grain, start)
        else:
            assert sentence.inner_text() == expected, (grain, start)
    # the demo's engagement rate is never red or amber in those periods, so the sentence's
    # presence is proven on a copy of the page whose KPI is marked red: in a month where it
    # fell (the sentence) and in one where it rose (none)
    changes = query(
        serving,
        "select period_start, change from scorecard.kpi_values where kpi_id = ?"
        " and grain = 'month' and is_complete and change is not null order by period_start",
        [DRILL_KPI],
    )
    fell = next(s for s, c in reversed(changes) if c < 0)
    rose = next(s for s, c in reversed(changes) if c > 0)

    def mark(data):
        starts = [p["start"] for p in data["grains"]["month"]["periods"]]
        statuses = data["kpi_values"]["month"][DRILL_KPI]["status"]
        for start, status in ((fell, "red"), (rose, "amber")):
            statuses[starts.index(start.isoformat())] = status

    doctored = doctored_page(report, tmp_path, mark)
    page, log2 = open_file(chromium, doctored)
    show_period(page, "month", fell)
    expected = explain_expected(serving, "month", fell, "red")
    assert expected is not None and "fell" in expected
    sentence = page.locator(f"tr.explain-row[data-explain-for='{DRILL_KPI}']")
    assert sentence.inner_text() == expected
    show_period(page, "month", rose)
    assert page.locator(f"tr[data-kpi-id='{DRILL_KPI}']").get_attribute("data-status") == "amber"
    assert sentence.count() == 0
    assert log.console_errors == [] and log2.console_errors == []


def doctored_page(report: Path, tmp_path: Path, change) -> Path:
    """A copy of the page whose embedded data `change(data)` edited."""
    html = report.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="scorecard-data">(.*?)</script>', html)
    data = json.loads(match.group(1))
    change(data)
    page = tmp_path / "doctored.html"
    page.write_text(html[: match.start(1)] + _script_json(data) + html[match.end(1) :])
    return page


def test_more_than_five_members_list_the_top_five_and_sum_the_rest(chromium, demo_report, tmp_path):
    report, serving = demo_report
    month = latest_complete(serving, "month")
    extra = {"tiktok": -0.3, "x": 0.002, "youtube": 0.25, "threads": -0.001, "pinterest": 0.01}

    def add_members(data):
        i = [p["start"] for p in data["grains"]["month"]["periods"]].index(month.isoformat())
        members = data["kpi_breakdowns"]["month"][DRILL_KPI]["platform"]
        length = len(data["grains"]["month"]["periods"])
        for member, contribution in extra.items():
            series = {f: [None] * length for f in ("value", "previous", "change_pct")}
            series["contribution"] = [None] * length
            series["value"][i], series["previous"][i] = 2.0, 2.0 - contribution
            series["contribution"][i] = contribution
            members[member] = series

    page, log = open_file(chromium, doctored_page(report, tmp_path, add_members))
    show_period(page, "month", month)
    page.click(f"tr[data-kpi-id='{DRILL_KPI}'] button.drill")
    published = {
        m["member"]: m["contribution"]
        for m in published_members(serving, DRILL_KPI, "month", month)
    }
    everyone = sorted({**published, **extra}.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    rows = page.locator(f"tr.drill-row[data-drill-for='{DRILL_KPI}'] tbody tr")
    names = rows.evaluate_all("rows => rows.map(r => r.querySelector('th').textContent)")
    assert names == [m for m, _ in everyone[:5]] + [f"Other ({len(everyone) - 5})"]
    rest = sum(c for _, c in everyone[5:])
    other = rows.nth(5).locator("td").all_inner_texts()
    assert other == ["–", "–", part_dk("percent", None, rest)]
    assert log.console_errors == []
