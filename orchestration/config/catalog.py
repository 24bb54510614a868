"""The scorecard catalog as data: the tables dbt joins on (DESIGN §5, "config is data").

KPI definitions, targets and metric maps are written as typed Parquet tables and read by dbt as a
source. Nothing from the config file is ever pasted into SQL text, so no value can inject SQL.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from connectors import connector_for, registry
from connectors.atomic import replacing
from orchestration.project import METRIC_REGISTRY_SEED


@dataclass(frozen=True)
class RegisteredMetric:
    metric_id: str
    domain: str
    unit: str
    additivity: str
    non_negative: bool
    description: str


@functools.cache
def builtin_metrics() -> dict[str, RegisteredMetric]:
    """The metric registry seed (dbt_project/seeds/metric_registry.csv)."""
    with METRIC_REGISTRY_SEED.open(encoding="utf-8") as f:
        return {
            r["metric_id"]: RegisteredMetric(
                r["metric_id"],
                r["domain"],
                r["unit"],
                r["additivity"],
                r["non_negative"] == "true",
                r["description"],
            )
            for r in csv.DictReader(f)
        }


def known_metrics(config) -> dict[str, RegisteredMetric]:
    """Every metric the configured sources provide, with unit and additivity.

    Built-in metrics keep the registry's semantics; a per-platform copy (`social.<source>.x`)
    inherits them from `social.x`; anything else uses what its connector declares.
    """
    builtin = builtin_metrics()
    out: dict[str, RegisteredMetric] = {}
    for source in config.sources:
        for m in connector_for(source.type)(source).provided_metrics():
            parts = m.metric_id.split(".")
            base = builtin.get(m.metric_id) or builtin.get(f"{parts[0]}.{parts[-1]}")
            if base is not None:
                out[m.metric_id] = RegisteredMetric(
                    m.metric_id,
                    base.domain,
                    base.unit,
                    base.additivity,
                    base.non_negative,
                    base.description + (f" ({source.name})" if len(parts) > 2 else ""),
                )
            else:
                out[m.metric_id] = RegisteredMetric(
                    m.metric_id,
                    parts[0],
                    m.unit,
                    m.additivity,
                    False,
                    f"{parts[-1].replace('_', ' ')} from {source.name}",
                )
    return out


def metric_dimensions(config) -> dict[str, tuple[str, ...]]:
    """The dimensions each metric is broken down by in the configured sources (a dimension
    counts for a metric when every source feeding the metric offers it, so its members add up
    to the metric's total)."""
    feeding: dict[str, list[tuple[str, ...]]] = {}
    for source in config.sources:
        connector = connector_for(source.type)(source)
        offered = connector.breakdowns()
        for m in connector.provided_metrics():
            feeding.setdefault(m.metric_id, []).append(offered.get(m.metric_id, ()))
    return {
        metric: tuple(sorted(set.intersection(*(set(d) for d in dims))))
        for metric, dims in feeding.items()
    }


def target_rows(kpi) -> list[dict]:
    rows = []
    dated = kpi.has_dated_targets()
    for effective_from, grains in kpi.target_entries():
        for grain, value in grains.items():
            ranged = isinstance(value, list)
            rows.append(
                {
                    "kpi_id": kpi.id,
                    "effective_from": effective_from,
                    "is_dated": dated,
                    "grain": grain,
                    "target": None if ranged else float(value),
                    "target_low": float(value[0]) if ranged else None,
                    "target_high": float(value[1]) if ranged else None,
                }
            )
    return rows


def kpi_provisional_days(config) -> dict[str, int]:
    """Per KPI, the largest lookback of the sources feeding its metrics: a period ending within
    it may still change for that KPI (ad conversions restate for 30 days, a ledger does not).
    A KPI whose metrics no source names keeps the scorecard's largest lookback."""
    from connectors import connector_for

    lookback: dict[str, int] = {}
    for source in config.sources:
        for metric in connector_for(source.type)(source).provided_metrics():
            lookback[metric.metric_id] = max(
                lookback.get(metric.metric_id, 0), source.lookback_days
            )
    out = {}
    for k in config.kpis:
        days = [lookback[m] for m in k.metric_ids() if m in lookback]
        out[k.id] = max(days) if days else config.provisional_days
    return out


def catalog_tables(config, *, run_id: str, run_date: date) -> dict[str, pa.Table]:
    perspectives = config.perspective_list()
    provisional_days = kpi_provisional_days(config)
    objective_perspective = {o.id: o.perspective for o in config.objectives}
    tables: dict[str, list[dict]] = {
        "perspectives": [
            {"perspective_id": p.id, "name": p.name, "position": i}
            for i, p in enumerate(perspectives)
        ],
        "objectives": [
            {
                "objective_id": o.id,
                "perspective": o.perspective,
                "name": o.name,
                "description": o.description,
                "drives": list(o.drives),
                "position": i,
            }
            for i, o in enumerate(config.objectives)
        ],
        "kpis": [
            {
                "kpi_id": k.id,
                "name": k.name,
                "description": k.description,
                "objective_id": k.objective,
                "perspective": objective_perspective[k.objective],
                "kpi_type": k.type,
                "metric_id": k.metric,
                "numerator_metric_id": k.numerator,
                "denominator_metric_id": k.denominator,
                "scale": k.scale,
                "value_offset": k.offset,
                "unit": k.unit,
                "direction": k.direction,
                "amber_from": k.amber_from,
                "weight": k.weight,
                "decimals": k.decimals,
                "phasing": k.phasing or config.phasing,
                "breakdowns": list(k.breakdowns),
                "filter_dimension": next(iter(k.filter), None) if k.filter else None,
                "filter_member": next(iter(k.filter.values()), None) if k.filter else None,
                "filter_applies_to": k.filter_applies_to,
                "provisional_days": provisional_days[k.id],
                "owner": k.owner,
                "actions": list(k.actions),
                "valid_low": k.valid_range[0] if k.valid_range else None,
                "valid_high": k.valid_range[1] if k.valid_range else None,
                "position": i,
            }
            for i, k in enumerate(config.kpis)
        ],
        "kpi_targets": [row for k in config.kpis for row in target_rows(k)],
        "kpi_breakdowns": [
            {"kpi_id": k.id, "dimension": d} for k in config.kpis for d in k.breakdowns
        ],
        "metrics": [vars(m) for m in known_metrics(config).values()],
        # the dimensions each metric is published by: those every source feeding it offers,
        # so its members add up to its total (int_metric_breakdowns keeps only these)
        "metric_dimensions": [
            {"metric_id": metric, "dimension": d}
            for metric, dims in metric_dimensions(config).items()
            for d in dims
        ],
        "source_metric_map": [
            {
                "source_name": s.name,
                "source_type": s.type,
                "metric_id": f"{conn.metric_domain}.{name}",
                "source_metric": source_metric,
            }
            for s in config.sources
            if (conn := connector_for(s.type)(s)).metric_domain
            for name, source_metrics in conn.metric_map().items()
            for source_metric in source_metrics
        ],
        "sources": [
            {
                "source_name": s.name,
                "source_type": s.type,
                "start_date": s.start_date,
                "lookback_days": s.lookback_days,
                "daily_completeness": conn.daily_completeness(),
                "history_days": conn.history_days,
                "block_thresholded": "thresholded" in conn.blocking_quality_flags(),
                "block_sampled": "sampled" in conn.blocking_quality_flags(),
                "block_other_row": "other_row" in conn.blocking_quality_flags(),
            }
            for s in config.sources
            if (conn := connector_for(s.type)(s))
        ],
        "source_accounts": [
            {"source_name": s.name, "account_id": account}
            for s in config.sources
            for account in connector_for(s.type)(s).accounts()
        ],
        "run_context": [
            {
                "run_id": run_id,
                "run_date": run_date,
                "timezone": config.timezone,
                "currency": config.currency,
                "provisional_days": config.provisional_days,
                "framework": config.framework,
            }
        ],
    }
    out = {name: pa.Table.from_pylist(rows, schema=SCHEMAS[name]) for name, rows in tables.items()}
    return out | connector_tables(config)


def connector_tables(config) -> dict[str, pa.Table]:
    """The tables connector types add to the catalog (e.g. a ledger's account ranges): one per
    declared name, with the rows of every configured source of the type — and empty but typed
    when none is configured, because dbt reads every catalog table."""
    rows: dict[str, list[dict]] = {}
    for source in config.sources:
        for name, source_rows in connector_for(source.type)(source).catalog_rows().items():
            rows.setdefault(name, []).extend(source_rows)
    return {
        name: pa.Table.from_pylist(rows.get(name, []), schema=schema)
        for connector in registry().values()
        for name, schema in connector.catalog_schemas.items()
    }


_S, _F, _I, _B, _D = pa.string(), pa.float64(), pa.int64(), pa.bool_(), pa.date32()
SCHEMAS = {
    "perspectives": pa.schema([("perspective_id", _S), ("name", _S), ("position", _I)]),
    "objectives": pa.schema(
        [
            ("objective_id", _S),
            ("perspective", _S),
            ("name", _S),
            ("description", _S),
            ("drives", pa.list_(_S)),
            ("position", _I),
        ]
    ),
    "kpis": pa.schema(
        [
            ("kpi_id", _S),
            ("name", _S),
            ("description", _S),
            ("objective_id", _S),
            ("perspective", _S),
            ("kpi_type", _S),
            ("metric_id", _S),
            ("numerator_metric_id", _S),
            ("denominator_metric_id", _S),
            ("scale", _F),
            ("value_offset", _F),
            ("unit", _S),
            ("direction", _S),
            ("amber_from", _F),
            ("weight", _F),
            ("decimals", _I),
            ("phasing", _S),
            ("breakdowns", pa.list_(_S)),
            ("filter_dimension", _S),
            ("filter_member", _S),
            ("filter_applies_to", _S),
            ("provisional_days", _I),
            ("owner", _S),
            ("actions", pa.list_(_S)),
            ("valid_low", _F),
            ("valid_high", _F),
            ("position", _I),
        ]
    ),
    "kpi_breakdowns": pa.schema([("kpi_id", _S), ("dimension", _S)]),
    "metric_dimensions": pa.schema([("metric_id", _S), ("dimension", _S)]),
    "kpi_targets": pa.schema(
        [
            ("kpi_id", _S),
            ("effective_from", _D),
            ("is_dated", _B),
            ("grain", _S),
            ("target", _F),
            ("target_low", _F),
            ("target_high", _F),
        ]
    ),
    "metrics": pa.schema(
        [
            ("metric_id", _S),
            ("domain", _S),
            ("unit", _S),
            ("additivity", _S),
            ("non_negative", _B),
            ("description", _S),
        ]
    ),
    "source_metric_map": pa.schema(
        [("source_name", _S), ("source_type", _S), ("metric_id", _S), ("source_metric", _S)]
    ),
    "sources": pa.schema(
        [
            ("source_name", _S),
            ("source_type", _S),
            ("start_date", _D),
            ("lookback_days", _I),
            ("daily_completeness", _B),
            ("history_days", _I),
            ("block_thresholded", _B),
            ("block_sampled", _B),
            ("block_other_row", _B),
        ]
    ),
    "source_accounts": pa.schema([("source_name", _S), ("account_id", _S)]),
    "run_context": pa.schema(
        [
            ("run_id", _S),
            ("run_date", _D),
            ("timezone", _S),
            ("currency", _S),
            ("provisional_days", _I),
            ("framework", _S),
        ]
    ),
}


def write_catalog(config, directory: Path, *, run_id: str, run_date: date) -> dict[str, int]:
    """Write the catalog tables for dbt; returns row counts."""
    counts = {}
    for name, table in catalog_tables(config, run_id=run_id, run_date=run_date).items():
        with replacing(directory / f"{name}.parquet") as tmp:
            pq.write_table(table, tmp)
        counts[name] = table.num_rows
    return counts
