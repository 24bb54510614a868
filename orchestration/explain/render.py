"""`scorecard explain` for people: the explain document as rich tables."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

# members shown per dimension; the JSON form lists them all
TOP_MEMBERS = 10
STATUS_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def render(doc: dict, console: Console) -> None:
    kpi, period, value, target = doc["kpi"], doc["period"], doc["value"], doc["target"]
    state = "complete" if period["is_complete"] else "running"
    if period["is_provisional"]:
        state += ", provisional"
    console.print(
        f"[bold]{escape(kpi['name'])}[/] ({kpi['kpi_id']}) — {doc['grain']} "
        f"{period['start']} to {period['end']} ({state})",
        highlight=False,
        soft_wrap=True,
    )
    console.print(_definition(doc), highlight=False)
    style = STATUS_STYLE.get(value["status"], "dim")
    computation = _computation(doc)
    shown = _number(value["value"])
    console.print(
        f"Value [bold]{shown}[/]{'' if computation == shown else f' = {computation}'} · "
        f"[{style}]{value['status']}[/] · score {_number(value['score'])} · "
        f"attainment {_number(value['attainment'])}",
        highlight=False,
        soft_wrap=True,
    )
    if not period["is_complete"]:
        console.print(
            f"  on pace: target to date {_number(value['target_to_date'])}, projected "
            f"{_number(value['projected_value'])} ({value['projected_status']})",
            highlight=False,
        )
    console.print(f"Target: {_target(target)}", highlight=False)
    console.print(_metrics(doc))
    console.print(_sources(doc))
    if doc["batches"]:
        console.print(_batches(doc))
    for table in _breakdowns(doc):
        console.print(table)
    for note in doc["notes"]:
        console.print(f"[dim]•[/] {escape(note)}", highlight=False, soft_wrap=True)


def _definition(doc: dict) -> Table:
    kpi = doc["kpi"]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    table.add_row("type", f"{kpi['type']}: {doc['formula']}")
    table.add_row("unit", kpi["unit"] + (f" ({kpi['currency']})" if kpi["currency"] else ""))
    table.add_row("direction", kpi["direction"].replace("_", " "))
    if kpi["filter"]:
        table.add_row("filter", ", ".join(f"{k} = {v}" for k, v in kpi["filter"].items()))
    if kpi["breakdowns"]:
        table.add_row("breakdowns", ", ".join(kpi["breakdowns"]))
    table.add_row("owner", kpi["owner"] or "–")
    return table


def _computation(doc: dict) -> str:
    """The formula with the period's metric values in it (the result is the published value)."""
    kpi = doc["kpi"]
    values = {m["role"]: m for m in doc["metrics"]}
    kind = kpi["type"]
    if kind == "ratio":
        numerator, denominator = values["numerator"]["value"], values["denominator"]["value"]
        core = f"{_number(numerator)} / {_number(denominator)}"
    else:
        metric = values["metric"]
        now = _number(metric["value"])
        before = _number((metric["previous"] or {}).get("value"))
        core = {"growth": f"({now} / {before} − 1)", "change": f"({now} − {before})"}.get(kind, now)
    scale, offset = kpi["scale"], kpi["value_offset"]
    if scale not in (None, 1):
        core = f"{scale:g} × {core}"
    if offset:
        core += f" {'+' if offset > 0 else '−'} {abs(offset):g}"
    return core


def _target(target: dict) -> str:
    if target["target_low"] is not None or target["target_high"] is not None:
        bar = f"range {_number(target['target_low'])} to {_number(target['target_high'])}"
    elif target["target"] is not None:
        bar = _number(target["target"])
    else:
        return "none for this grain"
    since = (
        f"from {target['effective_from']}"
        if target["effective_from"]
        else "undated (applies to every period)"
    )
    return f"{bar}, {since}; amber from {_number(target['amber_from'])} of it"


