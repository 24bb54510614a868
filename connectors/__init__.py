"""Source connectors, registered by `type`.

Every sub-package of `connectors` that defines a `Connector` subclass decorated with `@register`
is discovered on import of the registry, so a new connector needs no edit anywhere else.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from importlib import metadata

from connectors.base import Connector

_REGISTRY: dict[str, type[Connector]] = {}
_NOT_CONNECTORS = {"base", "landing", "demo", "files"}
ENTRY_POINTS = "marketing_scorecard.connectors"  # how an installed package adds connectors


def register(cls: type[Connector]) -> type[Connector]:
    existing = _REGISTRY.get(cls.type)
    if existing is not None and existing is not cls:
        raise RuntimeError(f"two connectors claim type {cls.type!r}: {existing} and {cls}")
    _REGISTRY[cls.type] = cls
    return cls


def registry() -> dict[str, type[Connector]]:
    """All connector types: this package's sub-packages, and installed connector packages
    (entry point group `marketing_scorecard.connectors`, whose modules `@register`)."""
    for mod in pkgutil.iter_modules(__path__):
        if mod.name not in _NOT_CONNECTORS and not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _load_packages()
    streams: dict[str, str] = {}
    for type_, cls in _REGISTRY.items():
        for s in cls.streams:
            # dbt reads a stream with one glob over all sources, so names are global
            if s.name in streams and streams[s.name] != type_:
                raise RuntimeError(
                    f"stream {s.name!r} is declared by {streams[s.name]} and {type_}"
                )
            streams[s.name] = type_
    return dict(sorted(_REGISTRY.items()))


@functools.cache
def _load_packages() -> None:
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        try:
            entry.load()
        except Exception as e:  # a broken package must not vanish silently
            raise RuntimeError(
                f"connector package {entry.name!r} ({entry.value}, from "
                f"{entry.dist.name if entry.dist else '?'}) failed to load: "
                f"{type(e).__name__}: {e}"
            ) from e


def dbt_vars() -> dict:
    """What the dbt project learns from the connector types (as dbt vars, resolved when dbt
    parses, so its refs build the graph): the models that produce metric rows, the
    provenance models and the streams whose batches they name, and the staging models where
    completeness finds each account's days."""
    types = registry().values()
    return {
        "scorecard_metric_models": sorted({c.metrics_model for c in types if c.metrics_model}),
        "scorecard_breakdown_models": sorted(
            {c.breakdowns_model for c in types if c.breakdowns_model}
        ),
        "scorecard_provenance_models": sorted(
            {c.provenance_model for c in types if c.provenance_model}
        ),
        # the dbt source of a stream is named by its type (as the warehouse assets assume)
        "scorecard_provenance_streams": sorted(
            ({"source": c.type, "stream": s} for c in types for s in c.provenance_streams),
            key=lambda s: (s["source"], s["stream"]),
        ),
        "scorecard_presence": sorted(
            (
                {"model": s.presence.model, "account_column": s.presence.account_column}
                for c in types
                for s in c.streams
                if s.presence is not None
            ),
            key=lambda p: p["model"],
        ),
    }


def connector_for(type_: str) -> type[Connector]:
    reg = registry()
    if type_ not in reg:
        raise KeyError(f"unknown source type {type_!r}; known: {', '.join(reg)}")
    return reg[type_]
