"""What a suite is, and the expectation builders the landing and warehouse suites share.

A Suite is rows (a DuckDB query, or a function returning a DataFrame) plus the Great
Expectations those rows must meet. Expectations are built lazily: importing GX takes seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATUSES = ["green", "amber", "red", "no_data", "no_target"]


@dataclass
class Suite:
    name: str
    layer: str  # landing | metrics | marts
    asset_key: tuple[str, ...]  # the Dagster asset the suite checks
    expectations: Callable[[], list]
    query: str = ""
    params: list[Any] = field(default_factory=list)
    frame: Callable[[], Any] | None = None  # rows built in Python instead of a query
    index_columns: list[str] = field(default_factory=list)  # identify example rows
    quarantine_by_file: bool = False  # failing landing rows name their batch file
    database: Path | None = None  # None: an in-memory DuckDB (landing reads Parquet)
    covers: list[str] = field(default_factory=list)  # landing batches a passing suite validates
    # rows may be many (a backfill batch): read only the columns the expectations and the
    # example rows use, through Arrow (docs/benchmarks.md, "The landing gate on a backfill")
    checked_columns_only: bool = False

    def build_expectations(self) -> list:
        return self.expectations()


def gxe():
    import great_expectations.expectations as expectations

    return expectations


def not_null(*columns: str) -> list:
    return [gxe().ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def at_least(column: str, minimum: float, condition: str | None = None):
    kwargs = {"row_condition": condition, "condition_parser": "pandas"} if condition else {}
    return gxe().ExpectColumnValuesToBeBetween(column=column, min_value=minimum, **kwargs)


def between_days(column: str, first: dt.date | None, last: dt.date | None, *, utc: bool = False):
    """Dates (or UTC timestamps) within [first, last]: no future days, none before start_date."""
    zone = dt.UTC if utc else None
    as_moment = lambda d: dt.datetime.combine(d, dt.time(), tzinfo=zone) if d else None  # noqa: E731
    return gxe().ExpectColumnValuesToBeBetween(
        column=column, min_value=as_moment(first), max_value=as_moment(last)
    )


def all_true(column: str, *, severity: str = "critical", description: str | None = None):
    return gxe().ExpectColumnValuesToBeInSet(
        column=column, value_set=[True], severity=severity, description=description
    )


def not_empty(description: str | None = None):
    return gxe().ExpectTableRowCountToBeBetween(min_value=1, description=description)