def _metrics(doc: dict) -> Table:
    growth = any(m["previous"] for m in doc["metrics"])
    table = Table(title="Metrics", title_justify="left")
    for column in ("Role", "Metric", "Additivity", "Value"):
        table.add_column(column, justify="right" if column == "Value" else "left")
    if any(m["filter"] for m in doc["metrics"]):
        table.add_column("Total (unfiltered)", justify="right")
    if growth:
        table.add_column("Previous period", justify="right")
    for m in doc["metrics"]:
        cells = [m["role"], m["metric_id"], m["additivity"] or "–", _number(m["value"])]
        if m["filter"]:
            cells.append(_number(m["total"]))
        if growth:
            previous = m["previous"] or {}
            cells.append(
                f"{_number(previous.get('value'))} ({previous.get('period_start')})"
                if previous
                else "–"
            )
        table.add_row(*cells)
    return table


def _sources(doc: dict) -> Table:
    growth = any(m["previous"] for m in doc["metrics"])
    table = Table(title="Sources and accounts", title_justify="left")
    for column in ("Metric", *(["Period"] if growth else []), "Source", "Account"):
        table.add_column(column, overflow="fold")
    table.add_column("Value", justify="right")
    table.add_column("Share", justify="right")
    for m in doc["metrics"]:
        blocks = [(doc["period"]["start"], m["sources"])]
        if m["previous"]:
            blocks.append((m["previous"]["period_start"], m["previous"]["sources"]))
        for start, sources in blocks:
            for s in sources:
                share = "–" if s["share"] is None else f"{100 * s['share']:.1f} %"
                cells = [m["metric_id"], *([start] if growth else []), s["source_name"]]
                table.add_row(*cells, s["account"], _number(s["value"]), share)
    return table


def _batches(doc: dict) -> Table:
    table = Table(title="Landing batches used", title_justify="left")
    # a file name is read in full: wrapped, never cut
    table.add_column("Landing file", overflow="fold", ratio=1)
    table.add_column("Extracted (UTC)")
    table.add_column("Rows used", justify="right")
    table.add_column("In file", justify="right")
    for b in doc["batches"]:
        name = escape(b["file"] or f"{b['source_name']}/{b['stream']} batch {b['batch_id']}")
        if not b["exists"]:
            name = f"[red]{name} (missing)[/]"
        details = [
            f"window {b['window_start'] or '–'} to {b['window_end'] or '–'}",
            "feeds " + ", ".join(_fed(b, m) for m in b["metric_ids"]),
        ]
        if b["source_file"]:
            details.insert(0, f"from {escape(b['source_file'])}")
        table.add_row(
            f"{name}\n[dim]{'; '.join(details)}[/]",
            (b["extracted_at"] or "–")[:19].replace("T", " "),
            "–" if b["rows_used"] is None else f"{b['rows_used']:,}",
            "–" if b["landed_rows"] is None else f"{b['landed_rows']:,}",
        )
    return table


def _fed(batch: dict, metric_id: str) -> str:
    rows = batch["rows_by_metric"].get(metric_id)
    return f"{metric_id} ({'lookup rows' if rows is None else f'{rows:,} rows'})"


def _breakdowns(doc: dict) -> list[Table]:
    by_dimension: dict[str, list[dict]] = {}
    for member in doc["breakdowns"]:
        by_dimension.setdefault(member["dimension"], []).append(member)
    tables = []
    for dimension, members in by_dimension.items():
        table = Table(title=f"By {dimension}", title_justify="left")
        for column in ("Member", "Value", "Previous", "Change", "Contribution"):
            table.add_column(column, justify="left" if column == "Member" else "right")
        for m in members[:TOP_MEMBERS]:
            change = "–" if m["change_pct"] is None else f"{100 * m['change_pct']:+.1f} %"
            table.add_row(
                escape(m["member"]),
                _number(m["value"]),
                _number(m["previous_value"]),
                change,
                _number(m["contribution"]),
            )
        if len(members) > TOP_MEMBERS:
            table.add_row(f"… {len(members) - TOP_MEMBERS} more (--json lists all)", "", "", "", "")
        tables.append(table)
    return tables


def _number(value) -> str:
    """A number as people read it: thousands separated, at most four decimals."""
    if value is None:
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
