"""Publish the scorecard beyond the serving file: Parquet files and PostgreSQL.

Both copy the tables of the serving file just published, so every target holds the same rows.
Parquet files are each written to a temporary name and renamed. PostgreSQL gets the tables in a
fresh schema first; one short transaction then replaces schema `scorecard` with it: a reader
sees the old scorecard or the new one, never a mix.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from connectors.atomic import replacing
from orchestration.publish import SCHEMA

PG_TYPES = {
    "VARCHAR": "text",
    "DATE": "date",
    "DOUBLE": "double precision",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "VARCHAR[]": "text[]",
}


def serving_tables(serving: Path) -> list[str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?"
                " order by table_name",
                [SCHEMA],
            ).fetchall()
        ]


def publish_parquet(serving: Path, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    with duckdb.connect(str(serving), read_only=True) as con:
        for name in serving_tables(serving):
            table = con.sql(f"select * from {SCHEMA}.{name}").to_arrow_table()
            with replacing(folder / f"{name}.parquet") as tmp:
                pq.write_table(table, tmp, compression="zstd")
            rows[name] = table.num_rows
    return rows


def publish_live(serving: Path, live: Path, run_id: str) -> dict[str, int]:
    """A DuckDB file of views over the newest Parquet copy of the scorecard (decision 64).

    A DuckDB connection keeps reading the file it opened: a BI server holding one to the
    serving file shows the old scorecard after a publish replaced it. The views here read
    `<live>.versions/current/<table>.parquet` at every query, and `current` is a symlink swapped
    in one rename after each publish has written its own folder: an open connection reads the
    new scorecard with its next query. The views file itself is rewritten only when the set of
    tables changes (through a rename, so a connection to the old one keeps working).
    """
    live = live.resolve()
    versions = live.with_name(f"{live.name}.versions")
    folder = versions / run_id
    rows = publish_parquet(serving, folder)
    current = versions / "current"
    pointer = versions / f".current.{run_id}"
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(folder.name, target_is_directory=True)
    previous = current.resolve() if current.is_symlink() else None
    pointer.replace(current)  # the swap: a query opens the old folder's files or the new one's
    tables = sorted(rows)
    if _view_tables(live) != tables:
        with replacing(live) as tmp, duckdb.connect(str(tmp)) as con:
            con.execute(f"create schema {SCHEMA}")
            for name in tables:
                # a path, not a value: DuckDB cannot bind parameters in a view's definition
                path = (current / f"{name}.parquet").as_posix().replace("'", "''")
                con.execute(f"create view {SCHEMA}.{name} as select * from read_parquet('{path}')")
    # keep the folder just replaced (a query may still be reading it), remove older ones
    for old in versions.iterdir():
        if old.is_dir() and not old.is_symlink() and old not in (folder, previous):
            shutil.rmtree(old, ignore_errors=True)
    return rows


def _view_tables(live: Path) -> list[str] | None:
    if not live.exists():
        return None
    try:
        with duckdb.connect(str(live), read_only=True) as con:
            return [
                r[0]
                for r in con.execute(
                    "select view_name from duckdb_views() where schema_name = ?"
                    " and not internal order by view_name",
                    [SCHEMA],
                ).fetchall()
            ]
    except duckdb.Error:  # not a views file we wrote: write ours over it
        return None


SWAP_ATTEMPTS = 5


def publish_postgres(serving: Path, url: str, comments: dict[str, dict]) -> dict[str, int]:
    """Replace schema `scorecard` in PostgreSQL with the serving file's tables, atomically.

    The tables are loaded into `scorecard_next` first (readers never look there); then one
    short transaction drops `scorecard` and renames `scorecard_next` into its place. A reader
    that holds one old table while asking for another can deadlock with that swap, and
    PostgreSQL then aborts one side: when it is the swap, it is simply tried again.
    """
    import psycopg
    from psycopg import sql

    staging = f"{SCHEMA}_next"
    with (
        duckdb.connect(str(serving), read_only=True) as source,
        psycopg.connect(url, connect_timeout=30) as pg,
    ):
        # one publisher at a time, across processes (the lock ends with the session)
        pg.execute("select pg_advisory_lock(hashtext('marketing_scorecard_publish'))")
        with pg.transaction(), pg.cursor() as cur:
            rows = _load(cur, source, serving, staging, comments)
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                with pg.transaction(), pg.cursor() as cur:
                    # a long BI query must not hold the swap (and the run) for ever
                    cur.execute("set local lock_timeout = '30s'")
                    cur.execute(
                        sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(SCHEMA))
                    )
                    cur.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(staging), sql.Identifier(SCHEMA)
                        )
                    )
                break
            except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
                if attempt == SWAP_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
    return rows


def _load(cur, source, serving: Path, staging: str, comments: dict[str, dict]) -> dict[str, int]:
    """Every serving table into schema `staging`, with comments from the dbt docs."""
    from psycopg import sql

    rows = {}
    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(staging)))
    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(staging)))
    for name in serving_tables(serving):
        columns = source.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [SCHEMA, name],
        ).fetchall()
        target = sql.Identifier(staging, name)
        cur.execute(
            sql.SQL("create table {} ({})").format(
                target,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t)))
                    for c, t in columns
                ),
            )
        )
        data = source.execute(f"select * from {SCHEMA}.{name}").fetchall()
        with cur.copy(
            sql.SQL("copy {} ({}) from stdin").format(
                target, sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns)
            )
        ) as copy:
            for row in data:
                copy.write_row([_pg_value(v, t) for v, (_, t) in zip(row, columns, strict=True)])
        rows[name] = len(data)
        _comment(cur, staging, name, [c for c, _ in columns], comments.get(name, {}))
    return rows


def _pg_type(duck: str) -> str:
    if duck.startswith("MAP("):
        return "jsonb"
    return PG_TYPES.get(duck, "text")


def _pg_value(value, duck: str):
    if duck.startswith("MAP(") and value is not None:
        return json.dumps(
            {
                str(k): (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in dict(value).items()
            }
        )
    return value


def _comment(cur, schema: str, table: str, columns: list[str], docs: dict) -> None:
    from psycopg import sql

    if docs.get("description"):
        cur.execute(
            sql.SQL("comment on table {} is {}").format(
                sql.Identifier(schema, table), sql.Literal(docs["description"])
            )
        )
    for column in columns:
        text = docs.get("columns", {}).get(column)
        if text:
            cur.execute(
                sql.SQL("comment on column {} is {}").format(
                    sql.Identifier(schema, table, column), sql.Literal(text)
                )
            )


def dbt_docs(manifest: Path, published) -> dict[str, dict]:
    """Descriptions of the published tables and their columns, from the dbt manifest."""
    if not manifest.exists():
        return {}
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    by_model = {n["name"]: n for n in nodes.values() if n.get("resource_type") == "model"}
    docs = {}
    for table in published:
        node = by_model.get(table.model, {})
        docs[table.name] = {
            "description": node.get("description", "").strip(),
            "columns": {
                c: (meta.get("description") or "").strip()
                for c, meta in node.get("columns", {}).items()
            },
        }
    return docs
