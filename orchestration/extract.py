"""Extract one configured source into landing (plain Python; the Dagster asset wraps it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from connectors import connector_for
from connectors.base import Batch, ExtractContext, NothingToExtract
from connectors.files import BadFileError
from connectors.http import SourceError
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
) -> dict[str, StreamResult]:
    """Land every stream of one source; raises ExtractionFailed after quarantining bad files.

    Whatever leaves here — log lines and error messages — has every secret redacted. What the
    connector learnt about its credentials' expiry goes into `tokens[source name]` (also when
    extraction failed: an expired token is exactly what `scorecard status` must show).
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
        )
        batches = connector.demo(stream, ctx) if demo else connector.extract(stream, ctx)
        for item in _until_nothing_to_extract(batches, log, result):
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
    return results


def _until_nothing_to_extract(batches, log, result: StreamResult):
    """The stream's batches; a window with no day over yet lands nothing, which is not an error
    (and, noted on the result, not an empty landing for the landing gate either)."""
    try:
        yield from batches
    except NothingToExtract as e:
        log.info(str(e))
        result.nothing_due = True
