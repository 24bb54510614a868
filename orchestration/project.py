"""Where the project's own files live (the dbt project sits beside the Python packages)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
METRIC_REGISTRY_SEED = DBT_PROJECT_DIR / "seeds" / "metric_registry.csv"
DEMO_DIR = Path(__file__).resolve().parent / "demo"
