"""How long the HTML scorecard takes for a large catalog: 100 KPIs x 5 years of monthly data.

    .venv/bin/python benchmarks/report.py [--kpis 100] [--years 5] [--repeat 5]

It writes a serving file with the published tables' columns (synthetic values, every grain the
page offers), then times, best of --repeat: reading the serving file, rendering and writing the
page; and, when Chromium is installed, opening the page in headless Chromium until it has drawn
(the script marks <html data-ready>). Prints one line per stage and the page size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.config import ScorecardConfig
from orchestration.report.data import report_data
from orchestration.report.render import render_report, write_report

PERSPECTIVES = ["financial", "customer", "internal_process", "learning_growth"]


def make_config(folder: Path, kpis: int) -> ScorecardConfig:
    objectives = [
        {
            "id": f"objective_{i:02d}",
            "perspective": PERSPECTIVES[i % 4],
            "name": f"Objective number {i} with a longer name",
            "drives": [f"objective_{i - 4:02d}"] if i >= 4 else [],
        }
        for i in range(max(4, kpis // 5))
    ]
    units = ["currency", "percent", "number", "days"]
    return ScorecardConfig.model_validate(
        {
            "organisation": "Benchmark Ltd",
            "currency": "EUR",
            "paths": {"landing": str(folder / "landing"), "warehouse": str(folder / "w.duckdb")},
            "publish": {"duckdb": str(folder / "serving.duckdb")},
            "sources": [
                {
                    "name": "sheet",
                    "type": "manual_metrics",
                    "path": str(folder / "inbox"),
                    "metrics": {f"m{i:03d}": "sum" for i in range(kpis)},
                }
            ],
            "objectives": objectives,
            "kpis": [
                {
                    "id": f"kpi_{i:03d}",
                    "name": f"KPI {i}",
                    "objective": objectives[i % len(objectives)]["id"],
                    "type": "metric",
                    "metric": f"manual.m{i:03d}",
                    "unit": units[i % 4],
                    "target": 100,
                    "actions": ["Do the first thing", "Do the second thing"],
                }
                for i in range(kpis)
            ],
        }
    )


def make_serving(config: ScorecardConfig, years: int) -> Path:
    """The published tables, filled with deterministic synthetic values."""
    path = config.publish.duckdb
    # exactly `years` x 12 months, the newest being the current (incomplete) month
    today = date.today()
    months = today.year * 12 + today.month - 1 - (years * 12 - 1)
    first = date(months // 12, months % 12 + 1, 1)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema scorecard")
        con.execute(
            "create table scorecard.perspectives (perspective varchar, name varchar, position int)"
        )
        con.executemany(
            "insert into scorecard.perspectives values (?, ?, ?)",
            [[p, p.replace("_", " ").capitalize(), i] for i, p in enumerate(PERSPECTIVES)],
        )
        con.execute(
            "create table scorecard.objectives (objective_id varchar, perspective varchar,"
            " name varchar, description varchar, drives varchar[], position integer,"
            " perspective_name varchar, perspective_position integer)"
        )
        for i, o in enumerate(config.objectives):
            con.execute(
                "insert into scorecard.objectives values (?, ?, ?, '', ?, ?, '', ?)",
                [o.id, o.perspective, o.name, o.drives, i, PERSPECTIVES.index(o.perspective)],
            )
        con.execute(
            "create table scorecard.kpis (kpi_id varchar, name varchar, description varchar,"
            " perspective varchar, objective_id varchar, type varchar, unit varchar,"
            " direction varchar, owner varchar, actions varchar[], position integer,"
            " currency varchar, decimals integer)"
        )
        perspective_of = {o.id: o.perspective for o in config.objectives}
        for i, k in enumerate(config.kpis):
            con.execute(
                "insert into scorecard.kpis values (?, ?, 'A KPI', ?, ?, 'metric', ?,"
                " 'higher_is_better', 'Owner', ?, ?, ?, null)",
                [
                    k.id,
                    k.name,
                    perspective_of[k.objective],
                    k.objective,
                    k.unit,
                    k.actions,
                    i,
                    config.currency if k.unit == "currency" else None,
                ],
            )
        con.execute(
            f"""
            create table periods as
            select g as grain, s::date as period_start,
                   (s + case g when 'month' then interval 1 month
                               when 'quarter' then interval 3 month
                               else interval 1 year end - interval 1 day)::date as period_end
            from (values ('month'), ('quarter'), ('year')) as grains(g),
                 generate_series(date '{first}', current_date, interval 1 month) as t(s)
            where g = 'month' or (g = 'quarter' and month(s) in (1, 4, 7, 10))
               or (g = 'year' and month(s) = 1)
            """
        )
        con.execute(
            """
            create table scorecard.kpi_values as
            with base as (
                select k.kpi_id, k.perspective, k.objective_id, p.*,
                       80.0 + 40.0 * sin(hash(k.kpi_id || p.period_start) % 1000) as value,
                       100.0::double as target
                from scorecard.kpis k cross join periods p
            )
            select kpi_id, grain, period_start, period_end, value, target,
                   null::double as target_low, null::double as target_high,
                   value / target as attainment, 100 * least(value / target, 1) as score,
                   case when value >= target then 'green' when value >= 0.9 * target
                        then 'amber' else 'red' end as status,
                   lag(value) over (partition by kpi_id, grain order by period_start)
                       as previous_value,
                   value / lag(value) over (partition by kpi_id, grain order by period_start) - 1
                       as change_pct,
                   value - lag(value) over (partition by kpi_id, grain order by period_start)
                       as change,
                   case when change > 0 then 'improving' when change < 0 then 'worsening'
                        when change = 0 then 'flat' end as trend,
                   lag(value, case grain when 'month' then 12 when 'quarter' then 4 else 1 end)
                       over (partition by kpi_id, grain order by period_start) as yoy_value,
                   value / yoy_value - 1 as yoy_change_pct,
                   period_end < current_date as is_complete, false as is_provisional,
                   least(current_date - period_start, period_end - period_start + 1)
                       as elapsed_days,
                   period_end - period_start + 1 as period_days,
                   target * elapsed_days / period_days as target_to_date,
                   value as projected_value, status as projected_status,
                   score as projected_score,
                   perspective, objective_id
            from base
            """
        )
        for table, key in (
            ("objective_scores", "objective_id"),
            ("perspective_scores", "perspective"),
            ("overall_scores", None),
        ):
            group = f"{key}, " if key else ""
            con.execute(
                f"""
                create table scorecard.{table} as
                select {group}grain, period_start, any_value(period_end) as period_end,
                       avg(score) as score,
                       case when avg(score) >= 100 then 'green' when avg(score) >= 90
                            then 'amber' else 'red' end as status,
                       count_if(status = 'green') as kpis_green,
                       count_if(status = 'amber') as kpis_amber,
                       count_if(status = 'red') as kpis_red,
                       0 as kpis_no_data, 0 as kpis_no_target,
                       avg(score) as projected_score, status as projected_status,
                       bool_and(is_complete) as is_complete, false as is_provisional
                from scorecard.kpi_values group by all
                """
            )
        con.execute(
            "create table scorecard.publish_log as select 'benchmark' as run_id,"
            " now() as published_at, current_date as run_date,"
            " 'balanced_scorecard' as framework, 'published' as status,"
            " 100 as checks_passed, 0 as checks_failed"
        )
        rows = con.execute(
            "select count(*) from scorecard.kpi_values where grain = 'month'"
        ).fetchone()[0]
    print(f"serving file: {len(config.kpis)} KPIs, {rows} KPI-month rows ({years} years)")
    return path


def best(repeat: int, fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=100)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = make_config(folder, args.kpis)
        make_serving(config, args.years)
        t_read, data = best(args.repeat, lambda: report_data(config))
        t_render, html = best(args.repeat, lambda: render_report(data))
        output = folder / "scorecard.html"
        t_total, _ = best(args.repeat, lambda: write_report(config, output))
        print(f"read serving file   {t_read * 1000:8.1f} ms")
        print(f"render HTML         {t_render * 1000:8.1f} ms")
        print(f"read+render+write   {t_total * 1000:8.1f} ms   page {len(html) / 1024:.0f} KiB")
        browser_time = open_in_chromium(output, args.repeat)
        if browser_time is not None:
            load, script = browser_time
            print(f"chromium: open until drawn {load * 1000:8.1f} ms (in-page: {script:.1f} ms)")
            print(f"report_total_s={t_total + load:.3f}")
        else:
            print("chromium: not installed (tests/services/install.sh installs it)")
            print(f"report_total_s={t_total:.3f}")


def open_in_chromium(page_path: Path, repeat: int):
    try:
        from tests.browser import browser, chromium_path

        chromium_path()
    except (ImportError, RuntimeError):
        return None
    loads, scripts = [], []
    with browser() as chromium:
        for _ in range(repeat):
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector("html[data-ready=true]")
            loads.append(time.perf_counter() - start)
            # navigation start to the end of the first draw, as the page itself measured it
            scripts.append(
                page.evaluate("performance.getEntriesByName('scorecard-drawn')[0].startTime")
            )
            page.close()
    return min(loads), min(scripts)


if __name__ == "__main__":
    main()
