"""KPI comment and action sheets from inbox to page: the demo's sheets (written by the
connectors, read by the real parsers) published in scorecard.kpi_comments and
scorecard.kpi_actions and shown beside their KPI in real headless Chromium; a malformed sheet
fails the run, is quarantined with its reason and publishes nothing."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.config import load_config
from orchestration.report.render import write_report
from tests.browser import browser, open_file
from tests.conftest import AS_OF, DEMO_DIR, published_tables, run_cli

pytestmark = pytest.mark.slow

SERVING = Path("data/demo/serving.duckdb")
LANDING = Path("data/demo/landing")
PIPELINE_COMMENT = (
    "Pipeline is thin after the summer: fewer new B2B leads than planned, and three large "
    "deals closed lost in October. Sales is re-qualifying the oldest open deals."
)


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def demo(demo_run):
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    return workspace


def query(serving: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_demo_sheets_are_published_newest_sheet_first(demo):
    """Run date 23 November 2026: the comment sheets of September and October, and the action
    sheets of October and November (November's statuses win)."""
    serving = demo / SERVING
    comments = query(
        serving,
        "select kpi_id, grain, period_start, period_end, author, written_on, source_name"
        " from scorecard.kpi_comments where kpi_id = 'pipeline_value' order by period_start",
    )
    assert comments == [
        ("pipeline_value", "month", date(2026, 9, 1), date(2026, 9, 30), "Jonas Berg",
         date(2026, 10, 4), "kpi_notes"),
        ("pipeline_value", "month", date(2026, 10, 1), date(2026, 10, 31), "Jonas Berg",
         date(2026, 11, 4), "kpi_notes"),
    ]  # fmt: skip
    assert query(serving, "select count(*), count(distinct kpi_id) from scorecard.kpi_comments")[
        0
    ] == (10, 5)
    assert query(
        serving,
        "select text from scorecard.kpi_comments"
        " where kpi_id = 'pipeline_value' and period_start = date '2026-10-01'",
    ) == [(PIPELINE_COMMENT,)]
    actions = query(
        serving,
        "select kpi_id, owner, due_date, status, is_open, is_overdue from scorecard.kpi_actions"
        " order by kpi_id",
    )
    assert actions == [
        ("experiments_run", "Sara Lind", date(2026, 11, 6), "dropped", False, False),
        # done in November's sheet, in progress in October's: the newer sheet wins
        ("leads_created", "Sara Lind", date(2026, 10, 11), "done", False, False),
        ("pipeline_value", "Jonas Berg", date(2026, 10, 21), "in_progress", True, True),
        ("revenue", "Performance lead", date(2026, 10, 26), "done", False, False),
        ("sales_cycle", "Jonas Berg", date(2026, 12, 16), "open", True, False),
        ("training_hours", "Anders Kjær", date(2026, 11, 10), "open", True, True),
    ]
    # landed as two streams of two sources, each sheet a batch of its own
    assert len(list((demo / LANDING / "kpi_notes/comments").glob("*.parquet"))) == 2
    assert len(list((demo / LANDING / "kpi_plans/actions").glob("*.parquet"))) == 2


def test_the_page_shows_a_kpis_comments_for_the_period_and_its_open_actions(demo, chromium):
    page, log = open_file(chromium, demo / "data/demo/scorecard.html")
    page.goto(page.url.split("#")[0] + "#month/2026-10-01")
    page.wait_for_function("document.body.dataset.period === '2026-10-01'")
    notes = page.locator("tr[data-notes-for='pipeline_value']")
    assert notes.locator(".comment-text").all_inner_texts() == [PIPELINE_COMMENT]
    assert notes.locator(".comment-by").inner_text() == "— Jonas Berg, written 4 Nov 2026"
    [action] = notes.locator(".tracked-action").all()
    assert action.get_attribute("data-overdue") == "true"
    assert action.locator(".action-text").inner_text() == (
        "Call back every B2B lead older than 14 days"
    )
    # overdue in words and an icon, not only in colour
    assert "overdue" in action.locator(".tag.overdue").inner_text().lower()
    assert "in progress" in action.inner_text() and "21 Oct 2026" in action.inner_text()
    # an open action not yet due, on a KPI without comments this month
    sales = page.locator("tr[data-notes-for='sales_cycle'] .tracked-action")
    assert sales.get_attribute("data-overdue") == "false"
    assert sales.locator(".tag.overdue").count() == 0
    assert page.locator("tr[data-notes-for='sales_cycle'] .comment").count() == 0
    # done and dropped actions are not shown; revenue keeps its comment and its playbook
    assert page.locator("tr[data-notes-for='revenue'] .tracked-action").count() == 0
    assert page.locator("tr[data-notes-for='revenue'] .comment").count() == 1
    playbook = page.locator("tr[data-actions-for='revenue'] li").all_inner_texts()
    assert playbook and not set(playbook) & {"Shift 20% of the display budget"}
    # another period shows its own comment; a KPI with neither has no notes row
    page.goto(page.url.split("#")[0] + "#month/2026-09-01")
    page.wait_for_function("document.body.dataset.period === '2026-09-01'")
    assert (
        "in September"
        in page.locator("tr[data-notes-for='pipeline_value'] .comment-text").inner_text()
    )
    assert page.locator("tr[data-notes-for='engagement_rate']").count() == 0
    # the quarter was not commented on: only the open actions
    page.goto(page.url.split("#")[0] + "#quarter/2026-07-01")
    page.wait_for_function("document.body.dataset.period === '2026-07-01'")
    assert page.locator("tr[data-notes-for='pipeline_value'] .comment").count() == 0
    assert page.locator("tr[data-notes-for='pipeline_value'] .tracked-action").count() == 1
    assert log.console_errors == [] and all(u.startswith("file:") for u in log.requests)


def test_sheet_text_is_shown_as_text_never_as_markup(demo_copy, chromium, tmp_path):
    """A comment and an action typed with markup in them: the page shows the characters."""
    serving = tmp_path / "serving.duckdb"
    shutil.copy(demo_copy / SERVING, serving)
    hostile = '<img src=x onerror="document.title=1"></script><b>bold</b> & co'
    with duckdb.connect(str(serving)) as con:
        con.execute(
            "insert into scorecard.kpi_comments values ('romi', 'month', date '2026-10-01',"
            " date '2026-10-31', ?, ?, null, 'kpi_notes')",
            ["<i>Mette</i>", hostile],
        )
        con.execute(
            "insert into scorecard.kpi_actions values ('romi', ?, 'Jonas', date '2026-11-01',"
            " 'open', true, true, 'kpi_plans')",
            [hostile],
        )
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=demo_copy)
    page_path = write_report(config, tmp_path / "page.html", serving=serving)
    page, log = open_file(chromium, page_path)
    page.goto(page.url.split("#")[0] + "#month/2026-10-01")
    page.wait_for_function("document.body.dataset.period === '2026-10-01'")
    notes = page.locator("tr[data-notes-for='romi']")
    assert notes.locator(".comment-text").inner_text() == hostile
    assert notes.locator(".comment-by").inner_text() == "— <i>Mette</i>"
    assert notes.locator(".action-text").inner_text() == hostile
    assert notes.locator("img, b, i").count() == 0
    assert page.title() != "1" and log.console_errors == []


