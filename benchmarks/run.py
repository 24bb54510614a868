"""The real pipeline at scale S, stage by stage, against a bare-DuckDB baseline.

    .venv/bin/python benchmarks/run.py --scale 10

On the landing of benchmarks/generate.py (made first when missing) it measures
(a) a full build: `scorecard run --full-refresh` (landing kept, warehouse rebuilt), and
(b) a nightly incremental run that adds one day (`--as-of` the next day), and
(c) the same night run again with nothing new (the lookback re-extracted, the rebuild skipped),
each with wall time and peak memory (the largest process: the CLI or dbt), split by stage:
extract (landing steps, incl. the landing gate), staging / metrics / KPI marts (dbt models by
folder), gate (dbt tests + Great Expectations suites), publish (serving file + HTML page), and
the rest (orchestration, dbt start-up). Then the **bare-DuckDB baseline**: the compiled SQL of
the same dbt models, run in dependency order in one DuckDB connection with no orchestration,
no tests and no gate; and `dbt build` of the same landing on its own (what dbt costs before
any of our orchestration). Last, the design's floor: what any run pays before extraction,
tests, gates or publish — the pipeline's imports and dbt starting up to build one tiny model —
plus the bare SQL itself. The last line is `ratio_vs_bare=<full build / baseline>`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import (
    AS_OF,
    MEASURE,
    environment,
    generate,
    peak_mib,
    run_scorecard,
    workspace,
)
from orchestration.dbt_cli import connector_environment, connector_setup, dbt_command

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
STEP = re.compile(r"✓ (\S+) \((\d+(?:\.\d+)?)s\)")
LAYERS = {"staging": "staging", "intermediate": "metrics", "marts": "KPI marts"}


def measured_run(config: Path, scale: float, args: list[str]) -> dict:
    folder = config.parent
    result, wall = run_scorecard(config, scale, args, prefix=(sys.executable, "-c", MEASURE))
    steps = {name: float(s) for name, s in STEP.findall(result.stderr)}
    stages = {"extract": sum(v for k, v in steps.items() if k.startswith(("land_", "config__")))}
    newest = _newest_run(folder)
    # a run that found nothing new built nothing: no dbt timings
    dbt = _dbt_layers(newest) if (newest / "dbt_results.json").exists() else {}
    stages.update({name: dbt.get(name, 0.0) for name in LAYERS.values()})
    stages["gate"] = dbt.get("tests", 0.0) + steps.get("warehouse_expectations", 0.0)
    gate_summed = dbt.get("tests_summed", 0.0) + steps.get("warehouse_expectations", 0.0)
    stages["publish"] = steps.get("serving__scorecard", 0.0) + steps.get(
        "serving__scorecard_report", 0.0
    )
    stages["other"] = max(0.0, wall - sum(stages.values()))
    up_to_date = (newest / "up_to_date.json").exists()
    return {
        "wall": wall,
        "peak_mib": peak_mib(result.stderr),
        "stages": stages,
        "steps": steps,
        "up_to_date": up_to_date,
        "gate_summed": gate_summed,
    }


def nightly_run(config: Path, scale: float) -> tuple[dict, dict]:
    """The next night's run (one more day), then the same night again with nothing new, on a
    copy: the generated workspace stays at the generation date, so every invocation measures
    the same thing."""
    copy = config.parent.with_name(config.parent.name + "_nightly")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(config.parent, copy)
    try:
        day = (AS_OF + timedelta(days=1)).isoformat()
        nightly = measured_run(copy / config.name, scale, ["--as-of", day])
        nothing_new = measured_run(copy / config.name, scale, ["--as-of", day])
        if not nothing_new["up_to_date"]:
            print("warning: the second run of the night rebuilt (it should find nothing new)")
        return nightly, nothing_new
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def _newest_run(folder: Path) -> Path:
    runs = sorted((folder / "artifacts" / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    return runs[-1]


def _dbt_layers(run: Path) -> dict[str, float]:
    """Wall seconds per layer from dbt's own timings of the run: dbt runs two nodes at a time,
    so a layer's time is the union of its nodes' running intervals, not the sum of their
    durations (the sum overstates a layer by up to 2x; both are printed for tests)."""
    results = json.loads((run / "dbt_results.json").read_text())["results"]
    # the manifest of this connector set, where the pipeline's dbt wrote it
    manifest = json.loads((connector_setup().folder / "manifest.json").read_text())["nodes"]
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    summed: dict[str, float] = {}
    for r in results:
        node = manifest.get(r["unique_id"], {})
        if node.get("resource_type") == "test":
            layer = "tests"
        else:
            folder = (node.get("fqn") or ["", "other"])[1]
            layer = LAYERS.get(folder, folder)
        summed[layer] = summed.get(layer, 0.0) + (r.get("execution_time") or 0.0)
        if r.get("started_at") and r.get("completed_at"):
            span = (_instant(r["started_at"]), _instant(r["completed_at"]))
            spans.setdefault(layer, []).append(span)
    out = {layer: _union(s) for layer, s in spans.items()} if spans else dict(summed)
    out["tests_summed"] = summed.get("tests", 0.0)
    return out


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _union(spans: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by at least one of the intervals."""
    total, end = 0.0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            total += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            total += (stop - end).total_seconds()
            end = stop
    return total


