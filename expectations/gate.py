"""Run suites with Great Expectations on DataFrames read from DuckDB.

GX's SQL path does not work with DuckDB (it closes the connection before reading results and
reports every expectation as failed), so each suite's rows are read with DuckDB and validated
as a pandas DataFrame — see docs/decisions.md.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from expectations.suites import Suite

log = logging.getLogger(__name__)
EXAMPLES = 20


@dataclass
class Outcome:
    expectation: str
    column: str | None
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None
    severity: str = "critical"  # a failed "warning" is reported but does not fail the gate
    description: str | None = None

    @property
    def blocking(self) -> bool:
        return not self.success and self.severity == "critical"

    def as_dict(self) -> dict:
        return {
            "expectation": self.expectation,
            "column": self.column,
            "success": self.success,
            "severity": self.severity,
            "description": self.description,
            "unexpected_count": self.unexpected_count,
            "observed": self.observed,
            "examples": self.examples,
            "error": self.error,
        }

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        if self.error:
            return f"{self.expectation}{where} raised: {self.error}"
        detail = []
        if self.unexpected_count:
            detail.append(f"{self.unexpected_count} unexpected")
        if self.observed is not None:
            detail.append(f"observed {self.observed}")
        if self.examples:
            detail.append(f"e.g. {self.examples[:3]}")
        return f"{self.expectation}{where}: " + (", ".join(detail) or "failed")


@dataclass
class SuiteResult:
    suite: Suite
    evaluated: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None
    rows: int = 0
    bad_files: set[str] = field(default_factory=set)

    @property
    def failed(self) -> list[Outcome]:
        """Failed expectations that block publishing."""
        return [o for o in self.outcomes if o.blocking]

    @property
    def warnings(self) -> list[Outcome]:
        """Failed expectations that are reported only (e.g. a new column at landing)."""
        return [o for o in self.outcomes if not o.success and not o.blocking]

    def as_dict(self) -> dict:
        return {
            "suite": self.suite.name,
            "layer": self.suite.layer,
            "asset": "/".join(self.suite.asset_key),
            "success": self.success,
            "error": self.error,
            "evaluated": self.evaluated,
            "rows": self.rows,
            "expectations": [o.as_dict() for o in self.outcomes],
        }

    @property
    def success(self) -> bool:
        return self.error is None and self.evaluated > 0 and not self.failed

    def summary(self) -> str:
        if self.error:
            return f"suite {self.suite.name} raised: {self.error}"
        if self.evaluated == 0:
            return (
                f"suite {self.suite.name} evaluated no expectations (a gate must check something)"
            )
        if self.failed:
            return f"suite {self.suite.name}: {len(self.failed)} of {self.evaluated} failed: " + (
                "; ".join(o.describe() for o in self.failed)
            )
        warned = f" ({len(self.warnings)} warning(s))" if self.warnings else ""
        return (
            f"suite {self.suite.name}: {self.evaluated} expectations passed on {self.rows} rows"
            + warned
        )


@dataclass
class GateResult:
    results: list[SuiteResult]

    @property
    def success(self) -> bool:
        return bool(self.results) and all(r.success for r in self.results)

    @property
    def passed(self) -> int:
        return sum(r.evaluated - len(r.failed) for r in self.results)

    @property
    def failed(self) -> int:
        return sum(len(r.failed) + (1 if r.error or r.evaluated == 0 else 0) for r in self.results)

    def failures(self) -> list[SuiteResult]:
        return [r for r in self.results if not r.success]

    def report(self) -> dict:
        """A JSON-ready account of the gate: counts, every suite with every expectation
        (observed values, example rows), and the failures again for a quick read."""
        return {
            "checks_passed": self.passed,
            "checks_failed": self.failed,
            "suites": [r.as_dict() for r in self.results],
            "failures": [
                {**r.as_dict(), "failed": [o.as_dict() for o in r.failed]} for r in self.failures()
            ],
        }


def describe_report(report: dict) -> list[str]:
    """One readable line per failed expectation (or broken suite) of a gate report."""
    lines = []
    for f in report.get("failures", []):
        if f.get("error"):
            lines.append(f"suite {f['suite']} raised: {f['error']}")
        elif not f.get("evaluated"):
            lines.append(f"suite {f['suite']} evaluated no expectations")
        for o in f.get("failed", []):
            on = f" on {o['column']}" if o.get("column") else ""
            count = f" ({o['unexpected_count']} rows)" if o.get("unexpected_count") else ""
            examples = f", e.g. {o['examples'][:3]}" if o.get("examples") else ""
            observed = f", observed {o['observed']}" if o.get("observed") is not None else ""
            raised = f" raised: {o['error']}" if o.get("error") else ""
            lines.append(
                f"suite {f['suite']}: {o['expectation']}{on}{raised}{count}{observed}{examples}"
            )
    # optional parts a platform refused (a landing report's `missing`): not failures, but what
    # `scorecard status` lists beside a run so the permission gets granted
    for m in report.get("missing", []):
        part = "stream" if m.get("part") == "stream" else f"metric {m.get('part')}"
        kpis = ", ".join(m.get("kpis") or []) or "none"
        lines.append(
            f"{m.get('source')}: the {part} of {m.get('stream')} was refused ({m.get('error')});"
            f" grant {m.get('permission')} — KPIs without data: {kpis}"
        )
    return lines


def import_in_background() -> None:
    """Start importing Great Expectations (2-4 s, mostly single-threaded) on a thread, for a
    step that will validate later: dbt spends its first seconds starting up and parsing on one
    core. An import that is under way when the gate needs it is simply waited for (Python's
    import lock); an import that failed is raised again by the gate's own import."""
    if "great_expectations" not in sys.modules:
        threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True).start()


