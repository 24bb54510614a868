"""One writer at a time on the warehouse, also across processes (CLI run vs. UI run)."""

from __future__ import annotations

import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from orchestration.run_context import WarehouseBusy, warehouse_lock

HOLDER = """
import fcntl, sys, time
with open(sys.argv[1], "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_process_waits_for_the_warehouse(tmp_path):
    config = SimpleNamespace(paths=SimpleNamespace(warehouse=tmp_path / "w.duckdb"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, f"{config.paths.warehouse}.lock", "1.5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(WarehouseBusy, match="another run has held"),
        warehouse_lock(config, timeout=0.3),
    ):
        pass
    started = time.monotonic()
    with warehouse_lock(config, timeout=10):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5  # it waited for the other process instead of colliding
