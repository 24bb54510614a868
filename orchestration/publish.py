"""Publish: write the ★ tables to a new serving file and swap it in with one atomic rename.

BI tools read only the serving file, never the working warehouse, so they never hold a lock the
pipeline needs and never see half a publish (DESIGN §7). A failed gate never gets here.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors.atomic import replacing

SCHEMA = "scorecard"
STATUS_CHANGES = "status_changes"


@dataclass(frozen=True)
class PublishedTable:
    """A published table: its name (in schema `scorecard` for the ★ tables), the mart it is
    copied from, its row order, and its schema in the serving file."""

    name: str
    model: str
    relation: str  # schema.table in the warehouse
    order_by: str  # a stable row order: two publishes of the same data are identical
    # `scorecard`, or `provenance` for the lineage `scorecard explain` reads (decision 54):
    # it names landing batches, so it stays out of the schema every target copies
    schema: str = SCHEMA

    @property
    def qualified(self) -> str:
        """Its name in publish_log.rows: bare for the ★ tables, schema-qualified otherwise."""
        return self.name if self.schema == SCHEMA else f"{self.schema}.{self.name}"


def published_tables(manifest: Path | None = None) -> list[PublishedTable]:
    """The published tables as the marts declare them in dbt (`meta.published_as`, with
    `published_position`, `published_order_by` and optionally `published_schema`), read from
    the project's manifest: the one list of what is published."""
    if manifest is None:
        from orchestration.assets.warehouse import prepare_manifest

        manifest = prepare_manifest()
    path = Path(manifest)
    return _declared(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _declared(manifest: Path, stamp: int) -> list[PublishedTable]:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    tables = []
    for node in nodes:
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if node.get("resource_type") == "model" and meta.get("published_as"):
            tables.append(
                (
                    int(meta["published_position"]),
                    PublishedTable(
                        name=meta["published_as"],
                        model=node["name"],
                        relation=f"{node['schema']}.{node['alias'] or node['name']}",
                        order_by=meta["published_order_by"],
                        schema=meta.get("published_schema", SCHEMA),
                    ),
                )
            )
    if not tables:
        raise RuntimeError(f"{manifest} declares no published table (meta.published_as)")
    return [table for _, table in sorted(tables, key=lambda t: t[0])]


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
    source_freshness map(varchar, timestamptz),
    engine varchar
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
    engine: str = "duckdb",
) -> PublishResult:
    serving = Path(serving)
    serving.parent.mkdir(parents=True, exist_ok=True)
    # leftovers of a publish that was killed mid-write (publishes hold the warehouse lock)
    for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
        stale.unlink(missing_ok=True)
    tables = published_tables()
    published_at = datetime.now(UTC)
    rows: dict[str, int] = {}
    history = _previous(serving, "publish_log", "select * from {t} order by published_at")
    changes = _previous(
        serving,
        STATUS_CHANGES,
        "select kpi_id, grain, period_start, previous_status, status, first_published_at from {t}",
    )
    tmp_file = serving.with_name(f".{serving.name}.{run_id}.tmp")
    try:
        # the swap at the end: readers see the old file or the new one, never a mix
        with (
            replacing(serving, tmp=tmp_file) as tmp,
            duckdb.connect(str(warehouse), read_only=True) as source,
            duckdb.connect(str(tmp)) as target,
        ):
            for schema in dict.fromkeys([SCHEMA, *(t.schema for t in tables)]):
                target.execute(f"create schema {schema}")
            for table in tables:
                # names and orders come from the dbt project's metadata, never from config
                query = f"select * from {table.relation} order by {table.order_by}"
                data = source.sql(query).to_arrow_table()
                target.register("published_rows", data)
                target.execute(
                    f"create table {table.schema}.{table.name} as select * from published_rows"
                )
                target.unregister("published_rows")
                rows[table.qualified] = data.num_rows
            if STATUS_CHANGES in rows:
                _carry_first_published(target, changes, published_at)
            target.execute(PUBLISH_LOG_DDL)
            if history is not None:
                target.register("history", history)
                # by name: a log written before a column was added (`engine`) still loads;
                # the publishes before `engine` existed were all built by DuckDB
                target.execute(f"insert into {SCHEMA}.publish_log by name select * from history")
                target.execute(
                    f"update {SCHEMA}.publish_log set engine = 'duckdb' where engine is null"
                )
                target.unregister("history")
            rows["publish_log"] = (history.num_rows if history is not None else 0) + 1
            target.execute(
                f"insert into {SCHEMA}.publish_log values "
                "(?, ?, ?, ?, 'published', ?, ?, map(?::varchar[], ?::bigint[]),"
                " map(?::varchar[], ?::timestamptz[]), ?)",
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
                    engine,
                ],
            )
            target.execute("checkpoint")
    finally:
        Path(f"{tmp_file}.wal").unlink(missing_ok=True)
    return PublishResult(serving, rows, published_at)


def _previous(serving: Path, table: str, query: str):
    """A table of the current serving file as Arrow (None on the first publish, or when that
    publish had no such table yet)."""
    if not serving.exists():
        return None
    with duckdb.connect(str(serving), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchall()[0][0]
        if not exists:
            return None
        return con.sql(query.format(t=f"{SCHEMA}.{table}")).to_arrow_table()


def _carry_first_published(target, previous, published_at: datetime) -> None:
    """A status change keeps the moment it was first published while it stays the same change
    (same period, same statuses); a new or restated one is published now."""
    table = f"{SCHEMA}.{STATUS_CHANGES}"
    if previous is not None:
        target.register("previous_changes", previous)
        target.execute(
            f"update {table} as c set first_published_at = p.first_published_at"
            " from previous_changes as p"
            " where p.kpi_id = c.kpi_id and p.grain = c.grain and p.period_start = c.period_start"
            " and p.previous_status = c.previous_status and p.status = c.status"
        )
        target.unregister("previous_changes")
    target.execute(
        f"update {table} set first_published_at = ? where first_published_at is null",
        [published_at],
    )
