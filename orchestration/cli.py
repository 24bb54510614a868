"""`scorecard` — the command line (DESIGN §9).

Exit codes: 0 published; 1 a gate or a step failed, nothing published; 2 configuration error.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connectors.secrets import ConfigError

app = typer.Typer(
    help="Marketing Scorecard: extract, build, audit and publish a balanced scorecard.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="scorecard.yml (default: $SCORECARD_CONFIG, else ./scorecard.yml).",
        show_default=False,
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            mine = version("marketing-scorecard")
        except PackageNotFoundError:  # run from a checkout that was never installed
            mine = "unknown (not installed)"
        out.print(f"scorecard {mine}", highlight=False)
        raise typer.Exit()


class LogFormat(StrEnum):
    text = "text"
    json = "json"


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print what each step logs.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only failures and the outcome.")
    ] = False,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            "--log-format",
            help="text (for people, the default) or json: one JSON object per line on stderr "
            "and the outcome as JSON on stdout, for log shippers. Also set by "
            "$SCORECARD_LOG_FORMAT.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Marketing Scorecard: extract, build, audit and publish a balanced scorecard."""
    from orchestration.progress import LOG_FORMAT_ENV, VERBOSITY_ENV

    if verbose and quiet:
        err.print("[red]--verbose and --quiet contradict each other: choose one.[/]")
        raise typer.Exit(2)
    # through the environment, so the run's Dagster logger (and a run the daemon starts from a
    # unit with the same variables) prints the same way
    if verbose or quiet:
        os.environ[VERBOSITY_ENV] = "verbose" if verbose else "quiet"
    if log_format is not None:
        os.environ[LOG_FORMAT_ENV] = log_format.value


def _say(*args, **kwargs) -> None:
    """Narration for people: left out with --quiet and in JSON output."""
    from orchestration.progress import output_settings

    verbosity, fmt = output_settings()
    if fmt == "text" and verbosity != "quiet":
        err.print(*args, **kwargs)


def _quiet_libraries() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    for name in ("great_expectations", "dagster", "dbt"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _load(config: Path | None, demo: bool):
    from orchestration.config import find_config, load_config

    path = find_config(config, demo=demo)
    try:
        return path, load_config(path)
    except ConfigError as e:
        err.print(f"[red]Configuration error.[/] {e}", highlight=False)
        raise typer.Exit(2) from None


@app.command()
def run(
    config: ConfigOption = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Use bundled sample data (no credentials needed).")
    ] = False,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild the warehouse from landing alone.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Run as of this date (YYYY-MM-DD: as that day began) or local time "
            "(YYYY-MM-DDTHH:MM); default: now.",
        ),
    ] = None,
) -> None:
    """Extract -> build -> audit -> publish. Exit 0 only when a new scorecard was published."""
    _quiet_libraries()
    path, cfg = _load(config, demo)
    moment, run_date = _as_of_option(as_of, cfg)
    if not demo:
        _check_secrets(cfg)
    _say(
        f"[bold]Marketing Scorecard[/] — {cfg.framework.replace('_', ' ')}, {len(cfg.kpis)} KPIs, "
        f"{len(cfg.sources)} sources{' (demo data)' if demo else ''}, run date {run_date}",
        highlight=False,
    )
    _say(f"[dim]config: {path}[/]", highlight=False)
    _execute(cfg, demo=demo, moment=moment, full_refresh=full_refresh)


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--start", help="First day to extract again (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="Last day to extract again (YYYY-MM-DD).")],
    config: ConfigOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="Use bundled sample data.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Run as of this date (YYYY-MM-DD) or local time; default: now."
        ),
    ] = None,
) -> None:
    """Extract a date range again from every API source, rebuild and publish.

    Idempotent: re-extracted days replace what landing held for them (newest wins), and the
    warehouse is rebuilt from landing, so running it twice publishes the same scorecard.
    """
    _quiet_libraries()
    _, cfg = _load(config, demo)
    days = [_date_option(name, value) for name, value in (("--start", start), ("--end", end))]
    if days[0] > days[1]:
        err.print(f"[red]--start {start} is after --end {end}.[/]")
        raise typer.Exit(2)
    moment, run_date = _as_of_option(as_of, cfg)
    if not demo:
        _check_secrets(cfg)
    _say(f"[bold]Backfill[/] {days[0]} .. {days[1]} (run date {run_date})", highlight=False)
    _execute(cfg, demo=demo, moment=moment, full_refresh=True, backfill=(days[0], days[1]))