def test_a_malformed_comment_sheet_fails_the_run_is_quarantined_and_publishes_nothing(
    demo_copy,
):
    before = published_tables(demo_copy / SERVING)
    bad = demo_copy / "data/demo/inbox/comments/kpi_comments_november.csv"
    bad.write_text(
        "kpi,period,author,text\n"
        "revenue,2026-11,Mette Holm,Black Friday carried the month\n"
        "revenu,2026-11,Mette Holm,A typo in the KPI id\n"
        "leads_created,November,Sara Lind,Not a period\n",
        encoding="utf-8",
    )
    result = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert result.returncode == 1, result.stderr[-3000:]
    output = " ".join((result.stdout + result.stderr).split())
    assert "kpi_comments_november.csv" in output and "nothing was published" in output.lower()
    quarantined = demo_copy / LANDING / "_quarantine/kpi_notes/comments" / bad.name
    assert quarantined.exists() and not bad.exists()
    reason = quarantined.with_name(bad.name + ".reason.txt").read_text(encoding="utf-8")
    assert re.search(r"line 3: unknown KPI 'revenu'", reason)
    assert "line 4: period 'November' is not a period" in reason
    # the good line of the refused sheet was not landed either: the file is refused whole
    assert published_tables(demo_copy / SERVING) == before
    assert not query(
        demo_copy / SERVING,
        "select * from scorecard.kpi_comments where period_start = date '2026-11-01'",
    )
