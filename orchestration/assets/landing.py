"""Landing assets: one multi-asset per configured source, one asset per stream.

Key `["landing", <source>, <stream>]`. Each run extracts the source's window (or new inbox
files) into immutable Parquet batches, then validates everything that source has landed;
a batch that breaks its raw expectations is quarantined and the blocking check stops the run.
"""

import dagster as dg

from connectors import connector_for
from connectors.landing import LandingStore
from expectations import landing_suites, run_suites
from orchestration.assets.checks import check_result
from orchestration.extract import extract_source
from orchestration.run_context import RunFolder, RunOptions

RAW_CHECK = "raw_expectations"


def landing_key(source: str, stream: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", source, stream])


def build_landing_assets(config, *, demo: bool) -> list[dg.AssetsDefinition]:
    return [_source_asset(config, source, demo=demo) for source in config.sources]


def _source_asset(config, source, *, demo: bool) -> dg.AssetsDefinition:
    connector = connector_for(source.type)
    specs = [
        dg.AssetSpec(
            key=landing_key(source.name, stream.name),
            group_name="landing",
            kinds={"parquet"},
            description=f"{stream.description} Key: {', '.join(stream.primary_key)}.",
            metadata={"source_type": source.type, "primary_key": list(stream.primary_key)},
            tags={"source": source.name},
        )
        for stream in connector.streams
    ]
    check_specs = [
        dg.AssetCheckSpec(
            RAW_CHECK,
            asset=spec.key,
            blocking=True,
            description="Raw expectations on every landed batch: keys, dates, ranges, columns.",
        )
        for spec in specs
    ]

    @dg.multi_asset(
        name=f"land_{source.name}",
        specs=specs,
        check_specs=check_specs,
        description=f"Extract {source.name} ({source.type}) into landing"
        + (" from bundled demo data." if demo else "."),
    )
    def land(context: dg.AssetExecutionContext, run_options: RunOptions):
        run_date = run_options.run_date(config)
        store = LandingStore(config.paths.landing)
        results = extract_source(source, store, run_date=run_date, demo=demo, log=context.log)
        gate = run_suites(landing_suites(store, source, connector.streams, run_date))
        quarantined = []
        for suite_result in gate.failures():
            reason = suite_result.summary()
            for bad in sorted(suite_result.bad_files):
                target = store.quarantine(bad, reason)
                quarantined.append(str(target))
                context.log.error(f"quarantined {bad} -> {target}: {reason}")
        RunFolder.of(config, context.run.run_id).write(
            f"landing_{source.name}",
            {
                **gate.report(),
                "source": source.name,
                "streams": {n: {"rows": r.rows, "files": len(r.files)} for n, r in results.items()},
                "quarantined": quarantined,
            },
        )
        for stream in connector.streams:
            result = results[stream.name]
            yield dg.MaterializeResult(
                asset_key=landing_key(source.name, stream.name),
                metadata={
                    "rows_landed": result.rows,
                    "batches_landed": len(result.files),
                    "batches_total": len(store.batch_files(source.name, stream.name)),
                },
            )
        for suite_result in gate.results:
            yield check_result(suite_result, RAW_CHECK)

    return land
