"""Finance exports — ledger lines from CSV/XLSX files dropped in an inbox folder.

Breakdown `account_category` (DESIGN §5a): each category metric by the named account groups its
`accounts:` entry lists, or, for a plain list of ranges, by account number
(docs/sources/finance_files.md).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors import register
from connectors.base import (
    ConfigPath,
    ExtractContext,
    MetricDef,
    SourceConfig,
    Stream,
    Window,
    identifier_type,
)
from connectors.checks import NotNull, Reconciliation
from connectors.files import BadFileError, Columns, FileSource, describe_errors, read_cells

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
Category = identifier_type("category")
AccountGroup = identifier_type("account group")
# a category's accounts: numbers or ranges, or named groups of them (the members of the
# category's account_category breakdown)
CategoryAccounts = list[str] | dict[AccountGroup, list[str]]


class LedgerColumns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    date: str = Field(description="Header of the booking-date column.")
    account: str = Field(description="Header of the account-number column.")
    amount: str = Field(description="Header of the amount column.")
    text: str | None = Field(default=None, description="Header of the posting-text column.")


class FinanceFilesConfig(SourceConfig):
    type: Literal["finance_files"] = "finance_files"
    path: ConfigPath = Field(
        description="Inbox folder (or glob) with *.csv / *.xlsx ledger exports."
    )
    delimiter: str = Field(default=",", description="CSV field separator.")
    decimal: str = Field(default=".", description="Decimal separator in amounts.")
    thousands: str | None = Field(default=None, description="Thousands separator in amounts.")
    encoding: str = Field(default="utf-8-sig", description="CSV encoding (utf-8-sig, cp1252...).")
    date_format: str = Field(default="%Y-%m-%d", description="strptime format of booking dates.")
    columns: LedgerColumns
    accounts: dict[Category, CategoryAccounts] = Field(
        description="Category -> account numbers or ranges ('1000-1999'), or -> named groups "
        "of them ({paid_media: ['2700-2739'], events: ['2740-2759']}); becomes "
        "finance.<category>, broken down (account_category) by group, else by account.",
    )
    credit_categories: list[str] = Field(
        default_factory=list,
        description="Categories booked as negative credits; their sign is flipped.",
    )
    file_period: str | None = Field(
        default=None,
        description="Regular expression for file names that state the period an export covers: "
        "named groups `start` and `end` (20260101 or 2026-01-01) or `month` (202601 or "
        "2026-01), e.g. 'posteringer_(?P<start>\\d{8})-(?P<end>\\d{8})'. A file covers that "
        "period (else the days from its first to its last booking date); a later file replaces "
        "earlier lines only on the days it covers.",
    )

    @field_validator("file_period")
    @classmethod
    def _period_pattern(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            groups = set(re.compile(v).groupindex)
        except re.error as e:
            raise ValueError(f"'{v}' is not a regular expression ({e})") from None
        if not ({"start", "end"} <= groups or "month" in groups):
            raise ValueError(
                f"'{v}' names no period: use the named groups (?P<start>...) and (?P<end>...), "
                "or (?P<month>...)"
            )
        return v

    @field_validator("accounts")
    @classmethod
    def _ranges(cls, v: dict[str, CategoryAccounts]) -> dict[str, CategoryAccounts]:
        for category, accounts in v.items():
            for group, ranges in _groups(accounts):
                where = f"accounts.{category}" + (f".{group}" if group else "")
                if not ranges:
                    raise ValueError(f"{where}: list at least one account number or range")
                for r in ranges:
                    m = _RANGE.match(str(r))
                    if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
                        raise ValueError(
                            f"{where}: '{r}' is not an account number or a range like '1000-1999'"
                        )
            # a line in two ranges of one category would count twice (and be two members)
            spans = sorted(
                (int(m.group(1)), int(m.group(2) or m.group(1)), r)
                for _, ranges in _groups(accounts)
                for r in ranges
                if (m := _RANGE.match(str(r)))
            )
            for (_, hi, first), (lo, _, second) in pairwise(spans):
                if lo <= hi:
                    raise ValueError(
                        f"accounts.{category}: '{first}' and '{second}' overlap; an account "
                        "may be in one range of a category only"
                    )
        return v

    @model_validator(mode="after")
    def _credit_known(self):
        unknown = set(self.credit_categories) - set(self.accounts)
        if unknown:
            raise ValueError(
                f"credit_categories {sorted(unknown)} are not categories in accounts "
                f"({sorted(self.accounts)})"
            )
        return self

    def account_ranges(self) -> list[tuple[str, str | None, int, int]]:
        """(category, account group or None, first account, last account) per range."""
        out = []
        for category, accounts in self.accounts.items():
            for group, ranges in _groups(accounts):
                for r in ranges:
                    m = _RANGE.match(str(r))
                    lo = int(m.group(1))
                    out.append((category, group, lo, int(m.group(2) or lo)))
        return out


def _groups(accounts: CategoryAccounts) -> list[tuple[str | None, list[str]]]:
    """A category's ranges by named group (None: a plain list, no groups)."""
    return list(accounts.items()) if isinstance(accounts, dict) else [(None, accounts)]


