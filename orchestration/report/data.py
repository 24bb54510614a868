"""What the HTML scorecard shows, read from the serving file (the published tables only).

The page gets everything as one JSON document: the catalog (perspectives in the framework's
order, objectives, KPIs), every period of the month, quarter and year grains, and per KPI,
objective and perspective a column of values aligned with those periods. Columns keep the
document small (100 KPIs x 5 years is well under a megabyte). KPIs published by dimension
(`kpis.breakdowns`) add, per dimension member, columns of the same shape (`kpi_breakdowns`).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.run_context import business_today
from orchestration.status import freshness_by_source, recent_runs

REPORT_GRAINS = ("month", "quarter", "year")
FRAMEWORK_LABELS = {
    "balanced_scorecard": "Balanced Scorecard",
    "social_media_scorecard": "Social Media Scorecard",
    "custom": "Scorecard",
}
KPI_FIELDS = {
    "value": "value",
    "target": "target",
    "low": "target_low",
    "high": "target_high",
    "attainment": "attainment",
    "score": "score",
    "status": "status",
    "previous": "previous_value",
    "change": "change",
    "change_pct": "change_pct",
    "trend": "trend",
    "yoy": "yoy_value",
    "yoy_change_pct": "yoy_change_pct",
    "provisional": "is_provisional",
    "elapsed_days": "elapsed_days",
    "period_days": "period_days",
    "target_to_date": "target_to_date",
    "projected": "projected_value",
    "projected_status": "projected_status",
}
# pace of a running period: sent for periods that are not complete only (in a complete one the
# projection is the value itself), which keeps the document small
PACE_FIELDS = {
    "elapsed_days",
    "period_days",
    "target_to_date",
    "projected",
    "projected_status",
    "projected_score",
}
ROLLUP_FIELDS = {
    "score": "score",
    "status": "status",
    "green": "kpis_green",
    "amber": "kpis_amber",
    "red": "kpis_red",
    "no_data": "kpis_no_data",
    "no_target": "kpis_no_target",
    "projected_score": "projected_score",
    "projected_status": "projected_status",
}
BREAKDOWN_FIELDS = {
    "value": "value",
    "previous": "previous_value",
    "change_pct": "change_pct",
    "contribution": "contribution",
}


class NothingPublished(RuntimeError):
    """There is no published scorecard to show yet."""


def report_data(config, serving: Path | None = None) -> dict:
    serving = Path(serving or config.publish.duckdb)
    if not serving.exists():
        raise NothingPublished(f"no scorecard has been published yet ({serving} does not exist)")
    with duckdb.connect(str(serving), read_only=True) as con:
        log = _rows(
            con,
            "select run_id, published_at, run_date, framework, checks_passed, checks_failed"
            " from scorecard.publish_log order by published_at desc limit 1",
        )
        if not log:
            raise NothingPublished(f"{serving} holds no publish yet")
        periods = _periods(con)
        # a serving file published before breakdowns existed (or built by hand) has neither
        breakdowns = _has_breakdowns(con)
        index = {
            (g, p["start"]): i for g, info in periods.items() for i, p in enumerate(info["periods"])
        }
        data = {
            "meta": _meta(config, log[0]),
            "perspectives": _rows(
                con, "select perspective as id, name from scorecard.perspectives order by position"
            ),
            "objectives": _rows(
                con,
                "select objective_id as id, perspective, name, description, drives"
                " from scorecard.objectives order by perspective_position, position",
            ),
            "kpis": _kpis(con, breakdowns),
            "grains": periods,
            "kpi_values": _columns(con, "kpi_values", "kpi_id", KPI_FIELDS, periods, index),
            "objective_scores": _columns(
                con, "objective_scores", "objective_id", ROLLUP_FIELDS, periods, index
            ),
            "perspective_scores": _columns(
                con, "perspective_scores", "perspective", ROLLUP_FIELDS, periods, index
            ),
            "kpi_breakdowns": _breakdowns(con, periods, index) if breakdowns else {},
            # what owners wrote and are doing (a serving file from before the sheets has none)
            "kpi_comments": _comments(con) if _has_table(con, "kpi_comments") else {},
            "kpi_actions": _open_actions(con) if _has_table(con, "kpi_actions") else {},
            "overall": {
                grain: series["overall"]
                for grain, series in _columns(
                    con, "overall_scores", "'overall'", ROLLUP_FIELDS, periods, index
                ).items()
            },
        }
    return data


def _meta(config, log: dict) -> dict:
    today = business_today(config)
    runs = recent_runs(config, 1)
    return {
        "organisation": config.organisation,
        "mission": config.mission,
        "framework": log["framework"],
        "framework_label": FRAMEWORK_LABELS.get(log["framework"], "Scorecard"),
        "currency": config.currency,
        "locale": config.report.locale,
        "timezone": config.timezone,
        "run_id": log["run_id"],
        "run_date": log["run_date"],
        "published_at": log["published_at"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "gate": {"passed": log["checks_passed"] or 0, "failed": log["checks_failed"] or 0},
        "freshness": [
            {
                k: s[k]
                for k in (
                    "source",
                    "type",
                    "data_until",
                    "lag_days",
                    "max_lag_days",
                    "stale",
                    "last_extracted_at",
                )
            }
            for s in freshness_by_source(config, today)
        ],
        "latest_run": {k: runs[0][k] for k in ("outcome", "started_at")} if runs else None,
    }


def _has_breakdowns(con) -> bool:
    found = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'scorecard'"
        " and ((table_name = 'kpis' and column_name = 'breakdowns')"
        " or (table_name = 'kpi_breakdowns' and column_name = 'contribution'))"
    ).fetchone()[0]
    return found == 2


def _kpis(con, breakdowns: bool) -> list[dict]:
    # decimals and currency as published, so the page shows what BI sees
    kpis = _rows(
        con,
        "select kpi_id as id, name, description, objective_id as objective, perspective, type,"
        " unit, direction, owner, actions, decimals, currency,"
        f" {'breakdowns' if breakdowns else 'null'} as breakdowns from scorecard.kpis"
        " order by position",
    )
    for kpi in kpis:
        kpi["actions"] = kpi["actions"] or []
        kpi["breakdowns"] = kpi["breakdowns"] or []
    return kpis


def _has_table(con, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'scorecard' and table_name = ?",
            [name],
        ).fetchone()[0]
    )


def _comments(con) -> dict:
    """{kpi_id: [comment]}: every published comment with its period, newest period first (the
    page shows those about the selected period). Texts are data: the page shows them as text."""
    out: dict = {}
    for row in _rows(
        con,
        "select kpi_id, grain, period_start as start, period_end as end, author, text,"
        " written_on from scorecard.kpi_comments"
        " order by kpi_id, period_start desc, period_end, author, source_name",
    ):
        out.setdefault(row.pop("kpi_id"), []).append(row)
    return out


def _open_actions(con) -> dict:
    """{kpi_id: [action]}: the open actions of the action sheets (open or in progress), the
    soonest due first; `overdue` as published for the run date."""
    out: dict = {}
    for row in _rows(
        con,
        "select kpi_id, action, owner, due_date as due, status, is_overdue as overdue"
        " from scorecard.kpi_actions where is_open"
        " order by kpi_id, due_date, action, source_name",
    ):
        out.setdefault(row.pop("kpi_id"), []).append(row)
    return out


def _periods(con) -> dict:
    rows = _rows(
        con,
        # a period is provisional when any KPI is (each KPI within its own sources' lookback)
        "select grain, period_start as start, max(period_end) as end,"
        " bool_or(is_complete) as complete, bool_or(is_provisional) as provisional"
        " from scorecard.kpi_values where list_contains(?, grain)"
        " group by grain, period_start order by grain, start",
        [list(REPORT_GRAINS)],
    )
    out = {}
    for grain in REPORT_GRAINS:
        periods = [{k: r[k] for k in r if k != "grain"} for r in rows if r["grain"] == grain]
        if not periods:
            continue
        complete = [i for i, p in enumerate(periods) if p["complete"]]
        # latest complete period by default: a half-finished month would mislead
        out[grain] = {"periods": periods, "default": complete[-1] if complete else len(periods) - 1}
    return out


def _columns(con, table: str, key: str, fields: dict, periods: dict, index: dict) -> dict:
    """{grain: {key: {field: [value per period]}}} for one published table.
    Table, key and column names are this module's constants, never config values."""
    selected = ", ".join(f"{column} as {name}" for name, column in fields.items())
    rows = con.execute(
        f"select {key} as key, grain, period_start, {selected} from scorecard.{table}"
        " where list_contains(?, grain)",
        [list(periods)],
    ).fetchall()
    out: dict = {grain: {} for grain in periods}
    for key_value, grain, start, *values in rows:
        series = out[grain].get(key_value)
        if series is None:
            length = len(periods[grain]["periods"])
            series = out[grain][key_value] = {name: [None] * length for name in fields}
        i = index[(grain, start.isoformat())]
        complete = periods[grain]["periods"][i]["complete"]
        for name, value in zip(fields, values, strict=True):
            if not (complete and name in PACE_FIELDS):
                series[name][i] = _json_value(value)
    return out


