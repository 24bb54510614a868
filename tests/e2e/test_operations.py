"""Operations end to end: PostgreSQL and Parquet publishing (a real server), backfill
equivalence, and the failure alert to a webhook."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
import pyarrow.parquet as pq
import pytest
import requests

from tests.conftest import AS_OF, DEMO_DIR, REPO, published_tables, run_cli
from tests.services.postgres import free_port

pytestmark = pytest.mark.slow
SERVING = "data/demo/serving.duckdb"


def demo_config(root, *, start="2024-01-01", extra=""):
    text = (DEMO_DIR / "balanced_scorecard.yml").read_text(encoding="utf-8")
    text = text.replace("start_date: 2024-01-01", f"start_date: {start}")
    text = text.replace(
        "publish:\n  duckdb: data/demo/serving.duckdb\n",
        "publish:\n  duckdb: data/demo/serving.duckdb\n" + extra,
    )
    (root / "scorecard.yml").write_text(text, encoding="utf-8")


def run(root, *args, env=None, command="run"):
    return run_cli(command, "--demo", "--config", "scorecard.yml", *args, cwd=root, env=env)


def pg_rows(url, table):
    with psycopg.connect(url) as con:
        return sorted(tuple(r) for r in con.execute(f"select * from scorecard.{table}").fetchall())


def test_postgres_and_parquet_hold_the_serving_tables_and_readers_never_see_half(
    demo_copy, postgres
):
    demo_config(
        demo_copy, extra="  parquet: data/demo/published\n  postgres: env:SCORECARD_TEST_PG\n"
    )
    env = {"SCORECARD_TEST_PG": postgres.url}
    first = run(demo_copy, "--as-of", AS_OF.isoformat(), env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert postgres.url not in first.stdout + first.stderr
    serving = published_tables(demo_copy / SERVING)
    for table, rows in serving.items():
        in_pg = pg_rows(postgres.url, table)
        assert len(in_pg) == len(rows), table
        parquet = pq.read_table(demo_copy / "data/demo/published" / f"{table}.parquet")
        assert parquet.num_rows == len(rows), table
    kpis = {r[0]: r for r in pg_rows(postgres.url, "kpis")}
    assert set(kpis) == {r[0] for r in serving["kpis"]}
    values = {(r[0], r[1], str(r[2])): r[4] for r in pg_rows(postgres.url, "kpi_values")}
    for row in serving["kpi_values"][:500]:
        assert values[(row[0], row[1], str(row[2]))] == row[4]
    with psycopg.connect(postgres.url) as con:
        comment = con.execute(
            "select obj_description('scorecard.kpi_values'::regclass)"
        ).fetchone()[0]
        column = con.execute(
            "select col_description('scorecard.kpi_values'::regclass, attnum) from pg_attribute"
            " where attrelid = 'scorecard.kpi_values'::regclass and attname = 'status'"
        ).fetchone()[0]
    assert ("KPI" in comment and column is None) or "status" not in (column or "x")

    # the example queries of docs/bi.md run as they are in PostgreSQL
    import re
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs/bi.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", docs, re.S)
    with psycopg.connect(postgres.url) as con:
        for query in queries:
            if "provenance." in query:  # lineage stays in the DuckDB file (docs/bi.md says so)
                continue
            query = query.replace("interval 11 month", "interval '11 months'")
            assert con.execute(query).fetchall(), query
    with duckdb.connect(str(demo_copy / SERVING), read_only=True) as con:
        for query in (q for q in queries if "provenance." in q):
            assert con.execute(query).fetchall(), query

    # a reader querying PostgreSQL while two more runs publish sees whole publishes only
    errors, reads, stop = [], [0], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with psycopg.connect(postgres.url) as con:
                    logged = con.execute(
                        "select rows from scorecard.publish_log order by published_at desc limit 1"
                    ).fetchone()[0]
                    actual = con.execute("select count(*) from scorecard.kpi_values").fetchone()[0]
                if logged["kpi_values"] != actual:
                    errors.append((logged["kpi_values"], actual))
                reads[0] += 1
            except psycopg.errors.UndefinedTable:
                errors.append("the scorecard schema was missing")
            except Exception as e:
                errors.append(repr(e))
            time.sleep(0.02)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(2):
            # nothing new would find the scorecard up to date (decision 29): force publishes
            again = run(demo_copy, "--full-refresh", "--as-of", AS_OF.isoformat(), env=env)
            assert again.returncode == 0, again.stderr[-3000:]
    finally:
        stop.set()
        thread.join()
    assert errors == [] and reads[0] > 20
    with psycopg.connect(postgres.url) as con:
        assert con.execute("select count(*) from scorecard.publish_log").fetchone()[0] == 4


def test_a_backfill_publishes_what_a_fresh_full_run_publishes(tmp_path):
    fresh, backfilled = tmp_path / "fresh", tmp_path / "backfilled"
    for root in (fresh, backfilled):
        root.mkdir()
    demo_config(fresh, start="2026-06-01")
    assert run(fresh, "--as-of", AS_OF.isoformat()).returncode == 0
    # a project that started later, then backfills the months before
    demo_config(backfilled, start="2026-09-01")
    assert run(backfilled, "--as-of", AS_OF.isoformat()).returncode == 0
    demo_config(backfilled, start="2026-06-01")
    args = (
        "--start",
        "2026-06-01",
        "--end",
        (AS_OF.replace(day=22)).isoformat(),
        "--as-of",
        AS_OF.isoformat(),
    )
    first = run(backfilled, *args, command="backfill")
    assert first.returncode == 0, first.stderr[-3000:]
    expected = published_tables(fresh / SERVING)
    assert published_tables(backfilled / SERVING) == expected
    # the same backfill again, launched as the UI's launchpad launches it (GraphQL, against a
    # real webserver loading the code location): idempotent, and the same as the CLI's
    with webserver(backfilled) as client:
        run_id = client.submit_job_execution(
            "scorecard_backfill",
            run_config={
                "resources": {
                    "run_options": {
                        "config": {
                            "full_refresh": True,
                            "backfill_start": args[1],
                            "backfill_end": args[3],
                            "as_of": args[5],
                        }
                    }
                }
            },
        )
        assert finished(client, run_id) == "SUCCESS"
    assert published_tables(backfilled / SERVING) == expected


@contextmanager
def webserver(root):
    """`dagster-webserver` on the project's code location (its config, demo sources), with an
    instance of its own; yields a GraphQL client, the API the UI itself uses."""
    from dagster_graphql import DagsterGraphQLClient

    port = free_port()
    home = root / "dagster_home"
    home.mkdir()
    # launched at once, as the UI's Launch button does with a daemon dequeuing (the queue
    # itself is the daemon's: tests/e2e/test_deploy.py runs one)
    (home / "dagster.yaml").write_text(
        (REPO / "dagster.yaml").read_text(encoding="utf-8")
        + "run_coordinator:\n  module: dagster.core.run_coordinator\n"
        "  class: DefaultRunCoordinator\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {
        "DAGSTER_HOME": str(home),
        "SCORECARD_CONFIG": str(root / "scorecard.yml"),
        "SCORECARD_DEMO": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    log = (root / "webserver.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (root / "webserver.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the webserver did not start"
            time.sleep(1)
        yield DagsterGraphQLClient("127.0.0.1", port_number=port)
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def finished(client, run_id: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id).value
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(2)
    raise AssertionError(f"run {run_id} did not finish in {timeout:.0f} s")