def _import_gx() -> None:
    try:
        _gx()
    except Exception:  # reported where the gate imports it
        log.debug("background import of great_expectations failed", exc_info=True)


def _gx():
    """Great Expectations with its expectations, analytics off (never any network call)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations  # what every suite builds

    return gx


@functools.cache
def _context():
    gx = _gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return context, context.data_sources.add_pandas("scorecard")


def connect_read_only(suite: Suite) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only (closed right after reading), or an in-memory DuckDB."""
    if suite.database is None:
        return duckdb.connect()
    return duckdb.connect(str(suite.database), read_only=True)


def run_suites(
    suites: Iterable[Suite],
    connect: Callable[[Suite], duckdb.DuckDBPyConnection] = connect_read_only,
) -> GateResult:
    """Validate every suite; one suite's failure or exception never stops the others."""
    return GateResult([_run_one(s, connect) for s in suites])


def _run_one(suite: Suite, connect) -> SuiteResult:
    result = SuiteResult(suite)
    try:
        if suite.frame is not None:
            frame = suite.frame()
        elif suite.checked_columns_only:
            with connect(suite) as con:
                frame = _checked_columns(con, suite)
        else:
            with connect(suite) as con:
                frame = con.execute(suite.query, suite.params).df()
        frame = _in_nanoseconds(frame)
        result.rows = len(frame)
        result.evaluated, result.outcomes, result.bad_files = _validate(suite, frame)
    except Exception as e:  # a suite that raises fails the gate, with its reason
        result.error = f"{type(e).__name__}: {e}"
        log.debug("suite %s raised:\n%s", suite.name, traceback.format_exc())
    return result


