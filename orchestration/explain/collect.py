"""What `scorecard explain` reports, as one JSON-ready document (its keys: docs/explain.md).

The document holds the KPI's definition and the target rule that applied to the period, the
published value, status and score, each input metric's total with the sources and accounts
that fed it, the landing batches whose rows were used (and whether each file is still in
landing), and the KPI's per-member split. Values are the published numbers, never recomputed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from connectors.landing import LandingStore

GRAINS = ("day", "week", "month", "quarter", "year")
# additivities whose accounts add up to the metric's total, so each account has a share
ADDITIVE = ("sum", "last", "sourced")
KPI_KEYS = (
    "kpi_id",
    "name",
    "description",
    "perspective",
    "objective_id",
    "type",
    "unit",
    "direction",
    "metric_id",
    "numerator_metric_id",
    "denominator_metric_id",
    "scale",
    "value_offset",
    "filter",
    "filter_applies_to",
    "breakdowns",
    "phasing",
    "amber_from",
    "weight",
    "owner",
    "currency",
)
VALUE_KEYS = (
    "value",
    "status",
    "score",
    "attainment",
    "previous_value",
    "change",
    "change_pct",
    "yoy_value",
    "yoy_change_pct",
    "trend",
    "target_to_date",
    "projected_value",
    "projected_status",
    "phase_share",
    "quality_flags",
)


class ExplainError(Exception):
    """Why a value cannot be explained: one sentence, and the command's exit code."""

    exit_code = 1


class NothingPublished(ExplainError):
    pass


class UnknownKpi(ExplainError):
    exit_code = 2  # a wrong argument, like a configuration error


class NoSuchPeriod(ExplainError):
    pass


def explain(
    serving: Path, landing: Path, kpi_id: str, *, grain: str = "month", period: date | None = None
) -> dict:
    """How KPI `kpi_id`'s published value for the `grain` period holding `period` (default: the
    newest complete period, scorecard.latest) came to be."""
    serving = Path(serving)
    if not serving.exists():
        raise NothingPublished(
            f"No scorecard has been published at {serving} yet; run `scorecard run` first."
        )
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {tuple(r) for r in con.execute(_TABLES).fetchall()}
        if ("scorecard", "kpis") not in tables:
            raise NothingPublished(f"{serving} holds no published scorecard (no scorecard.kpis).")
        kpi = _kpi(con, kpi_id)
        row = _period_row(con, kpi_id, grain, period)
        has_provenance = {("provenance", "metric_sources"), ("provenance", "landing_batches")}
        reader = _Reader(con, LandingStore(landing), has_provenance <= tables)
        doc = _document(reader, kpi, grain, row)
        if ("scorecard", "kpi_breakdowns") in tables:
            doc["breakdowns"] = _breakdowns(con, kpi_id, grain, row["period_start"])
    doc["notes"] = _notes(doc, has_provenance <= tables)
    return doc


_TABLES = "select table_schema, table_name from information_schema.tables"


