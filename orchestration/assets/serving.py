"""Publish: the ★ tables into the serving DuckDB file, swapped in atomically."""

import json

import dagster as dg
import duckdb

from connectors.landing import LandingStore
from connectors.secrets import resolve_secret
from orchestration import inputs
from orchestration.assets.owners import kpi_owners
from orchestration.assets.warehouse import prepare_manifest, warehouse_key
from orchestration.publish import publish, published_tables
from orchestration.publish_targets import (
    dbt_docs,
    publish_live,
    publish_parquet,
    publish_postgres,
)
from orchestration.run_context import WAREHOUSE_POOL, RunFolder, RunOptions, warehouse_lock

SERVING_KEY = dg.AssetKey(["serving", "scorecard"])


def source_freshness(config) -> dict:
    """Last extraction time per configured source, read from landing."""
    store = LandingStore(config.paths.landing)
    out = {}
    for source in config.sources:
        files = [str(f) for f in store.root.glob(f"{source.name}/*/*.parquet")]
        if files:
            with duckdb.connect() as con:
                out[source.name] = con.execute(
                    "select max(_extracted_at) from read_parquet(?, union_by_name = true)", [files]
                ).fetchall()[0][0]
    return out


def build_publish_asset(config) -> dg.AssetsDefinition:
    tables = published_tables()
    models = sorted({t.model for t in tables})

    @dg.asset(
        key=SERVING_KEY,
        group_name="serving",
        kinds={"duckdb"},
        deps=[warehouse_key(m) for m in models],
        pool=WAREHOUSE_POOL,
        owners=kpi_owners(config),  # who answers for the published numbers: the KPI owners
        metadata={"dagster/uri": config.publish.duckdb.resolve().as_uri()},
        description="The ★ scorecard tables (schema `scorecard`) in the serving file BI reads. "
        "Written to a new file and renamed over the old one: readers never see half a publish.",
    )
    def scorecard(context: dg.AssetExecutionContext, run_options: RunOptions):
        folder = RunFolder.of(config, context.run.run_id)
        reports = folder.read_all("landing_") + folder.read_all("gate_")
        with warehouse_lock(config, log=context.log):
            result = publish(
                config.paths.warehouse,
                config.publish.duckdb,
                run_id=context.run.run_id,
                run_date=run_options.run_date(config),
                framework=config.framework,
                checks_passed=sum(r["checks_passed"] for r in reports),
                checks_failed=sum(r["checks_failed"] for r in reports),
                source_freshness=source_freshness(config),
                engine=config.engine.type,
            )
        targets = {"duckdb": str(result.path)}
        # the other targets copy the serving file just published, so all hold the same rows
        if config.publish.parquet:
            publish_parquet(result.path, config.publish.parquet)
            targets["parquet"] = str(config.publish.parquet)
        if config.publish.live:
            publish_live(result.path, config.publish.live, context.run.run_id)
            targets["live"] = str(config.publish.live)
        if config.publish.postgres:
            url = resolve_secret(config.publish.postgres, key="publish.postgres")
            publish_postgres(result.path, url, dbt_docs(prepare_manifest(), tables))
            targets["postgres"] = "schema scorecard"
        folder.write(
            "published", {"path": str(result.path), "rows": result.rows, "targets": targets}
        )
        folder.data_quality_report(run_options.run_date(config))
        context.log.info(f"published {sum(result.rows.values())} rows to {', '.join(targets)}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                **{f"rows_{k}": v for k, v in result.rows.items()},
            }
        )

    return scorecard


REPORT_KEY = dg.AssetKey(["serving", "scorecard_report"])


def build_report_asset(config) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        group_name="serving",
        kinds={"html"},
        deps=[SERVING_KEY],
        description="The scorecard as one self-contained HTML page (no network: styles, script, "
        "data and charts inline), rendered from the serving file just published.",
    )
    def scorecard_report(context: dg.AssetExecutionContext):
        from orchestration.report import write_report

        path = write_report(config)
        context.log.info(f"scorecard report written to {path}")
        # the last step: only now do the inputs this run was built from vouch for the publish
        # (a run that skipped dbt or was started for this asset alone recorded none)
        folder = RunFolder.of(config, context.run.run_id).root
        built_from = folder / f"{inputs.INPUTS}.json"
        if built_from.exists() and (folder / "published.json").exists():
            recorded = json.loads(built_from.read_text(encoding="utf-8"))
            for why in ("rebuild_because", "full_because"):  # this run's reasons, not inputs
                recorded.pop(why, None)
            inputs.PublishInputs(config).vouch(recorded, run_id=context.run.run_id)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "size_kib": round(path.stat().st_size / 1024, 1),
            }
        )

    return scorecard_report
