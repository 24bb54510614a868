"""KPI comment and action sheets through the real parsers, the config loader that hands them
the KPI ids, and landing (a bad sheet is quarantined whole, with each line's problem)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.files import BadFileError
from connectors.kpi_actions import KpiActionsConfig, parse_actions
from connectors.kpi_comments import KpiCommentsConfig, parse_comments
from connectors.kpi_sheets import period_of
from connectors.landing import LandingStore
from orchestration.config import load_config
from orchestration.extract import ExtractionFailed, extract_source
from tests.conftest import DEMO_DIR

KPIS = ("revenue", "leads_created", "pipeline_value")


def comments_config(**keys) -> KpiCommentsConfig:
    config = KpiCommentsConfig(name="notes", type="kpi_comments", path=".", **keys)
    config.use_kpi_ids(KPIS)
    return config


def actions_config(**keys) -> KpiActionsConfig:
    config = KpiActionsConfig(name="plans", type="kpi_actions", path=".", **keys)
    config.use_kpi_ids(KPIS)
    return config


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_comment_sheet_gives_each_comment_its_grain_and_period(tmp_path):
    path = write(
        tmp_path,
        "notes.csv",
        "kpi,period,author,text,date\n"
        'revenue,2026-10,Mette Holm,"Two orders slipped, launch late",2026-11-04\n'
        "revenue,2026-Q3,Mette Holm,Quarter below plan,\n"
        "leads_created,2026,Sara Lind,A year of tests,2026-11-30\n"
        "leads_created,2026-02-14,Sara Lind,Valentine's mailing,\n"
        "pipeline_value,2026-W53,Jonas Berg,Week 53,\n"
        "pipeline_value,2024-q1,Jonas Berg,Lower-case quarter,\n",
    )
    rows = parse_comments(path, comments_config()).to_pylist()
    assert [
        (r["kpi"], r["grain"], r["period_start"], r["period_end"], r["author"], r["written_on"])
        for r in rows
    ] == [
        ("revenue", "month", date(2026, 10, 1), date(2026, 10, 31), "Mette Holm", date(2026, 11, 4)),
        ("revenue", "quarter", date(2026, 7, 1), date(2026, 9, 30), "Mette Holm", None),
        ("leads_created", "year", date(2026, 1, 1), date(2026, 12, 31), "Sara Lind", date(2026, 11, 30)),
        ("leads_created", "day", date(2026, 2, 14), date(2026, 2, 14), "Sara Lind", None),
        ("pipeline_value", "week", date(2026, 12, 28), date(2027, 1, 3), "Jonas Berg", None),
        ("pipeline_value", "quarter", date(2024, 1, 1), date(2024, 3, 31), "Jonas Berg", None),
    ]  # fmt: skip
    assert rows[0]["text"] == "Two orders slipped, launch late"
    assert [r["line_number"] for r in rows] == [2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("cell", "period"),
    [
        ("2026-02", ("month", date(2026, 2, 1), date(2026, 2, 28))),
        ("2028-2", ("month", date(2028, 2, 1), date(2028, 2, 29))),
        ("2026-Q4", ("quarter", date(2026, 10, 1), date(2026, 12, 31))),
        ("2026", ("year", date(2026, 1, 1), date(2026, 12, 31))),
        (2026, ("year", date(2026, 1, 1), date(2026, 12, 31))),  # a spreadsheet's number
        (date(2026, 3, 9), ("day", date(2026, 3, 9), date(2026, 3, 9))),  # a date cell
        ("09.03.2026", ("day", date(2026, 3, 9), date(2026, 3, 9))),  # the date_format
        ("2026-13", None),
        ("2026-02-30", None),
        ("2026-Q5", None),
        ("2026-W54", None),
        ("Oct 2026", None),
        ("", None),
    ],
)
def test_periods_a_sheet_may_name(cell, period):
    assert period_of(cell, "%d.%m.%Y") == period


def test_an_xlsx_comment_sheet_with_a_title_row_year_numbers_and_date_cells(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Comments, October"])
    ws.append([])
    ws.append(["KPI", "Period", "Author", "Text", "Date"])
    ws.append(["revenue", "2026-10", "Mette", "Below target", date(2026, 11, 4)])
    ws.append(["revenue", 2026, "Mette", "The year so far", None])
    wb.save(tmp_path / "notes.xlsx")
    rows = parse_comments(tmp_path / "notes.xlsx", comments_config()).to_pylist()
    assert [(r["grain"], r["period_start"], r["written_on"], r["line_number"]) for r in rows] == [
        ("month", date(2026, 10, 1), date(2026, 11, 4), 4),
        ("year", date(2026, 1, 1), None, 5),
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("kpi,period,author\nrevenue,2026-10,Mette\n", "no header row with the mapped columns"),
        (
            "kpi,period,author,text\nrevenue,2026-10,Mette,Fine\nrevenue,Oct 2026,Mette,x\n",
            "1 bad row(s): line 3: period 'Oct 2026' is not a period like YYYY-MM-DD (day)",
        ),
        (
            "kpi,period,author,text\nrevenue,,Mette,x\n",
            "line 2: period is empty",
        ),
        ("kpi,period,author,text\nrevenue,2026-10,,Below\n", "line 2: author is empty"),
        ("kpi,period,author,text\nrevenue,2026-10,Mette,  \n", "line 2: text is empty"),
        (
            "kpi,period,author,text,date\nrevenue,2026-10,Mette,x,4/11/2026\n",
            "line 2: date '4/11/2026' does not match '%Y-%m-%d'",
        ),
        (
            "kpi,period,author,text\nrevenue,2026-10,Mette,a\nrevenue,2026-10,Mette,b\n",
            "line 3: a comment by the same author on the same KPI and period as on line 2 again",
        ),
        (
            "kpi,period,author,text\nrevenu,2026-10,Mette,x\n",
            "line 2: unknown KPI 'revenu' (the scorecard's KPIs: leads_created, pipeline_value, "
            "revenue)",
        ),
        ("kpi,period,author,text\n,2026-10,Mette,x\n", "line 2: kpi is empty"),
        ("kpi,period,author,text\n", "the file has a header but no data rows"),
    ],
)
def test_a_bad_comment_sheet_is_refused_with_each_lines_problem(tmp_path, content, reason):
    path = write(tmp_path, "notes.csv", content)
    with pytest.raises(BadFileError) as refused:
        parse_comments(path, comments_config())
    assert reason in refused.value.reason


def test_every_bad_line_of_a_sheet_is_named(tmp_path):
    path = write(
        tmp_path,
        "notes.csv",
        "kpi,period,author,text\nrevenue,2026-10,Mette,Fine\nrevenu,2026-10,Mette,x\n"
        "revenue,2026-13,Mette,x\nrevenue,2026-09,,x\n",
    )
    with pytest.raises(BadFileError) as refused:
        parse_comments(path, comments_config())
    assert refused.value.reason.startswith("3 bad row(s): line 3: unknown KPI 'revenu'")
    assert "line 4: period '2026-13'" in refused.value.reason
    assert "line 5: author is empty" in refused.value.reason


def test_an_action_sheet_with_statuses_in_any_case(tmp_path):
    path = write(
        tmp_path,
        "actions.csv",
        "KPI;Action;Owner;Due;Status\n"
        "revenue;Shift budget to search;Mette;30.11.2026;In progress\n"
        "revenue;Review pricing;Jonas;15.12.2026;OPEN\n"
        "leads_created;Fix the lead form;Sara;01.11.2026;done\n"
        "leads_created;Webinar series;Sara;01.10.2026;Dropped\n"
        "pipeline_value;Call back old leads;Jonas;20.10.2026;in-progress\n",
    )
    rows = parse_actions(path, actions_config(delimiter=";", date_format="%d.%m.%Y")).to_pylist()
    assert [(r["kpi"], r["action"], r["owner"], r["due"], r["status"]) for r in rows] == [
        ("revenue", "Shift budget to search", "Mette", date(2026, 11, 30), "in_progress"),
        ("revenue", "Review pricing", "Jonas", date(2026, 12, 15), "open"),
        ("leads_created", "Fix the lead form", "Sara", date(2026, 11, 1), "done"),
        ("leads_created", "Webinar series", "Sara", date(2026, 10, 1), "dropped"),
        ("pipeline_value", "Call back old leads", "Jonas", date(2026, 10, 20), "in_progress"),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("revenue,Shift,Mette,2026-11-31,open", "line 2: due '2026-11-31' does not match"),
        ("revenue,Shift,Mette,,open", "line 2: due '' does not match"),
        ("revenue,Shift,Mette,2026-11-30,waiting", "line 2: status 'waiting' is not one of open"),
        ("revenue,Shift,Mette,2026-11-30,", "line 2: status is empty"),
        ("revenue,,Mette,2026-11-30,open", "line 2: action is empty"),
        ("revenue,Shift,,2026-11-30,open", "line 2: owner is empty"),
        ("churn,Shift,Mette,2026-11-30,open", "line 2: unknown KPI 'churn'"),
    ],
)
def test_a_bad_action_sheet_is_refused_with_each_lines_problem(tmp_path, line, reason):
    path = write(tmp_path, "actions.csv", f"kpi,action,owner,due,status\n{line}\n")
    with pytest.raises(BadFileError) as refused:
        parse_actions(path, actions_config())
    assert reason in refused.value.reason


def test_an_action_named_twice_in_one_sheet_is_refused(tmp_path):
    path = write(
        tmp_path,
        "actions.csv",
        "kpi,action,owner,due,status\nrevenue,Shift,Mette,2026-11-30,open\n"
        "leads_created,Shift,Sara,2026-11-30,open\nrevenue,Shift,Mette,2026-12-30,done\n",
    )
    with pytest.raises(BadFileError, match="line 4: the same KPI and action as on line 2 again"):
        parse_actions(path, actions_config())


def test_the_config_loader_hands_kpi_sheet_sources_the_scorecards_kpi_ids(tmp_path):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=tmp_path)
    sheets = [s for s in config.sources if s.type in ("kpi_comments", "kpi_actions")]
    assert [s.type for s in sheets] == ["kpi_comments", "kpi_actions"]
    for source in sheets:
        assert source.kpi_ids() == {k.id for k in config.kpis}
    # a source config made without the loader cannot check ids, and says so
    with pytest.raises(RuntimeError, match="KPI ids were not handed to it"):
        KpiCommentsConfig(name="notes", type="kpi_comments", path=".").kpi_ids()


def test_a_bad_sheet_is_quarantined_whole_with_its_reason_and_a_good_one_lands(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox, "good.csv", "kpi,period,author,text\nrevenue,2026-10,Mette,Below target\n")
    write(
        inbox,
        "bad.csv",
        "kpi,period,author,text\nrevenue,2026-10,Jonas,Fine\nchurn,2026-10,Jonas,Unknown\n",
    )
    config = comments_config().model_copy(update={"path": inbox})
    config.use_kpi_ids(KPIS)
    store = LandingStore(tmp_path / "landing")
    with pytest.raises(ExtractionFailed, match="1 file\\(s\\) could not be landed"):
        extract_source(config, store, run_date=date(2026, 11, 23))
    quarantined = store.quarantined()
    assert [p.name for p in quarantined] == ["bad.csv"]
    reason = quarantined[0].with_name("bad.csv.reason.txt").read_text(encoding="utf-8")
    assert "line 3: unknown KPI 'churn'" in reason
    assert not (inbox / "bad.csv").exists()  # moved, never deleted
    landed = store.batch_files("notes", "comments")
    assert len(landed) == 1
    import pyarrow.parquet as pq

    table = pq.read_table(landed[0])
    assert table.column("text").to_pylist() == ["Below target"]
    assert table.column("_window_end").to_pylist() == [date(2026, 10, 31)]