def _rows(con, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _kpi(con, kpi_id: str) -> dict:
    found = _rows(con, "select * from scorecard.kpis where kpi_id = ?", [kpi_id])
    if not found:
        ids = [
            r[0]
            for r in con.execute("select kpi_id from scorecard.kpis order by position").fetchall()
        ]
        raise UnknownKpi(
            f"The published scorecard has no KPI {kpi_id!r}. Its KPI ids: {', '.join(ids)}."
        )
    return found[0]


def _period_row(con, kpi_id: str, grain: str, day: date | None) -> dict:
    """The KPI's kpi_values row for the period (the newest complete one when `day` is None)."""
    base = "select * from scorecard.kpi_values where kpi_id = ? and grain = ?"
    if day is None:
        found = _rows(
            con,
            f"{base} and period_start = (select period_start from scorecard.latest"
            " where kpi_id = ? and grain = ?)",
            [kpi_id, grain, kpi_id, grain],
        )
        if not found:
            raise NoSuchPeriod(
                f"KPI {kpi_id} has no complete {grain} period published yet; "
                "pass --period YYYY-MM-DD to explain a running one."
            )
        return found[0]
    found = _rows(con, f"{base} and ? between period_start and period_end", [kpi_id, grain, day])
    if not found:
        first, last = con.execute(
            "select min(period_start), max(period_end) from scorecard.kpi_values"
            " where kpi_id = ? and grain = ?",
            [kpi_id, grain],
        ).fetchone()
        published = f"published: {first} to {last}" if first else "none is published"
        raise NoSuchPeriod(
            f"KPI {kpi_id} has no published {grain} period holding {day} ({published})."
        )
    return found[0]


def _document(reader: _Reader, kpi: dict, grain: str, row: dict) -> dict:
    start, end = row["period_start"], row["period_end"]
    periods = [(start, end)]
    if kpi["type"] in ("growth", "change"):  # the value compares with the previous period
        periods.append(_previous(grain, start))
    kpi_filter = dict(kpi["filter"]) if kpi["filter"] else None
    # a share (filter on the numerator only) divides the member by the metric's total
    share = kpi.get("filter_applies_to") == "numerator"
    metrics = [
        reader.metric(
            role, metric_id, grain, periods, None if share and role == "denominator" else kpi_filter
        )
        for role, metric_id in _inputs(kpi)
    ]
    return {
        "kpi": {key: _plain(kpi.get(key)) for key in KPI_KEYS},
        "formula": formula(kpi),
        "grain": grain,
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "is_complete": row["is_complete"],
            "is_provisional": row["is_provisional"],
            "elapsed_days": row["elapsed_days"],
            "period_days": row["period_days"],
        },
        "target": {
            "target": row["target"],
            "target_low": row["target_low"],
            "target_high": row["target_high"],
            "effective_from": _plain(row["target_effective_from"]),
            "amber_from": kpi["amber_from"],
        },
        "value": {key: _plain(row.get(key)) for key in VALUE_KEYS},
        "metrics": metrics,
        "batches": reader.batches(metrics, grain, periods),
        "breakdowns": [],
    }


def _inputs(kpi: dict) -> list[tuple[str, str]]:
    if kpi["type"] == "ratio":
        return [
            ("numerator", kpi["numerator_metric_id"]),
            ("denominator", kpi["denominator_metric_id"]),
        ]
    return [("metric", kpi["metric_id"])]


def formula(kpi: dict) -> str:
    """The KPI's formula over its metric ids (DESIGN §5): raw × scale + offset."""
    kind, metric = kpi["type"], kpi["metric_id"]
    core = {
        "ratio": f"{kpi['numerator_metric_id']} / {kpi['denominator_metric_id']}",
        "growth": f"({metric} / previous {metric} − 1)",
        "change": f"({metric} − previous {metric})",
    }.get(kind, metric)
    scale, offset = kpi["scale"], kpi["value_offset"]
    if scale not in (None, 1):
        core = f"{scale:g} × {core}"
    if offset:
        core += f" {'+' if offset > 0 else '−'} {abs(offset):g}"
    return core


