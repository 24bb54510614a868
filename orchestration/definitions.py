"""Dagster code location: `dagster dev -m orchestration.definitions`."""

from orchestration.defs import build_definitions, load_for_dagster

config, demo = load_for_dagster()
defs = build_definitions(config, demo=demo)
