"""dbt's own unit tests (hand-computed KPI cases, see the models' yml) against a fresh warehouse.

The project is first built with `--empty` on landing that holds only the typed schema files:
that also proves a scorecard with no data yet builds cleanly.
"""

from __future__ import annotations

import os
import re

from connectors import registry
from connectors.landing import LandingStore
from orchestration.assets.warehouse import dbt_environment
from orchestration.config import load_config
from orchestration.config.catalog import write_catalog
from tests.conftest import AS_OF, DEMO_DIR
from tests.dbt import dbt


def test_dbt_unit_tests_pass(tmp_path):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=tmp_path)
    store = LandingStore(config.paths.landing)
    for connector in registry().values():
        for stream in connector.streams:
            store.ensure_schema_file(stream)
    write_catalog(config, config.paths.artifacts_dir / "config", run_id="unit", run_date=AS_OF)
    env = {**os.environ, **dbt_environment(config)}
    config.paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    built = dbt("build", "--empty", "--exclude-resource-type", "unit_test", env=env)
    assert built.returncode == 0, built.stdout[-3000:]
    result = dbt("test", "--select", "test_type:unit", env=env)
    assert result.returncode == 0, result.stdout[-5000:]
    summary = re.search(r"PASS=(\d+) WARN=\d+ ERROR=(\d+)", result.stdout)
    assert summary and int(summary.group(1)) >= 12 and summary.group(2) == "0", result.stdout[
        -2000:
    ]