def _as_of_option(value: str | None, cfg) -> tuple[datetime, date]:
    """The run's moment and its date in the business time zone (the run date)."""
    from orchestration.run_context import business_date, run_moment

    try:
        moment = run_moment(value, cfg.timezone)
    except ValueError:
        err.print(
            f"[red]--as-of {value!r} is not a date like 2026-01-31 or a local time like "
            "2026-01-31T02:00.[/]"
        )
        raise typer.Exit(2) from None
    return moment, business_date(moment, cfg.timezone)


def _date_option(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]{name} {value!r} is not a date like 2026-01-31.[/]")
        raise typer.Exit(2) from None


def _execute(cfg, *, demo: bool, moment: datetime, full_refresh: bool, backfill=None) -> None:
    from orchestration.runner import run_pipeline

    try:
        outcome = run_pipeline(
            cfg, demo=demo, moment=moment, full_refresh=full_refresh, backfill=backfill
        )
    except ConfigError as e:
        err.print(f"[red]Configuration error.[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    from orchestration.progress import output_settings

    if output_settings()[1] == "json":
        _json_outcome(cfg, outcome)
    if not outcome.published:
        if outcome.cause:  # the one line to read first, before the details
            err.print(
                f"\n[bold red]Run failed:[/] {escape(outcome.cause)}",
                highlight=False,
                soft_wrap=True,
            )
        err.print(
            (
                "[bold red]So nothing was published.[/] "
                if outcome.cause
                else "\n[bold red]Run failed: nothing was published.[/] "
            )
            + (
                f"The previous scorecard stays at {outcome.serving}."
                if outcome.serving.exists()
                else "No scorecard has been published yet."
            ),
            highlight=False,
        )
        for step, message in outcome.failed_steps.items():
            err.print(f"  [red]✗[/] {step}: {message.splitlines()[0] if message else ''}")
        for failure in outcome.failures:
            err.print(f"  - {failure}", highlight=False)
        if outcome.report_path:
            err.print(
                f"Data-quality report: {outcome.report_path}", highlight=False, soft_wrap=True
            )
        err.print(
            f"[dim]run id {outcome.run_id}; log: {outcome.log_path}[/]",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if output_settings()[0] != "quiet":
        _print_summary(outcome.serving)
    if outcome.up_to_date:
        # nothing landed, changed or was re-dated since the last publish (decision 29)
        out.print(
            "Up to date: nothing new since the last publish; dbt, the gates and the publish "
            "were skipped (--full-refresh rebuilds anyway).",
            highlight=False,
            soft_wrap=True,
        )
    label = "Scorecard (unchanged)" if outcome.up_to_date else "Scorecard published"
    out.print(f"{label}: {outcome.serving.resolve()}", highlight=False, soft_wrap=True)
    if outcome.scorecard_page:
        out.print(
            f"Scorecard report: {outcome.scorecard_page.resolve()}", highlight=False, soft_wrap=True
        )
    _print_alerts(cfg, outcome.run_id)
    if outcome.failed_steps:
        err.print("\n[bold red]The scorecard was published, but a later step failed.[/]")
        for step, message in outcome.failed_steps.items():
            err.print(f"  [red]✗[/] {step}: {message.splitlines()[0] if message else ''}")
        err.print(f"[dim]run id {outcome.run_id}; log: {outcome.log_path}[/]", soft_wrap=True)
        raise typer.Exit(1)


def _json_outcome(cfg, outcome) -> None:
    """--log-format json: the outcome as one JSON object on stdout, and the exit code."""
    import json

    from orchestration.delivery.ledger import recent_deliveries

    published = outcome.published and not outcome.failed_steps
    document = {
        "run_id": outcome.run_id,
        "published": outcome.published,
        "up_to_date": outcome.up_to_date,
        "serving": str(outcome.serving.resolve()) if outcome.published else None,
        "page": str(outcome.scorecard_page.resolve()) if outcome.scorecard_page else None,
        "cause": outcome.cause,
        "failed_steps": outcome.failed_steps,
        "failures": outcome.failures,
        "data_quality_report": str(outcome.report_path) if outcome.report_path else None,
        "log": str(outcome.log_path) if outcome.log_path else None,
        "alerts": [d for d in recent_deliveries(cfg, limit=200) if d["run_id"] == outcome.run_id],
    }
    print(json.dumps(document, default=str), flush=True)
    raise typer.Exit(0 if published else 1)


def _print_alerts(cfg, run_id: str) -> None:
    """What this run's status-change alerts reached (a failed send never fails the run)."""
    from orchestration.delivery.ledger import recent_deliveries

    for d in recent_deliveries(cfg, limit=200):
        if d["run_id"] != run_id:
            continue
        if d["ok"]:
            out.print(f"Alert sent to {d['channel']} {d['recipient']}", highlight=False)
        else:
            err.print(
                f"[yellow]Alert NOT sent to {d['channel']} {escape(d['recipient'])}:[/] "
                f"{escape(d['error'] or '')}; it is retried on the next publish "
                "(or `scorecard deliver --alerts`)",
                highlight=False,
            )


def _print_summary(serving: Path) -> None:
    import duckdb

    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select p.name, s.period_start, s.score, s.kpis_green, s.kpis_amber, s.kpis_red,"
            " s.kpis_no_data + s.kpis_no_target"
            " from scorecard.perspective_scores s"
            " join scorecard.perspectives p using (perspective)"
            " where s.grain = 'month' and s.period_start = ("
            "   select max(period_start) from scorecard.perspective_scores"
            "   where grain = 'month' and is_complete)"
            " order by p.position"
        ).fetchall()
    if not rows:
        return
    table = Table(title=f"Scorecard for {rows[0][1]:%B %Y}", title_justify="left")
    for column in ("Perspective", "Score", "Green", "Amber", "Red", "No data / target"):
        table.add_column(column, justify="left" if column == "Perspective" else "right")
    for name, _, score, green, amber, red, other in rows:
        table.add_row(
            name, "–" if score is None else f"{score:.1f}", *map(str, (green, amber, red, other))
        )
    err.print(table)


@app.command()
def status(
    config: ConfigOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="The bundled demo's status.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What is published, the last runs, source freshness and quarantined files."""
    import json

    from orchestration.status import collect

    _, cfg = _load(config, demo)
    info = collect(cfg)
    if as_json:
        out.print_json(json.dumps(info))
        return
    published = info["published"]
    if published:
        out.print(
            f"[bold]Published[/] {published['path']} at {published['published_at']} "
            f"(run date {published['run_date']}, built by {published['engine']}, "
            f"{published['checks_passed']} checks passed)",
            highlight=False,
        )
    else:
        out.print("[bold]Published[/] nothing yet", highlight=False)
    runs = Table(title="Last runs", title_justify="left")
    for column in ("Started (UTC)", "Outcome", "Duration", "Run id", "Problems"):
        runs.add_column(column)
    for run in info["runs"]:
        style = "green" if run["outcome"] in ("published", "up to date") else "red"
        runs.add_row(
            run["started_at"][:19].replace("T", " "),
            f"[{style}]{run['outcome']}[/]",
            f"{run['duration_s']:.0f} s",
            run["run_id"][:8],
            "\n".join(p[:160] for p in run["problems"][:3]),
        )
    out.print(runs)
    sources = Table(title="Sources", title_justify="left")
    for column in (
        "Source",
        "Type",
        "Data until",
        "Lag (days)",
        "Last extraction (UTC)",
        "Batches",
    ):
        sources.add_column(column)
    for s in info["sources"]:
        sources.add_row(
            s["source"],
            s["type"],
            s["data_until"] or "–",
            "–"
            if s["lag_days"] is None
            else (
                f"[red]{s['lag_days']} (limit {s['max_lag_days']})[/]"
                if s.get("stale")
                else str(s["lag_days"])
            ),
            (s["last_extracted_at"] or "–")[:19].replace("T", " "),
            str(s["batches"]),
        )
    out.print(sources)
    if info["tokens"]:
        tokens = Table(title="Credentials", title_justify="left")
        for column in ("Source", "Token", "Expires (UTC)", "Days left", "Renews itself"):
            tokens.add_column(column)
        for t in info["tokens"]:
            days = t["days_left"]
            left = "–"
            if days is not None:  # red once expired, yellow in the last 14 days
                style = "red" if days < 0 else "yellow" if days < 14 else "default"
                left = f"[{style}]{days:.0f}[/]"
            tokens.add_row(
                t["source"],
                t["kind"],
                (t["expires_at"] or "no expiry date")[:19].replace("T", " "),
                left,
                "yes" if t["renews_itself"] else "no",
            )
        out.print(tokens)
    if info["quarantined"]:
        quarantine = Table(title="Quarantined files", title_justify="left")
        for column in ("Source", "Stream", "File", "When", "Reason"):
            quarantine.add_column(column)
        for q in info["quarantined"]:
            quarantine.add_row(
                q["source"],
                q["stream"] or "",
                Path(q["file"]).name,
                (q["quarantined_at"] or "")[:19],
                q["reason"][:300],
            )
        out.print(quarantine)
    else:
        out.print("No quarantined files.")
    if info["deliveries"]:
        sent = Table(title="Deliveries (alerts and digests)", title_justify="left")
        for column in ("When (UTC)", "What", "To", "Outcome", "Attempts"):
            sent.add_column(column)
        for d in info["deliveries"]:
            sent.add_row(
                d["at"][:19].replace("T", " "),
                f"{d['kind']}: {d['name']}",
                f"{d['channel']} {d['recipient']}",
                "[green]sent[/]" if d["ok"] else f"[red]not sent[/] {escape(d['error'] or '')}",
                str(d["attempts"]),
            )
        out.print(sent)
    if info["alerts_pending"]:
        out.print(
            f"[yellow]{info['alerts_pending']} alert sends are waiting to be retried[/] "
            "(on the next publish, or now with `scorecard deliver --alerts`)."
        )


@app.command()
def report(
    config: ConfigOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="The bundled demo's scorecard.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the page (default: report.path)."),
    ] = None,
    pdf: Annotated[
        Path | None,
        typer.Option(
            "--pdf",
            help="Also print the page to this PDF (A4), with headless Chromium"
            " ($SCORECARD_CHROMIUM, else chromium or google-chrome on PATH).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the published scorecard as one self-contained HTML page (opens nothing by itself)."""
    from orchestration.report import NothingPublished, write_report

    _, cfg = _load(config, demo)
    try:
        path = write_report(cfg, output)
    except NothingPublished as e:
        err.print(f"[red]Nothing to report:[/] {e}. Run `scorecard run` first.", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"Scorecard report: {path.resolve()}", highlight=False, soft_wrap=True)
    if pdf is not None:
        from orchestration.report.pdf import PdfFailed, PdfUnavailable, write_pdf

        try:
            written = write_pdf(path, pdf, chromium=cfg.report.chromium)
        except (PdfUnavailable, PdfFailed) as e:
            err.print(f"[red]No PDF:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        out.print(f"Scorecard PDF: {written.resolve()}", highlight=False, soft_wrap=True)


class Grain(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


@app.command()
def explain(
    kpi_id: Annotated[str, typer.Argument(help="The KPI's id (scorecard.kpis.kpi_id).")],
    grain: Annotated[Grain, typer.Option("--grain", help="The period's grain.")] = Grain.month,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Any date inside the period (YYYY-MM-DD); default: the newest complete period.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="The bundled demo's scorecard.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """How a published KPI value came to be: definition and target rule, metric totals, the
    sources and accounts that fed them, the landing batches used, and the per-member split."""
    import json

    from orchestration.explain import ExplainError, render
    from orchestration.explain import explain as collect

    _, cfg = _load(config, demo)
    day = _date_option("--period", period) if period else None
    try:
        doc = collect(cfg.publish.duckdb, cfg.paths.landing, kpi_id, grain=grain.value, period=day)
    except ExplainError as e:
        err.print(f"[red]Cannot explain {escape(kpi_id)}:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    if as_json:
        out.print_json(json.dumps(doc))
        return
    render(doc, out)


@app.command()
def deliver(
    config: ConfigOption = None,
    now: Annotated[
        bool, typer.Option("--now", help="Send the digest now (all digests without --digest).")
    ] = False,
    digest: Annotated[
        str | None, typer.Option("--digest", help="Which digest (a `deliver:` name).")
    ] = None,
    alerts: Annotated[
        bool,
        typer.Option(
            "--alerts",
            help="Send the published scorecard's status-change alerts not sent yet "
            "(new ones and retries of failed sends).",
        ),
    ] = False,
) -> None:
    """Digests and alerts: list the digests and when they go out, or send them now."""
    from orchestration.delivery.alerts import send_status_alerts
    from orchestration.delivery.digest import NothingToSend, digest_named, send_digest

    _, cfg = _load(config, False)
    try:
        chosen = digest_named(cfg, digest)
    except KeyError as e:
        err.print(f"[red]{escape(str(e.args[0]))}[/]", highlight=False)
        raise typer.Exit(2) from None
    if not now and not alerts:
        if not chosen:
            out.print("No digests configured (add `deliver:` to the config).")
            return
        table = Table(title="Digests", title_justify="left")
        for column in ("Name", "When", "Grain", "To", "Page"):
            table.add_column(column)
        for d in chosen:
            table.add_row(
                d.name,
                f"{d.schedule.replace('_', ' ')} at {d.at} ({cfg.timezone})",
                d.grain,
                ", ".join([*d.to, *d.people]),
                d.page,
            )
        out.print(table)
        out.print("Send one now with `scorecard deliver --now --digest NAME`.")
        return
    deliveries = []
    if alerts:
        deliveries += send_status_alerts(cfg, info=out.print)
        if not deliveries:
            out.print("No status-change alert to send.")
    if now:
        if not chosen:
            err.print("[red]No digests configured (add `deliver:` to the config).[/]")
            raise typer.Exit(2)
        try:
            for d in chosen:
                deliveries += send_digest(cfg, d, info=out.print)
        except NothingToSend as e:
            err.print(f"[red]{escape(str(e))}[/]", highlight=False)
            raise typer.Exit(1) from None
    if any(not d.ok for d in deliveries):
        raise typer.Exit(1)


@app.command("validate-config")
def validate_config(config: ConfigOption = None) -> None:
    """Check a config file and say what it configures (exit 2 when it is invalid)."""
    path, cfg = _load(config, demo=False)
    out.print(f"[green]✓[/] {path} is valid.", highlight=False)
    out.print(
        f"  framework {cfg.framework}: "
        + ", ".join(
            f"{p.name} ({sum(1 for k in cfg.kpis if _perspective(cfg, k) == p.id)} KPIs)"
            for p in cfg.perspective_list()
        ),
        highlight=False,
    )
    out.print(
        f"  {len(cfg.sources)} sources: " + ", ".join(f"{s.name} ({s.type})" for s in cfg.sources)
    )
    refs = sorted(_env_references(cfg.model_dump()))
    if refs:
        missing = [r for r in refs if not os.environ.get(r)]
        out.print(
            f"  secrets read from the environment at run time: {', '.join(refs)}"
            + (f" — not set now: {', '.join(missing)}" if missing else ""),
            highlight=False,
        )
    out.print(f"  publishes to {cfg.publish.duckdb}", highlight=False)
    out.print(f"  writes the HTML scorecard to {cfg.report_path}", highlight=False)


def _check_secrets(cfg) -> None:
    """Every env: reference must be set before a real run starts (exit 2 if one is not)."""
    from connectors.secrets import resolve_secret

    for i, source in enumerate(cfg.sources):
        for key, value in _leaves(source.model_dump(), f"sources[{i}] ({source.name})"):
            if isinstance(value, str) and value.startswith("env:"):
                try:
                    resolve_secret(value, key=key)
                except ConfigError as e:
                    err.print(f"[red]Configuration error.[/] {e}", highlight=False)
                    raise typer.Exit(2) from None


def _leaves(value, path: str):
    """(key path, value) of every scalar in nested config (a rest_api source's `auth.value`)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def _env_references(value) -> set[str]:
    return {v[4:] for _, v in _leaves(value, "") if isinstance(v, str) and v.startswith("env:")}


class ConnectorKind(StrEnum):
    http = "http"
    file = "file"


@app.command("new-connector")
def new_connector(
    name: Annotated[str, typer.Argument(help="Source type, e.g. acme_ads (a-z, 0-9, _).")],
    kind: Annotated[
        ConnectorKind,
        typer.Option(help="http: an API with a token; file: exports dropped into a folder."),
    ] = ConnectorKind.http,
    project_dir: Annotated[
        Path | None,
        typer.Option(help="The project checkout (default: this folder).", show_default=False),
    ] = None,
    package: Annotated[
        Path | None,
        typer.Option(
            help="Write an installable connector package into this folder instead (http): "
            "pyproject with an entry point, the connector, its dbt package, tests.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate a connector to start from: module, staging model, fixture, tests, docs page."""
    from orchestration.scaffold import new_connector as scaffold
    from orchestration.scaffold import new_connector_package

    if package is not None:
        if kind.value != "http":
            err.print("[red]Cannot create connector:[/] --package makes http connectors")
            raise typer.Exit(2)
        folder = package.resolve()
        _scaffolded(
            lambda: new_connector_package(name, folder),
            f"connector package [bold]{name}[/]",
            folder,
            f"Next: adapt it to the real API, `pip install {folder}` into the scorecard's "
            f"environment, then `pytest {folder / 'tests'}`. Installed, it registers itself: a "
            f"source with `type: {name}` in scorecard.yml is extracted, landed, staged by its "
            "own dbt models and turned into metrics on the next run.",
        )
        return
    project = (project_dir or Path.cwd()).resolve()
    if not (project / "connectors").is_dir() or not (project / "dbt_project").is_dir():
        err.print(
            f"[red]{project} is not a Marketing Scorecard checkout[/] (no connectors/ and "
            "dbt_project/ folders); run this in the project folder or pass --project-dir",
            highlight=False,
        )
        raise typer.Exit(2)
    _scaffolded(
        lambda: scaffold(name, kind.value, project),
        f"connector [bold]{name}[/] ({kind.value})",
        project,
        f"Next: adapt it to the real source, then `pytest tests/connectors/test_{name}.py`; "
        "the checklist is in docs/connectors.md. It registers itself: a source with "
        f"`type: {name}` in scorecard.yml is extracted, landed and staged on the next run.",
    )


def _scaffolded(generate, what: str, root: Path, next_steps: str) -> None:
    """Run a scaffold and say what it wrote (relative to `root`) and what to do next."""
    from orchestration.scaffold import ScaffoldError

    try:
        generated = generate()
    except ScaffoldError as e:
        err.print(f"[red]Cannot create connector:[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    out.print(f"[green]✓[/] {what} created:", highlight=False)
    for path in generated.files:
        out.print(f"  {path.relative_to(root)}", highlight=False)
    out.print(next_steps, highlight=False, soft_wrap=True)


def _perspective(cfg, kpi) -> str:
    return next(o.perspective for o in cfg.objectives if o.id == kpi.objective)


def main() -> None:  # pragma: no cover - console entry point
    """Run the app, then leave without interpreter teardown: DuckDB's bindings print spurious
    leak reports when native objects are still referenced at teardown. Exit handlers still
    run (they release multiprocessing semaphores and flush logs)."""
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    from orchestration.compat import leave_without_teardown

    leave_without_teardown(code)


if __name__ == "__main__":  # pragma: no cover - `python -m orchestration.cli`
    main()
