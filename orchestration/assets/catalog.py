"""The catalog asset: scorecard.yml's KPIs, targets and maps as typed tables for dbt."""

import dagster as dg

from orchestration.config.catalog import write_catalog
from orchestration.run_context import RunOptions

CATALOG_KEY = dg.AssetKey(["config", "catalog"])


def catalog_dir(config):
    return config.paths.artifacts_dir / "config"


def build_catalog_asset(config) -> dg.AssetsDefinition:
    @dg.asset(
        key=CATALOG_KEY,
        group_name="config",
        kinds={"parquet"},
        description="KPIs, objectives, targets, metric maps and the run context, written as data "
        "so that no config value is ever pasted into SQL.",
    )
    def catalog(context: dg.AssetExecutionContext, run_options: RunOptions):
        counts = write_catalog(
            config,
            catalog_dir(config),
            run_id=context.run.run_id,
            run_date=run_options.run_date(config),
        )
        return dg.MaterializeResult(metadata={f"{k}_rows": v for k, v in counts.items()})

    return catalog