LEDGER_LINES = Stream(
    name="ledger_lines",
    schema=pa.schema(
        [
            pa.field("line_number", pa.int64()),
            pa.field("booking_date", pa.date32()),
            pa.field("account", pa.string()),
            pa.field("amount", pa.float64()),
            pa.field("text", pa.string()),
        ]
    ),
    primary_key=("_file_hash", "line_number"),
    cursor="booking_date",
    description="One row per ledger line of an export file, as exported (signs unchanged).",
    checks=(NotNull("booking_date"), NotNull("account"), NotNull("amount")),
    # each category's lines, sign flipped where booked as credits, are finance.<category>
    reconciliation=Reconciliation(
        "select 'finance.' || accounts.category as metric_id, lines.booking_date as metric_date,"
        " case when accounts.flip_sign then -lines.amount else lines.amount end as value"
        " from staging.stg_finance_files__ledger_lines as lines"
        " inner join staging.stg_scorecard_config__finance_accounts as accounts"
        " on lines.source_name = accounts.source_name"
        " and try_cast(lines.account as bigint) between accounts.account_from"
        " and accounts.account_to"
    ),
)


@register
class FinanceFiles(FileSource):
    type = "finance_files"
    config_model = FinanceFilesConfig
    metrics_model = "int_metrics__finance"
    breakdown_dimensions = ("account_category",)
    breakdowns_model = "int_metric_breakdowns__finance"
    provenance_model = "int_provenance__finance"
    provenance_streams = ("ledger_lines",)
    streams = (LEDGER_LINES,)
    # account ranges and sign flips as data: staging maps lines to categories in SQL
    catalog_schemas = {
        "finance_accounts": pa.schema(
            [
                ("source_name", pa.string()),
                ("category", pa.string()),
                ("account_from", pa.int64()),
                ("account_to", pa.int64()),
                ("flip_sign", pa.bool_()),
                ("account_group", pa.string()),
            ]
        )
    }

    def catalog_rows(self) -> dict[str, list[dict]]:
        return {
            "finance_accounts": [
                {
                    "source_name": self.config.name,
                    "category": category,
                    "account_from": lo,
                    "account_to": hi,
                    "flip_sign": category in self.config.credit_categories,
                    "account_group": group,
                }
                for category, group, lo, hi in self.config.account_ranges()
            ]
        }

    def provided_metrics(self) -> list[MetricDef]:
        return [MetricDef(f"finance.{c}", unit="currency") for c in self.config.accounts]

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        # the category metrics are mapped in SQL (no metric_domain), so they are named here
        dimensions = self.dimensions()
        return {f"finance.{c}": dimensions for c in self.config.accounts} if dimensions else {}

    def parse(self, path: Path) -> pa.Table:
        return parse_ledger(path, self.config)

    def coverage(self, path: Path, table: pa.Table, ctx: ExtractContext) -> Window:
        # the window is the file's coverage: staging replaces earlier lines on these days
        return coverage(path, table, self.config, ctx.log)

    def write_demo_files(self, ctx: ExtractContext) -> None:
        from connectors.finance_files.demo import write_ledger_exports

        write_ledger_exports(self.inbox(), self.config.start_date, ctx.run_date)


def coverage(path: Path, table: pa.Table, config: FinanceFilesConfig, log) -> Window:
    """The days a ledger export speaks for: the period its name states (when the source sets
    `file_period` and the name matches), else its first to its last booking date. A line
    outside a stated period means the name or the export is wrong: the file is refused."""
    dates = table.column("booking_date").to_pylist()
    booked = Window(min(dates), max(dates))
    if config.file_period is None:
        return booked
    match = re.search(config.file_period, path.name)
    if match is None:
        log.warning(
            "%s: the name does not match file_period %r; it covers the days it has lines on (%s)",
            path.name,
            config.file_period,
            booked,
        )
        return booked
    try:
        stated = stated_period(match)
    except ValueError as e:
        raise BadFileError(path, f"the period in the file name is not a date range: {e}") from e
    outside = [
        (line, f"booking date {day} is outside {stated}, the period the file name states")
        for line, day in zip(table.column("line_number").to_pylist(), dates, strict=True)
        if not stated.start <= day <= stated.end
    ]
    if outside:
        raise BadFileError(path, describe_errors(outside))
    return stated


def stated_period(match: re.Match) -> Window:
    """The period named by a file_period match: `start`/`end` dates or one `month`."""
    groups = match.groupdict()
    if groups.get("month"):
        digits = groups["month"].replace("-", "")
        if not re.fullmatch(r"\d{6}", digits):
            raise ValueError(f"month {groups['month']!r} is not like 202601 or 2026-01")
        first = date(int(digits[:4]), int(digits[4:]), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Window(first, following - timedelta(days=1))
    start, end = (_named_day(groups[k]) for k in ("start", "end"))
    if end < start:
        raise ValueError(f"{end} is before {start}")
    return Window(start, end)


def _named_day(text: str) -> date:
    digits = text.replace("-", "")
    if not re.fullmatch(r"\d{8}", digits):
        raise ValueError(f"{text!r} is not a date like 20260131 or 2026-01-31")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def parse_ledger(path: Path, config: FinanceFilesConfig) -> pa.Table:
    """Every line of a ledger export, or the file refused with each bad line's problem."""
    cols = config.columns
    required = [cols.date, cols.account, cols.amount] + ([cols.text] if cols.text else [])
    raw = read_cells(path, required=required, delimiter=config.delimiter, encoding=config.encoding)
    parsed = Columns(raw)
    booking_dates = parsed.dates(cols.date, config.date_format)
    amounts = parsed.numbers(
        cols.amount, decimal=config.decimal, thousands=config.thousands, label="amount"
    )
    # spreadsheets store account numbers as floats: 1010.0 is account 1010
    accounts = parsed.texts(cols.account).str.removesuffix(".0")
    parsed.require(accounts.to_numpy() != "", accounts, lambda _: "account is empty")
    texts = parsed.texts(cols.text).to_numpy() if cols.text else [None] * len(accounts)
    return parsed.table(
        LEDGER_LINES.schema,
        {
            "booking_date": booking_dates,
            "account": accounts.to_numpy(),
            "amount": amounts,
            "text": texts,
        },
    )