def _dbt_env(config: Path, scale: float, warehouse: Path) -> dict[str, str]:
    """The environment the pipeline's dbt sees for this workspace, with another warehouse."""
    folder = config.parent
    env = environment(scale)
    env.update(
        {
            "SCORECARD_WAREHOUSE": str(warehouse),
            "SCORECARD_LANDING_DIR": str(folder / "landing"),
            "SCORECARD_CONFIG_DIR": str(folder / "artifacts" / "config"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **connector_environment(),
        }
    )
    return env


def _dbt(command: list[str], env: dict[str, str], target: Path) -> None:
    subprocess.run(
        dbt_command(*command, "--quiet", target_path=target),
        env=env,
        check=True,
        capture_output=True,
    )


@contextmanager
def _warm_dbt(config: Path, scale: float) -> Iterator[tuple[dict[str, str], Path]]:
    """dbt's environment for this workspace with a fresh, temporary warehouse and a target
    folder already parsed: the pipeline's nights find their parse state warm."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _dbt_env(config, scale, Path(tmp) / "warehouse.duckdb")
        target = Path(tmp) / "target"
        _dbt(["parse"], env, target)
        yield env, target


def dbt_alone(config: Path, scale: float) -> tuple[float, float]:
    """`dbt build --full-refresh` of this landing on its own, as the pipeline runs it (same
    project, tests included, parse state warm), into a fresh warehouse: what dbt costs without
    Dagster, extraction, the Great Expectations gate or the publish. Returns (wall seconds of
    the process, dbt's own elapsed time of the build)."""
    with _warm_dbt(config, scale) as (env, target):
        start = time.perf_counter()
        _dbt(["build", "--exclude-resource-type", "unit_test", "--full-refresh"], env, target)
        took = time.perf_counter() - start
        elapsed = json.loads((target / "run_results.json").read_text())["elapsed_time"]
        return took, elapsed


def floor(config: Path, scale: float) -> tuple[float, float]:
    """The fixed part of a run that no data volume changes: (seconds to import the pipeline's
    modules in a new process, seconds for dbt to start, parse and build one tiny model). With
    the bare SQL added, this is the least a pipeline of this design (Dagster running dbt in
    its own process) can take, with extraction, tests, gates and publish all costing nothing."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import orchestration.runner"], cwd=ROOT, check=True)
    imports = time.perf_counter() - start
    with _warm_dbt(config, scale) as (env, target):
        start = time.perf_counter()
        _dbt(["run", "--select", "stg_scorecard_config__perspectives"], env, target)
        dbt_start = time.perf_counter() - start
    return imports, dbt_start


def bare_duckdb(config: Path, scale: float, keep_in: Path | None = None) -> float:
    """The same models' compiled SQL in one DuckDB connection: the floor for our SQL.
    The warehouse it builds is kept in `keep_in` when given (tests compare it with the
    pipeline's), else thrown away."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep_in or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # compile against the benchmark's own paths (what the pipeline's dbt sees); the file
        # name is the catalog name in the compiled SQL, as in the pipeline's warehouse
        env = _dbt_env(config, scale, folder / "warehouse.duckdb")
        target = Path(tmp) / "target"
        _dbt(["compile", "--select", "resource_type:model"], env, target)
        nodes = json.loads((target / "manifest.json").read_text())["nodes"]
        models = {k: n for k, n in nodes.items() if n["resource_type"] in ("model", "seed")}
        statements = []
        for uid in _topological(models):
            node = models[uid]
            schema = f'"{node["database"]}"."{node["schema"]}"'
            relation = f'{schema}."{node["alias"]}"'
            statements.append(f"create schema if not exists {schema}")
            if node["resource_type"] == "seed":
                csv = DBT_DIR / node["original_file_path"]
                types = node["config"].get("column_types") or {}
                statements.append(
                    f"create or replace table {relation} as select * from read_csv("
                    f"'{csv}', header = true, types = {types!r})"
                )
                continue
            kind = node["config"]["materialized"]
            if kind == "ephemeral":  # inlined into its users' compiled SQL
                continue
            what = "view" if kind == "view" else "table"
            statements.append(f"create or replace {what} {relation} as ({node['compiled_code']})")
        # the measured part: one connection, the statements in dependency order
        start = time.perf_counter()
        with duckdb.connect(env["SCORECARD_WAREHOUSE"]) as con:
            for sql in statements:
                con.execute(sql)
            took = time.perf_counter() - start
            # a baseline that built nothing would flatter the ratio: show what it built
            kpi_rows = con.execute("select count(*) from marts.fct_kpi_values").fetchall()[0][0]
        print(f"bare DuckDB built {len(statements) // 2} relations, {kpi_rows:,d} KPI value rows")
        return took


def _topological(models: dict) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in models:
            return
        seen.add(uid)
        for dep in models[uid].get("depends_on", {}).get("nodes", []):
            visit(dep)
        done.append(uid)

    for uid in sorted(models):
        visit(uid)
    return done


def report(name: str, run: dict) -> None:
    print(f"\n{name}: {run['wall']:.1f} s wall, peak memory {run['peak_mib']:.0f} MiB")
    for stage, seconds in run["stages"].items():
        share = 100 * seconds / run["wall"] if run["wall"] else 0
        print(f"  {stage:12s} {seconds:8.1f} s  {share:5.1f} %")
    print("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in run["steps"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--baseline-only", action="store_true", help="Only the bare-DuckDB run.")
    parser.add_argument(
        "--no-breakdowns",
        action="store_true",
        help="Totals only: no source extracts a dimension (workspace s<S>-flat).",
    )
    args = parser.parse_args()
    breakdowns = not args.no_breakdowns
    folder = args.dir or workspace(args.scale, breakdowns)
    config = folder / "scorecard.yml"
    if not config.exists():
        generate(args.scale, folder, breakdowns=breakdowns)
    if args.baseline_only:
        print(f"bare DuckDB: {bare_duckdb(config, args.scale):.1f} s")
        return
    full = measured_run(config, args.scale, ["--as-of", AS_OF.isoformat(), "--full-refresh"])
    report(f"full build (scale {args.scale:g})", full)
    nightly, nothing_new = nightly_run(config, args.scale)
    report("nightly incremental (one more day)", nightly)
    report("the same night again, nothing new", nothing_new)
    bare = bare_duckdb(config, args.scale)
    print(f"\nbare DuckDB (compiled models, one connection): {bare:.1f} s")
    # how much of the ratio dbt itself takes, before any of our orchestration
    dbt_wall, dbt_elapsed = dbt_alone(config, args.scale)
    print(
        f"dbt build alone (same project and tests, no Dagster): {dbt_wall:.1f} s"
        f" ({dbt_elapsed:.1f} s of it building), {dbt_wall / bare:.2f} x bare"
    )
    imports, dbt_start = floor(config, args.scale)
    least = imports + dbt_start + bare
    print(
        f"floor of the design: imports {imports:.1f} s + dbt start-up (one tiny model)"
        f" {dbt_start:.1f} s + bare SQL {bare:.1f} s = {least:.1f} s, {least / bare:.2f} x bare"
    )
    print(f"gate share of the full build: {100 * full['stages']['gate'] / full['wall']:.1f} %")
    print(
        "gate share with dbt's test durations summed (the measure before wall-clock spans):"
        f" {100 * full['gate_summed'] / full['wall']:.1f} %"
    )
    # the demo connectors generate their data while "extracting"; without that step the ratio
    # is what the warehouse side costs over bare SQL
    build = full["wall"] - full["stages"]["extract"]
    print(f"full build without extract / bare: {build / bare:.2f}")
    print(f"nightly_s={nightly['wall']:.1f}")
    print(f"nothing_new_s={nothing_new['wall']:.1f}")
    print(f"ratio_vs_bare={full['wall'] / bare:.2f}")


if __name__ == "__main__":
    main()
