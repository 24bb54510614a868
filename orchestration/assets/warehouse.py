"""The dbt project as Dagster assets, wired to the landing assets of the configured sources.

dbt reads each landing stream with one glob across all sources of a type, so a staging model
depends on every configured source of that type: the translator replaces dbt's source nodes
with those landing asset keys (and the config source with the catalog asset), which makes the
lineage one graph from extraction to publish.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from connectors import connector_for, registry
from connectors.landing import LandingStore
from expectations import gate
from orchestration import inputs
from orchestration.assets.catalog import CATALOG_KEY, catalog_dir
from orchestration.assets.landing import landing_key
from orchestration.dbt_cli import (
    connector_environment,
    connector_setup,
    dbt_project,
    dbt_resource,
    run_target,
)
from orchestration.engines import dbt_engine_environment, load_exports, prepare_export, uses_spark
from orchestration.progress import NOTICE
from orchestration.project import DBT_PROJECT_DIR
from orchestration.publish import published_tables
from orchestration.run_context import WAREHOUSE_POOL, RunFolder, RunOptions, warehouse_lock

CONFIG_SOURCE = "scorecard_config"


def warehouse_key(model: str) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", model])


class ScorecardTranslator(DagsterDbtTranslator):
    def __init__(self, config):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._landing: dict[tuple[str, str], list[dg.AssetKey]] = {}
        for source in config.sources:
            for stream in connector_for(source.type).streams:
                key = (source.type, stream.name)
                self._landing.setdefault(key, []).append(landing_key(source.name, stream.name))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(
                ["dbt_source", dbt_resource_props["source_name"], dbt_resource_props["name"]]
            )
        return warehouse_key(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "warehouse"

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        deps: dict[dg.AssetKey, dg.AssetDep] = {}
        for dep in spec.deps:
            path = dep.asset_key.path
            if path[0] != "dbt_source":
                deps[dep.asset_key] = dep
            elif path[1] == CONFIG_SOURCE:
                deps[CATALOG_KEY] = dg.AssetDep(CATALOG_KEY)
            else:
                for key in self._landing.get((path[1], path[2]), []):
                    deps[key] = dg.AssetDep(key)
        return spec.replace_attributes(deps=list(deps.values()))


class DbtBuildFailed(RuntimeError):
    pass


def plan_build(config, context, run_options: RunOptions, folder: RunFolder) -> inputs.Plan:
    """Skip when nothing changed since the last publish (`inputs.PublishInputs` decides);
    otherwise the run folder says what this build is made from and why it rebuilds — the page
    step vouches for it after a successful publish."""
    run_date = run_options.run_date(config)
    streams = inputs.published_streams(
        Path(dbt_project().manifest_path), [t.model for t in published_tables()]
    )
    publish_inputs = inputs.PublishInputs(config)
    current = publish_inputs.current(run_date=run_date, streams=streams)
    forced = bool(run_options.full_refresh or run_options.backfill_start)
    plan = publish_inputs.plan(current, run_id=context.run.run_id, forced=forced)
    if not plan.skip:
        folder.write(
            inputs.INPUTS,
            {**current, "rebuild_because": plan.rebuild_because, "full_because": plan.full_because},
        )
        context.log.info(f"rebuilding: {plan.rebuild_because}")
        return plan
    published_by = publish_inputs.recorded()["run_id"]
    serving = Path(config.publish.duckdb).resolve()
    folder.write(
        inputs.UP_TO_DATE,
        {"published_by": published_by, "serving": str(serving), "run_date": str(run_date)},
    )
    context.log.info(
        f"{NOTICE}Up to date: nothing new since run {published_by[:8]} published the "
        f"scorecard for {run_date} (same landed data, config, dbt project and code), so dbt, "
        f"the gates and the publish are skipped. The published scorecard stays at {serving}"
    )
    return plan


def dbt_results(invocation) -> dict:
    """The outcome of every dbt node of an invocation (models, tests, contracts)."""
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except Exception:  # no artifact when dbt failed before running anything
        results = []
    return {
        "results": [
            {
                "unique_id": r.get("unique_id"),
                "status": r.get("status"),
                "message": r.get("message"),
                "failures": r.get("failures"),
                # seconds: the run report and benchmarks/run.py split the build by layer
                "execution_time": r.get("execution_time"),
                # when the node ran (dbt runs two at a time: times overlap)
                **_span(r.get("timing") or []),
            }
            for r in results
        ]
    }


def _span(timing: list[dict]) -> dict:
    """From the start of a node's compile to the end of its execution (UTC, ISO)."""
    starts = [t["started_at"] for t in timing if t.get("started_at")]
    ends = [t["completed_at"] for t in timing if t.get("completed_at")]
    return {"started_at": min(starts), "completed_at": max(ends)} if starts and ends else {}