def _previous(grain: str, start: date) -> tuple[date, date]:
    """The previous period of the same grain: (first day, last day)."""
    if grain in ("day", "week"):
        first = start - timedelta(days=1 if grain == "day" else 7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        index = start.year * 12 + start.month - 1 - months
        first = date(index // 12, index % 12 + 1, 1)
    return first, start - timedelta(days=1)


class _Reader:
    """Reads metric totals and provenance for one explain from the open serving file."""

    def __init__(self, con, store: LandingStore, has_provenance: bool):
        self.con, self.store, self.has_provenance = con, store, has_provenance

    def metric(self, role, metric_id, grain, periods, kpi_filter) -> dict:
        additivity = self._additivity(metric_id)
        (start, _), *earlier = periods
        out = {
            "role": role,
            "metric_id": metric_id,
            "additivity": additivity,
            "filter": kpi_filter,
            **self._values(metric_id, grain, start, kpi_filter),
            "sources": self._sources(metric_id, grain, start, additivity),
            "previous": None,
        }
        if earlier:  # growth and change compare with the previous period
            ((first, last),) = earlier
            out["previous"] = {
                "period_start": first.isoformat(),
                "period_end": last.isoformat(),
                **self._values(metric_id, grain, first, kpi_filter),
                "sources": self._sources(metric_id, grain, first, additivity),
            }
        return out

    def _additivity(self, metric_id: str) -> str | None:
        if not self.has_provenance:
            return None
        found = self.con.execute(
            "select any_value(additivity) from provenance.metric_sources where metric_id = ?",
            [metric_id],
        ).fetchone()
        return found[0] if found else None

    def _values(self, metric_id, grain, start, kpi_filter) -> dict:
        """The metric's total for the period and, for a filtered KPI, the member's value (what
        the KPI computed with; scorecard.metric_breakdowns)."""
        total = self.con.execute(
            "select value from scorecard.metric_values"
            " where metric_id = ? and grain = ? and period_start = ?",
            [metric_id, grain, start],
        ).fetchone()
        total = total[0] if total else None
        if not kpi_filter:
            return {"value": total, "total": total}
        ((dimension, member),) = kpi_filter.items()
        value = self.con.execute(
            "select value from scorecard.metric_breakdowns where metric_id = ? and grain = ?"
            " and period_start = ? and dimension = ? and member = ?",
            [metric_id, grain, start, dimension, member],
        ).fetchone()
        return {"value": value[0] if value else None, "total": total}

    def _sources(self, metric_id, grain, start, additivity) -> list[dict]:
        """Each source and account's own value (provenance.metric_sources) and, where the
        accounts add up to the total, its share of their sum."""
        if not self.has_provenance:
            return []
        rows = _rows(
            self.con,
            "select source_name, account, value from provenance.metric_sources"
            " where metric_id = ? and grain = ? and period_start = ? order by source_name, account",
            [metric_id, grain, start],
        )
        total = sum(r["value"] for r in rows if r["value"] is not None)
        for r in rows:
            additive = additivity in ADDITIVE and total and r["value"] is not None
            r["share"] = r["value"] / total if additive else None
        return rows

    def batches(self, metrics: list[dict], grain: str, periods) -> list[dict]:
        """The landing batches whose staged rows made the metric values of the period(s), one
        entry per batch: its staged rows behind the values of the days used (rows_used, any
        metric) and how many of them each of the KPI's metrics added up (a row can feed two,
        like a won deal: its count and its days to close), and whether its file is still in
        landing. Lookup rows (CRM pipeline stages) are listed without counts."""
        if not self.has_provenance:
            return []
        used: dict[tuple, dict] = {}
        for m in metrics:
            for start, end in periods:
                for row in self._used(m["metric_id"], m["additivity"], grain, start, end):
                    key = tuple(row[k] for k in _USED_KEY)
                    used.setdefault(key, {**row, "kpi_metrics": set()})["kpi_metrics"].add(
                        m["metric_id"]
                    )
        batches: dict[tuple, dict] = {}
        for row in used.values():
            key = (row["source_name"], row["stream"], row["batch_id"])
            entry = batches.get(key)
            if entry is None:
                entry = batches[key] = self._batch(row)
            if row["rows_used"] is not None:
                entry["rows_used"] = (entry["rows_used"] or 0) + row["rows_used"]
            for metric_id in row["kpi_metrics"]:
                rows = (row["metric_rows"] or {}).get(metric_id)
                if rows is not None:  # lookup rows (CRM pipeline stages) are not counted
                    by_metric = entry["rows_by_metric"]
                    by_metric[metric_id] = by_metric.get(metric_id, 0) + rows
            entry["metric_ids"] |= row["kpi_metrics"]
            entry["accounts"].add(row["account"])
            entry["days"].add(row["period_start"])
        out = []
        for entry in batches.values():
            days = entry.pop("days")
            entry["first_day"], entry["last_day"] = min(days).isoformat(), max(days).isoformat()
            entry["accounts"] = sorted(entry["accounts"])
            entry["metric_ids"] = sorted(entry["metric_ids"])
            by_metric = entry["rows_by_metric"]
            entry["rows_by_metric"] = dict(sorted(by_metric.items()))
            out.append(entry)
        return sorted(out, key=lambda b: (b["source_name"], b["stream"], b["extracted_at"] or ""))

    def _used(self, metric_id, additivity, grain, start, end) -> list[dict]:
        """provenance.landing_batches rows behind the metric's value for one period: its days
        (a stock: each account's own last day with data), or the period the source reported
        (a sourced metric above day grain)."""
        if additivity == "sourced" and grain != "day":
            where, params = "grain = ? and period_start = ?", [grain, start]
        else:
            where, params = "grain = 'day' and period_start between ? and ?", [start, end]
        query = (
            "select * from provenance.landing_batches"
            f" where list_contains(map_keys(metric_rows), ?) and {where}"
        )
        if additivity == "last":
            query = (
                f"with used as ({query}) select used.* from used join ("
                " select source_name, account, max(period_start) as last_day from used"
                " group by source_name, account) as last using (source_name, account)"
                " where used.period_start = last.last_day"
            )
        return _rows(self.con, query, [metric_id, *params])

    def _batch(self, row: dict) -> dict:
        extracted_at = row["extracted_at"]
        path = None
        if extracted_at is not None:
            path = self.store.batch_path(
                row["source_name"], row["stream"], extracted_at, row["batch_id"]
            )
        return {
            "source_name": row["source_name"],
            "stream": row["stream"],
            "batch_id": row["batch_id"],
            "file": path.relative_to(self.store.root).as_posix() if path else None,
            "path": str(path.resolve()) if path else None,
            "exists": bool(path and path.exists()),
            "extracted_at": _plain(extracted_at),
            "window_start": _plain(row["window_start"]),
            "window_end": _plain(row["window_end"]),
            "source_file": row["source_file"],
            "landed_rows": row["landed_rows"],
            "rows_used": None,
            "rows_by_metric": {},
            "metric_ids": set(),
            "accounts": set(),
            "days": set(),
        }


_USED_KEY = ("source_name", "account", "stream", "batch_id", "grain", "period_start")


def _breakdowns(con, kpi_id: str, grain: str, start: date) -> list[dict]:
    """The KPI's per-member split (scorecard.kpi_breakdowns), largest contribution first."""
    return _rows(
        con,
        "select dimension, member, value, previous_value, change_pct, contribution"
        " from scorecard.kpi_breakdowns where kpi_id = ? and grain = ? and period_start = ?"
        " order by dimension, abs(contribution) desc nulls last, member",
        [kpi_id, grain, start],
    )


def _notes(doc: dict, has_provenance: bool) -> list[str]:
    """What a reader should know to read the numbers right, one sentence each."""
    notes = []
    period, value = doc["period"], doc["value"]
    if value["value"] is None:
        notes.append(f"No value for this period: {_why_no_value(doc)}.")
    if not period["is_complete"]:
        notes.append(
            f"The period is still running (day {period['elapsed_days']} of "
            f"{period['period_days']} with data): status is against the full target, "
            "projected_status against pace."
        )
    elif period["is_provisional"]:
        notes.append(
            "Provisional: the period ends within the sources' lookback, so restated data may "
            "still change it."
        )
    if value["quality_flags"]:
        notes.append(f"Data-quality flags on its inputs: {value['quality_flags']}.")
    kpi_filter = doc["kpi"]["filter"]
    if kpi_filter:
        ((dimension, member),) = kpi_filter.items()
        notes.append(
            f"Filtered to {dimension} = {member}: the KPI uses that member's metric values "
            "(scorecard.metric_breakdowns); sources and batches are those of the metrics' totals."
        )
    if not has_provenance:
        notes.append(
            "This scorecard was published without provenance (before `scorecard explain` "
            "existed): sources and landing batches appear after the next run."
        )
        return notes
    fed = {s["source_name"] for m in doc["metrics"] for s in m["sources"]}
    without = sorted(fed - {b["source_name"] for b in doc["batches"]})
    if without:
        notes.append(
            f"No landing batches are recorded for {', '.join(without)}: "
            "its connector type declares no provenance model."
        )
    missing = [b["file"] or b["batch_id"] for b in doc["batches"] if not b["exists"]]
    if missing:
        notes.append(
            f"{len(missing)} landing file(s) are no longer in landing (moved or deleted by "
            f"hand): {', '.join(missing[:5])}."
        )
    return notes


def _why_no_value(doc: dict) -> str:
    metrics = {m["role"]: m for m in doc["metrics"]}
    kind = doc["kpi"]["type"]
    if kind == "ratio":
        denominator = metrics["denominator"]
        if not denominator["value"]:
            return f"its denominator {denominator['metric_id']} has no data or is 0"
    metric = metrics.get("metric") or metrics["numerator"]
    if metric["value"] is None:
        return f"{metric['metric_id']} has no data in the period"
    if kind == "growth":
        return f"{metric['metric_id']} has no data or is 0 in the previous period"
    return f"{metric['metric_id']} has no data in the previous period"


def _plain(value):
    """A value as JSON holds it: dates and times in ISO 8601 (times in UTC), maps as objects."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
