"""What the pipeline relies on beneath its pinned libraries' public APIs, gathered in one place.

Each item names what it buys, and `tests/orchestration/test_compat.py` fails when an upgrade
of the library changes what it relies on. Kept only where it is worth it; what was worth less
than a second, or had a public way (cron validation through `ScheduleDefinition`), was dropped.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import os
import sys
from collections.abc import Sequence
from functools import cached_property

from packaging import version

# dagster's step-execution logger: it warns that a check "emitted no result in step" when the
# dbt step skipped its build because nothing changed (decision 29); the runner filters exactly
# that warning on such runs, so the logger must be this one
DAGSTER_STEP_LOGGER = "dagster._core.execution.plan.active"
NO_RESULT_WARNING = "emitted no result in step"


@functools.cache
def dbt_cli_without_startup_work() -> type:
    """dagster-dbt's CLI resource without two pieces of start-up work a run does not need.

    Measured at S = 100 (docs/benchmarks.md, "Start-up work, ..."): `dbt --version` in a new
    process before every invocation (≈ 2 s, to tell dbt-core from dbt Fusion), and building a
    dbt adapter in this process (≈ 1.4 s of CPU) for `fetch_row_counts` /
    `fetch_column_metadata`, which the pipeline never calls. Both are private methods of
    dagster-dbt 0.29 (`_cli_version`, `_initialize_dbt_core_adapter`). Made on first use, so
    commands that never run dbt never import dagster-dbt.
    """
    from dagster_dbt import DbtCliResource

    class DbtCliWithoutStartupWork(DbtCliResource):
        # the dbt-core entry point installed beside this Python, whose version needs no process
        local_dbt: str = ""

        @cached_property
        def _cli_version(self) -> version.Version:
            if self.local_dbt and self.dbt_executable == self.local_dbt:
                return version.parse(importlib.metadata.version("dbt-core"))
            return super()._cli_version

        def _initialize_dbt_core_adapter(self, args: Sequence[str]):
            return None

    return DbtCliWithoutStartupWork


def leave_without_teardown(code: int) -> None:
    """Exit after running the exit handlers (they release multiprocessing semaphores and flush
    logs) but without interpreter teardown, where DuckDB's native objects still referenced make
    its bindings print spurious leak reports into a clean run's output. `atexit` has no public
    way to run its handlers early."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
