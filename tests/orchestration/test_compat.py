"""What orchestration/compat.py relies on beneath the pinned libraries' public APIs. Each test
fails when an upgrade changes it, before a run would silently pay for it or misbehave."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

from orchestration.compat import (
    DAGSTER_STEP_LOGGER,
    NO_RESULT_WARNING,
    dbt_cli_without_startup_work,
)


def test_dagster_dbt_still_has_the_two_start_up_methods_its_cli_calls():
    from dagster_dbt import DbtCliResource

    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source and "self._initialize_dbt_core_adapter(" in source
    assert issubclass(dbt_cli_without_startup_work(), DbtCliResource)


def test_the_step_logger_still_warns_of_checks_that_emitted_no_result():
    module = importlib.import_module(DAGSTER_STEP_LOGGER)
    source = inspect.getsource(module)
    assert "logging.getLogger(__name__)" in source
    assert NO_RESULT_WARNING in source.replace('"\n                    f"', "")


def test_leaving_without_teardown_still_runs_the_exit_handlers():
    code = (
        "import atexit\n"
        "from orchestration.compat import leave_without_teardown\n"
        "atexit.register(lambda: print('exit handler ran', flush=True))\n"
        "leave_without_teardown(3)\n"
        "print('not reached')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3
    assert result.stdout == "exit handler ran\n"
