"""Publish: write the ★ tables to a new serving file and swap it in with one atomic rename.

BI tools read only the serving file, never the working warehouse, so they never hold a lock the
pipeline needs and never see half a publish (DESIGN §7). A failed gate never gets here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

SCHEMA = "scorecard"
# published table -> the dbt model it is copied from (schema.table in the warehouse)
PUBLISHED_TABLES = {
    "kpis": "marts.dim_kpis",
    "objectives": "marts.dim_objectives",
    "perspectives": "marts.dim_perspectives",
    "kpi_values": "marts.fct_kpi_values",
    "perspective_scores": "marts.fct_perspective_scores",
    "objective_scores": "marts.fct_objective_scores",
    "overall_scores": "marts.fct_overall_scores",
    "metric_values": "marts.fct_metric_values",
    "latest": "marts.fct_kpi_latest",
}
# a stable row order makes two publishes of the same data identical table by table
ORDER_BY = {
    "kpis": "position",
    "objectives": "perspective_position, position",
    "perspectives": "position",
    "kpi_values": "kpi_id, grain, period_start",
    "perspective_scores": "perspective, grain, period_start",
    "objective_scores": "objective_id, grain, period_start",
    "overall_scores": "grain, period_start",
    "metric_values": "metric_id, grain, period_start",
    "latest": "kpi_id, grain",
}
PUBLISH_LOG_DDL = f"""
create table {SCHEMA}.publish_log (
    run_id varchar not null,
    published_at timestamptz not null,
    run_date date,
    framework varchar,
    status varchar,
    checks_passed integer,
    checks_failed integer,
    rows map(varchar, bigint),
    source_freshness map(varchar, timestamptz)
)
"""


@dataclass
class PublishResult:
    path: Path
    rows: dict[str, int]
    published_at: datetime


def publish(
    warehouse: Path,
    serving: Path,
    *,
    run_id: str,
    run_date,
    framework: str,
    checks_passed: int,
    checks_failed: int,
    source_freshness: dict[str, datetime],
) -> PublishResult:
    serving = Path(serving)
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{run_id}.tmp")
    # leftovers of a publish that was killed mid-write (publishes hold the warehouse lock)
    for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    published_at = datetime.now(UTC)
    rows: dict[str, int] = {}
    history = _previous_log(serving)
    try:
        with (
            duckdb.connect(str(warehouse), read_only=True) as source,
            duckdb.connect(str(tmp)) as target,
        ):
            target.execute(f"create schema {SCHEMA}")
            for name, model in PUBLISHED_TABLES.items():
                # table names are constants of this module, never config values
                query = f"select * from {model} order by {ORDER_BY[name]}"
                data = source.sql(query).to_arrow_table()
                target.register("published_rows", data)
                target.execute(f"create table {SCHEMA}.{name} as select * from published_rows")
                target.unregister("published_rows")
                rows[name] = data.num_rows
            target.execute(PUBLISH_LOG_DDL)
            if history is not None:
                target.register("history", history)
                target.execute(f"insert into {SCHEMA}.publish_log select * from history")
                target.unregister("history")
            rows["publish_log"] = (history.num_rows if history is not None else 0) + 1
            target.execute(
                f"insert into {SCHEMA}.publish_log values "
                "(?, ?, ?, ?, 'published', ?, ?, map(?::varchar[], ?::bigint[]),"
                " map(?::varchar[], ?::timestamptz[]))",
                [
                    run_id,
                    published_at,
                    run_date,
                    framework,
                    checks_passed,
                    checks_failed,
                    list(rows),
                    list(rows.values()),
                    list(source_freshness),
                    list(source_freshness.values()),
                ],
            )
            target.execute("checkpoint")
        # the swap: readers see the old file or the new one, never a mix
        os.replace(tmp, serving)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return PublishResult(serving, rows, published_at)


def _previous_log(serving: Path):
    """Earlier publish_log rows, carried into the new file (None on the first publish)."""
    if not serving.exists():
        return None
    with duckdb.connect(str(serving), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = 'publish_log'",
            [SCHEMA],
        ).fetchall()[0][0]
        if not exists:
            return None
        return con.sql(f"select * from {SCHEMA}.publish_log order by published_at").to_arrow_table()
