"""Landing assets: one multi-asset per configured source, one asset per stream.

Key `["landing", <source>, <stream>]`. Each run extracts the source's window (or new inbox
files) into immutable Parquet batches, then validates every batch not validated before; a
batch that breaks its raw expectations is quarantined and the blocking check stops the run.
Each materialization reports the newest day of data the stream holds, and a source's
`data_freshness` check (WARN, never blocking) says whether its data lags beyond its limit
(orchestration/freshness.py).
"""

from datetime import timedelta
from pathlib import Path

import dagster as dg

from connectors import connector_for
from connectors.landing import LandingStore
from expectations import GateResult, data_suites, run_suites, schema_suites
from orchestration import freshness
from orchestration.assets.checks import check_result, freshness_check_result
from orchestration.assets.owners import source_owners
from orchestration.extract import StreamResult, extract_source
from orchestration.run_context import RunFolder, RunOptions

RAW_CHECK = "raw_expectations"


def landing_key(source: str, stream: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", source, stream])


def build_landing_assets(config, *, demo: bool) -> list[dg.AssetsDefinition]:
    return [_source_asset(config, source, demo=demo) for source in config.sources]


def _source_asset(config, source, *, demo: bool) -> dg.AssetsDefinition:
    connector = connector_for(source.type)
    store = LandingStore(config.paths.landing)
    specs = [
        dg.AssetSpec(
            key=landing_key(source.name, stream.name),
            group_name="landing",
            kinds={"parquet"},
            description=f"{stream.description} Key: {', '.join(stream.primary_key)}.",
            metadata={
                "source_type": source.type,
                "primary_key": list(stream.primary_key),
                "data_day_column": stream.cursor if freshness.is_dated(stream) else None,
                "max_lag_days": freshness.max_lag_days(source),
                "dagster/uri": store.stream_dir(source.name, stream.name).resolve().as_uri(),
                "dagster/column_schema": _column_schema(stream),
            },
            tags={"source": source.name},
            owners=source_owners(source),
            # the landing step ran within the window (whether data arrived is data_freshness)
            freshness_policy=dg.FreshnessPolicy.time_window(
                fail_window=timedelta(hours=source.freshness_hours)
            ),
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
    checked = freshness.checked_stream(source)
    if checked is not None:
        check_specs.append(
            dg.AssetCheckSpec(
                freshness.CHECK_NAME,
                asset=landing_key(source.name, checked.name),
                blocking=False,
                description=f"Source {source.name}: its newest day of data is at most "
                f"{freshness.max_lag_days(source)} days before the run date (WARN; the run "
                "and the publish go on).",
            )
        )

    @dg.multi_asset(
        name=f"land_{source.name}",
        specs=specs,
        check_specs=check_specs,
        description=f"Extract {source.name} ({source.type}) into landing"
        + (" from bundled demo data." if demo else "."),
    )
    def land(context: dg.AssetExecutionContext, run_options: RunOptions):
        run_date = run_options.run_date(config)
        folder = RunFolder.of(config, context.run.run_id)
        tokens: dict = {}
        try:
            results = extract_source(
                source,
                store,
                run_date=run_date,
                moment=run_options.moment(config),
                demo=demo,
                log=context.log,
                window=run_options.backfill_window(),
                tokens=tokens,
                kpis={k.id: k.metric_ids() for k in config.kpis},
            )
        except Exception as e:
            folder.record_error(f"land_{source.name}", e)
            folder.data_quality_report(run_date)
            raise
        finally:
            if tokens:  # when the credentials stop working, for `scorecard status`
                folder.write(f"token_{source.name}", tokens[source.name])
        # a batch that repeats a checked one (recorded at landing) needs no reading; a stream
        # with nothing left to check runs no suite (and Great Expectations is not imported)
        streams = [s for s in connector.streams if _unchecked(store, source.name, s)]
        gate, quarantined = gate_landing(store, source, streams, results, run_date, context.log)
        for result in gate.results:
            for warning in result.warnings:
                context.log.warning(f"{result.suite.name}: {warning.describe()}")
        folder.write(
            f"landing_{source.name}",
            {
                **gate.report(),
                "source": source.name,
                "streams": {n: {"rows": r.rows, "files": len(r.files)} for n, r in results.items()},
                "quarantined": quarantined,
                # optional parts the platform refused (no permission): not failures
                "missing": [m for r in results.values() for m in r.missing],
            },
        )
        folder.data_quality_report(run_date)
        fresh = freshness.source_freshness(config, source, store)
        for stream in connector.streams:
            result = results[stream.name]
            yield dg.MaterializeResult(
                asset_key=landing_key(source.name, stream.name),
                metadata={
                    "rows_landed": result.rows,
                    "batches_landed": len(result.files),
                    "batches_total": len(store.batch_files(source.name, stream.name)),
                    "dagster/row_count": result.rows,  # rows landed by this run
                    **_newest_data(fresh.streams[stream.name], config.timezone, run_date),
                },
            )
        if checked is not None:
            yield freshness_check_result(
                fresh, run_date, asset_key=landing_key(source.name, checked.name)
            )
        for key, suite_results in _by_asset(gate).items():
            yield check_result(suite_results, RAW_CHECK, asset_key=key)
        for stream in connector.streams:
            if stream not in streams:
                yield dg.AssetCheckResult(
                    asset_key=landing_key(source.name, stream.name),
                    check_name=RAW_CHECK,
                    passed=True,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description="No new batch to check: every landed batch passed before.",
                    metadata={"evaluated": 0, "failed": 0, "warnings": 0, "rows": 0},
                )

    return land


def _newest_data(stream: freshness.StreamFreshness, zone: str, run_date) -> dict:
    """The newest day of data a stream holds (all its landed batches, not only tonight's) as
    `newest_data_day`, its lag, and Dagster's `dagster/last_updated_timestamp` (the end of
    that day in the business time zone). A stream without a data day reports neither."""
    if stream.newest_day is None:
        return {"newest_data_day": None}
    return {
        "newest_data_day": stream.newest_day.isoformat(),
        "data_lag_days": (run_date - stream.newest_day).days,
        "dagster/last_updated_timestamp": dg.MetadataValue.timestamp(
            freshness.end_of_day(stream.newest_day, zone)
        ),
    }


def _column_schema(stream) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(f.name, str(f.type), constraints=None) for f in stream.schema]
    )


def gate_landing(
    store: LandingStore, source, streams, results: dict[str, StreamResult], run_date, log
) -> tuple[GateResult, list[str]]:
    """The landing gate on one source's streams after extraction, and the batches it
    quarantined. Schema first: the data suites then read only batches whose columns are sound.
    `results` (extract_source's) say which streams may land no rows and which had no day due;
    batches that pass are recorded as validated."""
    quarantined: list[str] = []
    schema_gate = run_suites(schema_suites(store, source, streams))
    quarantined += _quarantine(store, schema_gate, log)
    data_gate = run_suites(
        data_suites(
            store,
            source,
            streams,
            run_date,
            may_be_empty={n for n, r in results.items() if r.may_be_empty},
            nothing_due={n for n, r in results.items() if r.nothing_due},
        )
    )
    quarantined += _quarantine(store, data_gate, log)
    for result in data_gate.results:
        if result.success and result.suite.covers:
            stream_name = result.suite.asset_key[-1]
            store.mark_validated(source.name, stream_name, result.suite.covers)
    return GateResult(schema_gate.results + data_gate.results), quarantined


def _unchecked(store: LandingStore, source: str, stream) -> bool:
    """Whether a stream has a batch the landing gate has not checked (or no batch at all:
    "not empty" must fail then, unless the stream may be empty or nothing was due)."""
    files = store.batch_files(source, stream.name)
    checked = store.checked(source, stream.name)
    return not files or any(store.fingerprint(f) not in checked for f in files)


def _quarantine(store: LandingStore, gate: GateResult, log) -> list[str]:
    """Move every batch a blocking expectation named out of the read path, with the reason."""
    moved = []
    for result in gate.failures():
        for bad in sorted(result.bad_files):
            target = store.quarantine(bad, result.summary())
            moved.append(str(target))
            log.error(f"quarantined {Path(bad).name}: {result.summary()}")
    return moved


def _by_asset(gate: GateResult) -> dict:
    out: dict = {}
    for result in gate.results:
        out.setdefault(dg.AssetKey(list(result.suite.asset_key)), []).append(result)
    return out
