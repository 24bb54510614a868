"""Shared helpers: run the real `scorecard` command in a scratch folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
SCORECARD = Path(sys.executable).parent / "scorecard"
# A fixed run date keeps every run's periods, completeness and values reproducible.
AS_OF = date(2026, 11, 23)
# the demo's KPIs (orchestration/demo/balanced_scorecard.yml), two of them a campaign's
DEMO_KPIS = 25
DEMO_DIR = REPO / "orchestration" / "demo"
STAR_TABLES = {
    "kpis",
    "objectives",
    "kpi_values",
    "perspective_scores",
    "objective_scores",
    "overall_scores",
    "metric_values",
    "latest",
    "publish_log",
    "metric_breakdowns",
    "kpi_breakdowns",
    "social_posts",
    "kpi_comments",
    "kpi_actions",
    "status_changes",
}


def pytest_configure(config):
    """pytest-xdist hands tests out in chunks of many by default (`--dist load`): a chunk of
    end-to-end tests given to one worker early leaves the other idle at the end. One test at a
    time (its `--maxschedchunk 1`), the slow tests first: whichever worker is free takes the
    next one, and the quick ones even out the finish. An explicit --maxschedchunk wins."""
    if getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(config, items):
    """The slow (end-to-end) tests first, each group in collection order: see pytest_configure.
    The Spark engine's test (two Spark builds, the longest by far) goes first of all, so the
    other worker runs everything else meanwhile instead of waiting for it at the end."""
    items.sort(
        key=lambda item: (item.get_closest_marker("slow") is None, item.path.parent.name != "spark")
    )


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: int = 600):
    """The real command line in a fresh process: what a user or the scheduler runs."""
    environment = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    environment.update(env or {})
    return subprocess.run(
        [str(SCORECARD), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_local(root: Path, as_of: str, secrets: dict[str, str]):
    """`scorecard run --as-of` whose API sources talk to local servers, with their secrets in
    the environment (as a scheduler provides them) and no proxy in the way."""
    return run_cli(
        "run", "--as-of", as_of, cwd=root, env={**secrets, "NO_PROXY": "127.0.0.1,localhost"}
    )


def newest_run(root: Path) -> Path:
    """The run folder of the demo workspace's newest run (inputs, reports, dbt results)."""
    runs = (root / "data/demo/artifacts/runs").iterdir()
    return max(runs, key=lambda p: p.stat().st_mtime)


def published_tables(serving: Path) -> dict[str, list[tuple]]:
    """Every published table's rows, in a stable order (publish_log and the moment a status
    change was first published left out: they say when, not what)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'scorecard' and table_name <> 'publish_log'"
                " order by table_name"
            ).fetchall()
        ]
        return {
            n: con.execute(
                f"select * {'exclude (first_published_at)' if n == 'status_changes' else ''}"
                f" from scorecard.{n} order by all"
            ).fetchall()
            for n in names
        }


def _once_per_session(
    tmp_path_factory, name: str, build: Callable[[Path], subprocess.CompletedProcess]
) -> tuple[Path, subprocess.CompletedProcess]:
    """A workspace built once for the whole test session: under pytest-xdist each worker has
    its own session fixtures, so the first worker to ask builds it (the others wait on a file
    lock) in the session's shared temporary folder, and every worker reads the same one."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder all workers' temporary folders are in
    workspace, record = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if not record.exists():
            shutil.rmtree(workspace, ignore_errors=True)  # a build that died half-way
            workspace.mkdir()
            result = build(workspace)
            record.write_text(
                json.dumps(
                    {
                        "args": result.args,
                        "returncode": result.returncode,
                        "stdout": result.stdout,
                        "stderr": result.stderr,
                    }
                ),
                encoding="utf-8",
            )
        return workspace, subprocess.CompletedProcess(
            **json.loads(record.read_text(encoding="utf-8"))
        )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One demo run shared by the read-only end-to-end tests (and copied by `demo_copy`)."""
    return _once_per_session(
        tmp_path_factory,
        "demo",
        lambda workspace: run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=workspace),
    )


@pytest.fixture(scope="session")
def social_run(tmp_path_factory):
    """One run of the Social Media Scorecard demo, shared by the tests that read it."""
    return _once_per_session(
        tmp_path_factory,
        "social",
        lambda workspace: run_cli(
            "run",
            "--demo",
            "--config",
            str(DEMO_DIR / "social_media_scorecard.yml"),
            "--as-of",
            AS_OF.isoformat(),
            cwd=workspace,
        ),
    )


@pytest.fixture
def demo_copy(demo_run, tmp_path):
    """A private copy of the demo workspace for tests that change it."""
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr
    target = tmp_path / "demo"
    shutil.copytree(workspace, target)
    return target


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on loopback (tests/services/install.sh installs it)."""
    from tests.services.postgres import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()