def _checked_columns(con: duckdb.DuckDBPyConnection, suite: Suite):
    """The suite's rows with only the columns its expectations and example rows name, read
    through Arrow. A 20-million-row backfill batch read whole with `.df()` took 55 s and
    20 GiB (every string became a Python object first); this way DuckDB reads only those
    columns from Parquet and pandas gets Arrow strings without a copy per value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    relation = con.sql(suite.query, params=suite.params)
    wanted = _columns_named(suite.build_expectations()) | set(suite.index_columns)
    columns = [c for c in relation.columns if c in wanted]
    if columns:  # a suite that names no column (a row count) still needs its rows counted
        relation = relation.select(*(duckdb.ColumnExpression(c) for c in columns))
    table = relation.to_arrow_table()
    # repetitive strings as categories: GX filters the whole frame once per expectation, and
    # taking rows of integer codes is cheap where taking long strings (a batch's path on
    # every row) is not; mostly distinct strings (a contact id) stay strings
    for i, name in enumerate(table.column_names):
        kind = table.schema.field(i).type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            codes = pc.dictionary_encode(table.column(i)).combine_chunks()
            if len(codes.dictionary) * 2 <= len(codes):
                table = table.set_column(i, name, codes)
    # dates as datetime64 (as `.df()` gives them), which GX range-checks vectorised
    return table.to_pandas(date_as_object=False)


def _columns_named(expectations: list) -> set[str]:
    """Every column an expectation reads: its column arguments and the names in its row
    condition (a pandas query such as `metric != "totalRevenue"`)."""
    names: set[str] = set()
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        names.update(kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k))
        names.update(kwargs.get("column_list") or [])
        condition = kwargs.get("row_condition") or ""
        if isinstance(condition, dict):  # GX keeps a pandas condition as a pass-through filter
            condition = condition.get("pass_through_filter") or ""
        names.update(re.findall(r"[A-Za-z_]\w*", str(condition)))
    return names


def _in_nanoseconds(frame):
    """DuckDB gives pandas dates and naive timestamps in microseconds, and GX range-checks
    only nanosecond (or zoned) columns vectorised: any other it compares value by value in
    Python — 20 % of the warehouse gate at S = 100, most of a landing suite on a big batch."""
    import numpy as np
    import pandas as pd

    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "M" and np.datetime_data(dtype)[0] != "ns":
            # a date beyond 2262 (or before 1677) stays as it is: checked one by one
            with contextlib.suppress(pd.errors.OutOfBoundsDatetime):
                frame[name] = frame[name].dt.as_unit("ns")
    return frame


def _validate(suite: Suite, frame) -> tuple[int, list[Outcome], set[str]]:
    import great_expectations as gx

    _, datasource = _context()
    asset_name = suite.name.replace(".", "__")
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=asset_name)
    try:
        batch_definition = asset.get_batch_definition("all")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("all")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(name=asset_name, expectations=suite.build_expectations())
    index_columns = [c for c in suite.index_columns if c in frame.columns]
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if suite.quarantine_by_file else "SUMMARY",
        "partial_unexpected_count": EXAMPLES,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    validation = batch.validate(gx_suite, result_format=result_format)
    outcomes, bad_files = [], set()
    for r in validation.results:
        config = r.expectation_config
        error = _exception_message(r.exception_info)
        res = r.result or {}
        index_rows = res.get("unexpected_index_list") or res.get("partial_unexpected_index_list")
        examples = (index_rows or res.get("partial_unexpected_list") or [])[:EXAMPLES]
        severity = getattr(getattr(config, "severity", None), "value", None) or "critical"
        outcome = Outcome(
            expectation=config.type,
            column=config.kwargs.get("column") or config.kwargs.get("column_list"),
            success=bool(r.success) and error is None,
            observed=_plain(res.get("observed_value")),
            unexpected_count=res.get("unexpected_count"),
            examples=[_plain(e) for e in examples],
            error=error,
            severity=severity,
            description=getattr(config, "description", None),
        )
        if suite.quarantine_by_file and outcome.blocking:
            bad_files |= {row["_file"] for row in (index_rows or []) if "_file" in row}
        outcomes.append(outcome)
    return validation.statistics["evaluated_expectations"], outcomes, bad_files


def _exception_message(info: Any) -> str | None:
    """GX reports exceptions flat or keyed by metric id; return the first message if any."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return info.get("exception_message") or "raised"
    for nested in info.values():
        message = _exception_message(nested)
        if message:
            return message
    return None


def _plain(value: Any) -> Any:
    """Example rows as JSON-friendly values (numpy scalars, timestamps -> python/str);
    a batch file is named by its file name, which is unique in landing."""
    if isinstance(value, dict):
        return {k: Path(v).name if k == "_file" else _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN: pandas' way of saying "missing"
        return None
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
