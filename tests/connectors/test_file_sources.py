"""Finance exports and manual sheets through the real parsers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.base import ExtractContext, LandedState
from connectors.files import BadFileError
from connectors.finance_files import FinanceFiles, FinanceFilesConfig, parse_ledger
from connectors.manual_metrics import ManualMetrics, ManualMetricsConfig, parse_manual

DANISH = {
    "name": "ledger",
    "type": "finance_files",
    "path": ".",
    "delimiter": ";",
    "decimal": ",",
    "thousands": ".",
    "encoding": "utf-8-sig",
    "date_format": "%d-%m-%Y",
    "columns": {"date": "Dato", "account": "Konto", "amount": "Beløb", "text": "Tekst"},
    "accounts": {"revenue": ["1000-1999"], "marketing_spend": ["2700-2799"]},
    "credit_categories": ["revenue"],
}


def test_danish_export_with_bom_separators_and_negative_credits(tmp_path):
    path = tmp_path / "posteringer.csv"
    path.write_text(
        "Dato;Konto;Tekst;Beløb\r\n03-01-2025;1010;Salg;-12.345,67\r\n"
        "04-01-2025;2710;Google Ads;1.000,50\r\n",
        encoding="utf-8-sig",
    )
    rows = parse_ledger(path, FinanceFilesConfig(**DANISH)).to_pylist()
    assert [(r["booking_date"], r["account"], r["amount"], r["line_number"]) for r in rows] == [
        (date(2025, 1, 3), "1010", -12345.67, 2),
        (date(2025, 1, 4), "2710", 1000.50, 3),
    ]


def test_english_export_and_cp1252(tmp_path):
    config = FinanceFilesConfig(
        name="gl",
        type="finance_files",
        path=".",
        delimiter=",",
        thousands=",",
        encoding="cp1252",
        columns={"date": "Date", "account": "Account", "amount": "Amount"},
        accounts={"revenue": ["4000-4999"]},
    )
    path = tmp_path / "gl.csv"
    path.write_bytes('Date,Account,Amount\n2025-01-31,4010,"1,234.56"\n'.encode("cp1252"))
    assert parse_ledger(path, config).column("amount").to_pylist() == [1234.56]


def test_xlsx_with_a_title_row_above_the_header(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Posteringer januar 2025"])
    ws.append([])
    ws.append(["Dato", "Konto", "Tekst", "Beløb"])
    ws.append([date(2025, 1, 3), 1010, "Salg", -500.25])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    rows = parse_ledger(path, FinanceFilesConfig(**DANISH)).to_pylist()
    assert rows == [
        {
            "line_number": 4,
            "booking_date": date(2025, 1, 3),
            "account": "1010",
            "amount": -500.25,
            "text": "Salg",
        }
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Dato;Konto;Beløb\r\n03-01-2025;1010;-1,00\r\n", "no header row with the mapped columns"),
        (
            "Dato;Konto;Tekst;Beløb\r\n2025-01-03;1010;x;-1,00\r\n",
            "line 2: date '2025-01-03' does not match",
        ),
        (
            "Dato;Konto;Tekst;Beløb\r\n03-01-2025;1010;x;tolv\r\n",
            "line 2: amount 'tolv' is not a number",
        ),
        ("", "the file is empty"),
        ("Dato;Konto;Tekst;Beløb\r\n", "header but no data rows"),
    ],
    ids=["missing-column", "bad-date", "bad-number", "empty", "header-only"],
)
def test_bad_ledger_files_are_rejected_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8-sig")
    with pytest.raises(BadFileError, match=reason):
        parse_ledger(path, FinanceFilesConfig(**DANISH))


def test_an_identical_file_is_never_landed_twice(tmp_path):
    (tmp_path / "a.csv").write_text(
        "Dato;Konto;Tekst;Beløb\r\n03-01-2025;1010;x;-1,00\r\n", encoding="utf-8-sig"
    )
    connector = FinanceFiles(FinanceFilesConfig(**{**DANISH, "path": str(tmp_path)}))
    stream = connector.streams[0]
    first = list(connector.extract(stream, ExtractContext(run_date=date(2025, 2, 1))))
    assert len(first) == 1
    (tmp_path / "a_copy.csv").write_bytes((tmp_path / "a.csv").read_bytes())
    seen = LandedState(file_hashes=frozenset({first[0].file_hash}))
    again = list(connector.extract(stream, ExtractContext(run_date=date(2025, 2, 1), state=seen)))
    assert again == []


def test_manual_sheet_rejects_unknown_and_malformed_rows_with_line_numbers(tmp_path):
    config = ManualMetricsConfig(
        name="team",
        type="manual_metrics",
        path=".",
        metrics={"training_hours": "sum", "employee_nps": "average"},
    )
    good = tmp_path / "good.csv"
    good.write_text(
        "date,metric,value,note\n2025-01-06,training_hours,12.5,course\n2025-01-15,manual.employee_nps,31,\n"
    )
    rows = parse_manual(good, config).to_pylist()
    assert [(r["metric"], r["value"], r["note"]) for r in rows] == [
        ("training_hours", 12.5, "course"),
        ("employee_nps", 31.0, None),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,metric,value\n2025-01-06,training_hours,1\n2025-13-01,training_hours,1\n2025-01-07,coffee,3\n"
    )
    with pytest.raises(BadFileError) as e:
        parse_manual(bad, config)
    assert "line 3: date '2025-13-01'" in e.value.reason
    assert (
        "line 4: unknown metric 'coffee' (declared: training_hours, employee_nps)" in e.value.reason
    )


def test_manual_metrics_declare_their_additivity():
    connector = ManualMetrics(
        ManualMetricsConfig(
            name="team", type="manual_metrics", path=Path("."), metrics={"nps": "average"}
        )
    )
    [metric] = connector.provided_metrics()
    assert (metric.metric_id, metric.additivity) == ("manual.nps", "average")


PERIOD = r"posteringer_(?P<start>\d{8})-(?P<end>\d{8})"


def ledger_batches(tmp_path, **keys):
    config = FinanceFilesConfig(**{**DANISH, "path": str(tmp_path), **keys})
    connector = FinanceFiles(config)
    return list(connector.extract(connector.streams[0], ExtractContext(run_date=date(2026, 2, 10))))


def write(path: Path, *lines: str) -> Path:
    path.write_text("Dato;Konto;Tekst;Beløb\r\n" + "".join(f"{x}\r\n" for x in lines), "utf-8-sig")
    return path


def test_a_file_covers_the_period_its_name_states_else_its_booking_days(tmp_path):
    write(tmp_path / "posteringer_20260101-20260115.csv", "03-01-2026;1010;Salg;-1,00")
    write(tmp_path / "udtraek_januar.csv", "05-01-2026;1010;Salg;-1,00", "20-01-2026;1010;x;-2,00")
    by_name = {b.file_name: b.window for b in ledger_batches(tmp_path, file_period=PERIOD)}
    # stated: 1-15 January although its only line is on the 3rd; unnamed: its booking days
    assert str(by_name["posteringer_20260101-20260115.csv"]) == "2026-01-01..2026-01-15"
    assert str(by_name["udtraek_januar.csv"]) == "2026-01-05..2026-01-20"
    # without file_period every file covers its first to its last booking date
    plain = {b.file_name: b.window for b in ledger_batches(tmp_path)}
    assert str(plain["posteringer_20260101-20260115.csv"]) == "2026-01-03..2026-01-03"


def test_a_month_in_the_name_covers_the_whole_month(tmp_path):
    write(tmp_path / "posteringer_2024-02.csv", "10-02-2024;1010;Salg;-1,00")
    [batch] = ledger_batches(tmp_path, file_period=r"posteringer_(?P<month>\d{4}-\d{2})")
    assert str(batch.window) == "2024-02-01..2024-02-29"  # a leap year's February


def test_a_line_outside_the_stated_period_refuses_the_file(tmp_path):
    write(
        tmp_path / "posteringer_20260201-20260228.csv",
        "03-02-2026;1010;Salg;-1,00",
        "31-01-2026;1010;Sent;-2,00",
    )
    [bad] = ledger_batches(tmp_path, file_period=PERIOD)
    assert isinstance(bad, BadFileError)
    assert bad.reason == (
        "1 bad row(s): line 3: booking date 2026-01-31 is outside 2026-02-01..2026-02-28, "
        "the period the file name states"
    )


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"posteringer_(\d{8})", "names no period"),
        (r"posteringer_(?P<start>\d{8}", "is not a regular expression"),
    ],
)
def test_a_file_period_without_named_dates_is_a_configuration_error(pattern, message):
    with pytest.raises(ValueError, match=message):
        FinanceFilesConfig(**{**DANISH, "file_period": pattern})


def test_inbox_files_land_oldest_first_so_the_newest_export_wins(tmp_path):
    import os

    newer = write(tmp_path / "a_corrected.csv", "03-01-2026;1010;Salg;-1,00")
    older = write(tmp_path / "b_first.csv", "04-01-2026;1010;Salg;-1,00")
    os.utime(older, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    os.utime(newer, ns=(1_700_000_100_000_000_000, 1_700_000_100_000_000_000))
    assert [b.file_name for b in ledger_batches(tmp_path)] == ["b_first.csv", "a_corrected.csv"]


def test_ledger_categories_break_down_by_named_account_groups_else_by_account():
    """A category may name groups of its ranges (the members of account_category); a plain
    list has no groups (null), and staging makes each account a member."""
    config = FinanceFilesConfig(
        **{
            **DANISH,
            "accounts": {
                "revenue": ["1000-1999"],
                "marketing_spend": {"paid_media": ["2700-2739", "2745"], "agency": ["2750-2769"]},
            },
        }
    )
    connector = FinanceFiles(config)
    rows = connector.catalog_rows()["finance_accounts"]
    assert [
        (r["category"], r["account_group"], r["account_from"], r["account_to"]) for r in rows
    ] == [
        ("revenue", None, 1000, 1999),
        ("marketing_spend", "paid_media", 2700, 2739),
        ("marketing_spend", "paid_media", 2745, 2745),
        ("marketing_spend", "agency", 2750, 2769),
    ]
    assert connector.breakdowns() == {
        "finance.revenue": ("account_category",),
        "finance.marketing_spend": ("account_category",),
    }
    assert FinanceFiles(FinanceFilesConfig(**{**DANISH, "breakdowns": []})).breakdowns() == {}


@pytest.mark.parametrize(
    ("spend", "message"),
    [
        ({"Paid Media": ["2700"]}, "account group 'Paid Media' must use lower-case letters"),
        ({"paid_media": []}, "accounts.spend.paid_media: list at least one account"),
        ({"paid_media": ["27x"]}, "accounts.spend.paid_media: '27x' is not an account number"),
        ({"a": ["2700-2739"], "b": ["2730"]}, "accounts.spend: '2700-2739' and '2730' overlap"),
    ],
)
def test_account_groups_are_identifiers_holding_ranges(spend, message):
    with pytest.raises(ValueError, match=message):
        FinanceFilesConfig(**{**DANISH, "accounts": {"revenue": ["1000-1999"], "spend": spend}})


TEAM = {
    "name": "team",
    "type": "manual_metrics",
    "path": ".",
    "metrics": {"training_hours": "sum", "employee_nps": "average"},
}


def test_manual_rows_may_name_a_dimension_and_member(tmp_path):
    """A day's value typed as members (by team and by topic), or as a total with its members;
    rows without the pair are totals. Every row lands, members with their pair."""
    sheet = tmp_path / "team.csv"
    sheet.write_text(
        "date,metric,value,note,dimension,member\n"
        "2025-01-06,training_hours,4,,team,sales\n"
        "2025-01-06,training_hours,6,,team,marketing\n"
        "2025-01-06,training_hours,7.5,,topic,ga4\n"
        "2025-01-06,training_hours,2.5,,topic,seo\n"
        "2025-01-13,training_hours,12,,,\n"
        "2025-01-15,employee_nps,31,pulse,,\n"
        "2025-01-15,employee_nps,40,,team,sales\n"
    )
    rows = parse_manual(sheet, ManualMetricsConfig(**TEAM)).to_pylist()
    assert [(r["line_number"], r["value"], r["dimension"], r["member"]) for r in rows] == [
        (2, 4.0, "team", "sales"),
        (3, 6.0, "team", "marketing"),
        (4, 7.5, "topic", "ga4"),
        (5, 2.5, "topic", "seo"),
        (6, 12.0, None, None),
        (7, 31.0, None, None),
        (8, 40.0, "team", "sales"),
    ]


def test_manual_members_that_do_not_add_up_refuse_the_sheet_with_line_numbers(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text(
        "date,metric,value,dimension,member\n"
        "2025-01-06,training_hours,10,,\n"  # 2: the total
        "2025-01-06,training_hours,4,team,sales\n"  # 3-4: team adds up to 9, not 10
        "2025-01-06,training_hours,5,team,marketing\n"
        "2025-01-13,training_hours,4,team,sales\n"  # 5-6: no total, team 10 but topic 8
        "2025-01-13,training_hours,6,team,marketing\n"
        "2025-01-13,training_hours,8,topic,ga4\n"
        "2025-01-15,employee_nps,40,team,sales\n"  # 8: an average's members need the total
        "2025-01-20,training_hours,3,,sales\n"  # 9: a member without a dimension
        "2025-01-20,training_hours,3,team,\n"  # 10: a dimension without a member
        "2025-01-27,training_hours,3,Team,sales\n"  # 11: not an identifier
        "2025-01-27,training_hours,3,,\n"  # 12
        "2025-01-27,training_hours,4,,\n"  # 13: the total twice
    )
    with pytest.raises(BadFileError) as e:
        parse_manual(sheet, ManualMetricsConfig(**TEAM))
    reason = e.value.reason
    assert reason.startswith("7 bad row(s): ")
    for expected in (
        "line 3: training_hours on 2025-01-06: the team members add up to 9 but the day's total "
        "(line 2) is 10",
        "line 7: training_hours on 2025-01-13: the topic members add up to 8 but the team "
        "members add up to 10",
        "line 8: employee_nps on 2025-01-15: the members of an average do not add up to its "
        "value; give the day's value in a row without dimension and member",
        "line 9: member 'sales' has no dimension",
        "line 10: dimension 'team' has no member",
        "line 11: dimension 'Team' must use lower-case letters",
        "line 13: training_hours on 2025-01-27 is also on line 12",
    ):
        assert expected in reason, reason


def test_a_dimension_column_needs_its_member_column(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text("date,metric,value,dimension\n2025-01-06,training_hours,4,team\n")
    with pytest.raises(BadFileError, match="has a 'dimension' column but no 'member' column"):
        parse_manual(sheet, ManualMetricsConfig(**TEAM))


def test_manual_sources_publish_the_dimensions_they_declare():
    declared = ManualMetrics(ManualMetricsConfig(**TEAM, breakdowns=["team", "topic"]))
    assert declared.offered_dimensions() == ("team", "topic")
    assert declared.breakdowns() == {
        "manual.training_hours": ("team", "topic"),
        "manual.employee_nps": ("team", "topic"),
    }
    assert ManualMetrics(ManualMetricsConfig(**TEAM)).breakdowns() == {}