def prepare_manifest(project: DbtProject | None = None) -> Path:
    """Parse the dbt project when the manifest of this connector set (its own folder) is
    missing, or older than a file of the project or of a connector package's dbt package."""
    project = project or dbt_project()
    manifest = Path(project.manifest_path)
    folders = [DBT_PROJECT_DIR / f for f in ("models", "macros", "seeds", "tests")]
    folders += [link.resolve() for link in connector_setup().packages.iterdir()]
    sources = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    sources += [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    newest = max(p.stat().st_mtime for p in sources)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        # into the connector set's own target folder (dagster-dbt defaults to one per run)
        dbt_resource().cli(
            ["parse", "--quiet"], manifest={}, target_path=Path(project.target_path)
        ).wait()
    return manifest


def dbt_environment(config) -> dict[str, str]:
    """What the dbt project reads from the environment: paths, and the engine's target and
    connection (a Databricks token is the only secret dbt is given, in its environment)."""
    return {
        "SCORECARD_WAREHOUSE": str(config.paths.warehouse),
        "SCORECARD_LANDING_DIR": str(config.paths.landing),
        "SCORECARD_CONFIG_DIR": str(catalog_dir(config)),
        "DBT_LOG_PATH": str(config.paths.artifacts_dir / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **connector_environment(),
        **dbt_engine_environment(config),
    }


def build_dbt_assets(config) -> dg.AssetsDefinition:
    manifest = prepare_manifest()

    @dbt_assets(
        manifest=manifest,
        project=dbt_project(),
        dagster_dbt_translator=ScorecardTranslator(config),
        name="dbt_build",
        pool=WAREHOUSE_POOL,
    )
    def warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource, run_options: RunOptions):
        folder = RunFolder.of(config, context.run.run_id)
        plan = plan_build(config, context, run_options, folder)
        if plan.skip:
            # no output: the checks, the publish and the page are skipped, and the run succeeds
            return
        # the warehouse gate validates with Great Expectations right after dbt
        gate.import_in_background()
        environment = dbt_environment(config)
        os.environ.update(environment)
        # every stream of every connector type has its typed, empty schema file, so staging
        # of a type no source is configured for builds as an empty table
        store = LandingStore(config.paths.landing)
        for connector in registry().values():
            for stream in connector.streams:
                store.ensure_schema_file(stream)
        args = ["build", "--exclude-resource-type", "unit_test"]
        with warehouse_lock(config, log=context.log):
            prepare_export(config)
            if run_options.full_refresh or plan.full_because:
                if plan.full_because and not run_options.full_refresh:
                    context.log.info(f"rebuilding from all of landing: {plan.full_because}")
                # the warehouse holds nothing landing cannot rebuild: start from an empty file
                for suffix in ("", ".wal"):
                    Path(f"{config.paths.warehouse}{suffix}").unlink(missing_ok=True)
                args.append("--full-refresh")
            invocation = dbt.cli(
                args, context=context, raise_on_error=False, target_path=run_target(environment)
            )
            yield from invocation.stream()
            if uses_spark(config) and invocation.is_successful():
                loaded = load_exports(config, invocation.get_artifact("manifest.json"))
                context.log.info(
                    f"loaded {loaded} tables built by Spark into {config.paths.warehouse} "
                    "for the gates and the publish"
                )
        # dbt's own tests and contracts belong in the run's data-quality report
        folder.write("dbt_results", dbt_results(invocation))
        folder.data_quality_report(run_options.run_date(config))
        if not invocation.is_successful():
            raise DbtBuildFailed(
                "dbt build failed (a model, a test or a contract); see the data-quality report "
                f"{folder.root / 'data_quality.html'} and the run log"
            )

    return warehouse
