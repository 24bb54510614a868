"""Extract one configured source into landing (plain Python; the Dagster asset wraps it).

An optional part of a source the platform refuses (`Stream.optional`, `ctx.optional`: a posts
stream or posts count the token lacks the permission for) lands nothing and fails nothing: it
is warned about once per run and source, naming the permission and the metrics and KPIs that
show no data, and listed on the stream's result (`StreamResult.missing`) for the landing report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from connectors import connector_for
from connectors.base import Batch, ExtractContext, NothingToExtract
from connectors.files import BadFileError
from connectors.http import SourceError, is_refusal
from connectors.landing import LandingStore
from connectors.secrets import ConfigError, RedactingLogger


@dataclass
class StreamResult:
    stream: str
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    quarantined: list[tuple[Path, str]] = field(default_factory=list)
    may_be_empty: bool = False  # the source declares that a run may land no rows
    nothing_due: bool = False  # no day of its window was over yet (NothingToExtract)
    # optional parts the platform refused (the stream itself, or metrics of it): each with the
    # permission to grant and the metrics and KPIs without data, for the landing report
    missing: list[dict] = field(default_factory=list)


class ExtractionFailed(RuntimeError):
    """Some input could not be landed; good batches were landed, bad ones quarantined."""


def extract_source(
    source_config,
    store: LandingStore,
    *,
    run_date: date,
    moment: datetime | None = None,
    demo: bool = False,
    log: logging.Logger | None = None,
    window=None,
    tokens: dict | None = None,
    kpis: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, StreamResult]:
    """Land every stream of one source; raises ExtractionFailed after quarantining bad files.

    Whatever leaves here — log lines and error messages — has every secret redacted. What the
    connector learnt about its credentials' expiry goes into `tokens[source name]` (also when
    extraction failed: an expired token is exactly what `scorecard status` must show).
    `kpis` (KPI id -> the metric ids it reads) names the KPIs a refused optional part leaves
    without data.
    """
    log = RedactingLogger(log or logging.getLogger(__name__))
    connector = connector_for(source_config.type)(source_config)
    try:
        results = _extract_streams(
            connector, source_config, store, run_date, moment, demo, log, window
        )
    except (SourceError, ConfigError):
        raise
    except Exception as e:  # an unexpected failure still must not leak a token
        raise SourceError(source_config.name, f"{type(e).__name__}: {e}") from None
    finally:
        expiry = None if demo else connector.token_expiry()
        if tokens is not None and expiry is not None:
            tokens[source_config.name] = expiry.as_dict()
    report_refusals(connector, results, kpis or {}, log)
    bad = [(s, p, r) for s, res in results.items() for p, r in res.quarantined]
    if bad:
        details = "; ".join(f"{p.name}: {r}" for _, p, r in bad)
        raise ExtractionFailed(
            f"source {source_config.name}: {len(bad)} file(s) could not be landed and were "
            f"quarantined under {store.root / '_quarantine'}: {details}"
        )
    return results


def _extract_streams(connector, source_config, store, run_date, moment, demo, log, window):
    results: dict[str, StreamResult] = {}
    for stream in connector.streams:
        store.ensure_schema_file(stream)
        result = results[stream.name] = StreamResult(
            stream.name, may_be_empty=connector.may_be_empty(stream)
        )
        ctx = ExtractContext(
            run_date=run_date,
            state=store.state(source_config.name, stream.name),
            log=log,
            stream=stream,
            override=window,
            moment=moment,
            source=source_config.name,
        )
        batches = connector.demo(stream, ctx) if demo else connector.extract(stream, ctx)
        batches = _until_nothing_to_extract(batches, log, result)
        for item in _unless_refused(batches, stream, ctx, result):
            if isinstance(item, BadFileError):
                target = store.quarantine_input(
                    item.path, source_config.name, stream.name, item.reason
                )
                log.error("%s: quarantined to %s: %s", item.path.name, target, item.reason)
                result.quarantined.append((target, item.reason))
                continue
            assert isinstance(item, Batch)
            path, rows = store.write(source_config.name, stream, item)
            result.files.append(path)
            result.rows += rows
            log.info(
                "%s/%s: landed %d rows (%s) -> %s",
                source_config.name,
                stream.name,
                rows,
                item.file_name or item.window,
                path.name,
            )
        result.missing = [r.as_dict() for r in ctx.refusals]
    return results


def _unless_refused(batches, stream, ctx: ExtractContext, result: StreamResult):
    """The stream's batches; an optional stream the platform refuses (no permission, not
    there) lands nothing more this run — recorded, not raised, and not an empty landing for
    the landing gate. A 401, a 5xx or a bad request still fails the source."""
    try:
        yield from batches
    except SourceError as e:
        if stream.optional is None or not is_refusal(e):
            raise
        ctx.refuse("stream", stream.optional, e)
        result.may_be_empty = True


def report_refusals(connector, results: dict[str, StreamResult], kpis, log) -> None:
    """Complete each refusal with the metrics and KPIs it leaves without data, and warn once
    per permission: what was refused, what to grant, what goes without it."""
    by_permission: dict[str, list[dict]] = {}
    for result in results.values():
        for refusal in result.missing:
            metrics = connector.metrics_from(refusal["metrics"])
            refusal["metric_ids"] = metrics
            refusal["kpis"] = sorted(k for k, ids in kpis.items() if set(ids) & set(metrics))
            by_permission.setdefault(refusal["permission"], []).append(refusal)
    if not by_permission:
        return
    from orchestration.progress import NOTICE  # (imports Dagster: only when there is news)

    for permission, refusals in by_permission.items():
        # a notice: printed in the run's output (orchestration.progress), not only logged
        log.warning(NOTICE + refusal_warning(connector.config.name, permission, refusals))


def refusal_warning(source: str, permission: str, refusals: list[dict]) -> str:
    """The one warning line for the optional parts of a source refused for one permission."""
    lost = []
    for r in refusals:
        if r["part"] == "stream":
            lost.append(
                f"stream {r['stream']} lands nothing" + (f" ({r['shows']})" if r["shows"] else "")
            )
        else:
            lost.append(f"stream {r['stream']} lands without {r['part']}")
    metrics = sorted({m for r in refusals for m in r["metric_ids"]})
    kpis = sorted({k for r in refusals for k in r["kpis"]})
    without = ""
    if metrics:
        without = f"; metrics {', '.join(metrics)} show no data"
        without += f" (KPIs {', '.join(kpis)}: no_data)" if kpis else ""
    return (
        f"{source}: the platform refused what needs the permission {permission} "
        f"({refusals[0]['error']}); the rest of the source is extracted. Without it: "
        f"{'; '.join(lost)}{without}. Grant {permission} to the source's token to get them "
        "back."
    )


def _until_nothing_to_extract(batches, log, result: StreamResult):
    """The stream's batches; a window with no day over yet lands nothing, which is not an error
    (and, noted on the result, not an empty landing for the landing gate either)."""
    try:
        yield from batches
    except NothingToExtract as e:
        log.info(str(e))
        result.nothing_due = True