def _breakdowns(con, periods: dict, index: dict) -> dict:
    """{grain: {kpi_id: {dimension: {member: {field: [value per period]}}}}}, only for the KPIs
    published by a dimension; a member without a row in a period has nulls there."""
    selected = ", ".join(f"{column}" for column in BREAKDOWN_FIELDS.values())
    rows = con.execute(
        f"select kpi_id, grain, period_start, dimension, member, {selected}"
        " from scorecard.kpi_breakdowns where list_contains(?, grain)"
        " order by kpi_id, dimension, member",
        [list(periods)],
    ).fetchall()
    out: dict = {grain: {} for grain in periods}
    for kpi_id, grain, start, dimension, member, *values in rows:
        i = index.get((grain, start.isoformat()))
        if i is None:  # a period the KPI values do not have: the page cannot select it
            continue
        members = out[grain].setdefault(kpi_id, {}).setdefault(dimension, {})
        series = members.get(member)
        if series is None:
            length = len(periods[grain]["periods"])
            series = members[member] = {name: [None] * length for name in BREAKDOWN_FIELDS}
        for name, value in zip(BREAKDOWN_FIELDS, values, strict=True):
            series[name][i] = _json_value(value)
    return out


def _rows(con, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [
        {n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
    ]


def _json_value(value):
    if isinstance(value, Decimal):  # a table built outside dbt's contracts may hold decimals
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value
