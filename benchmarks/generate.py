"""Synthetic landing data for every source type at scale S, through the real landing writer.

    .venv/bin/python benchmarks/generate.py --scale 10 [--dir benchmarks/scratch/s10]

S = 1 is the bundled demo (about 270,000 landed rows). Larger S grows the demo's sources:
2·S GA4 properties, S/3 times the CRM's contacts and deals (and so its daily open-deal
snapshots), 5.6·S times the ledger lines (same totals, split into more lines); social and the
team sheet keep the demo's years of daily stats. S = 100 lands about 10 million rows: a million
contacts, ~130,000 deals and ~6.6 million open-deal snapshot rows, a million ledger lines and
about 850,000 GA4 daily rows.

It writes `<dir>/scorecard.yml` and runs the real pipeline once on it (`scorecard run --demo`):
the demo connectors generate the records, the landing writer lands them, and the first full
build publishes. benchmarks/run.py then measures builds on that landing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import yaml

from connectors import connector_for

ROOT = Path(__file__).resolve().parents[1]
SCORECARD = Path(sys.executable).parent / "scorecard"
AS_OF = date(2026, 11, 23)


# run a command under a small parent that reports the peak memory of everything it waited for
MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]);"
    " print('peak_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
    " sys.exit(r.returncode)"
)


def peak_mib(stderr: str) -> float:
    return int(re.search(r"peak_kib (\d+)", stderr).group(1)) / 1024


def workspace(scale: float, breakdowns: bool = True) -> Path:
    return ROOT / "benchmarks" / "scratch" / f"s{scale:g}{'' if breakdowns else '-flat'}"


def without_breakdowns(config: dict) -> dict:
    """The demo as it was before breakdowns: totals only (no source extracts a dimension, no
    KPI lists one, and the campaign KPIs filtered to one member go with their objective)."""
    for source in config["sources"]:
        source["breakdowns"] = []
    kpis = [k for k in config["kpis"] if "filter" not in k]
    for kpi in kpis:
        kpi.pop("breakdowns", None)
    used = {k["objective"] for k in kpis}
    config["objectives"] = [
        {**o, "drives": [d for d in o.get("drives", []) if d in used]}
        for o in config["objectives"]
        if o["id"] in used
    ]
    return {**config, "kpis": kpis}


def write_config(
    scale: float, folder: Path, start: date | None = None, breakdowns: bool = True
) -> Path:
    config = yaml.safe_load((ROOT / "orchestration/demo/balanced_scorecard.yml").read_text())
    if not breakdowns:
        config = without_breakdowns(config)
    config["paths"] = {"landing": "landing", "warehouse": "warehouse.duckdb"}
    config["publish"] = {"duckdb": "serving.duckdb"}
    config["sources"] = [
        connector_for(s["type"]).demo_config_at_scale(s, scale) for s in config["sources"]
    ]
    for source in config["sources"]:
        if "path" in source:  # the demo's inboxes, inside this workspace
            source["path"] = f"inbox/{source['name']}"
        if start is not None:  # a shorter (or longer) history than the demo's
            source["start_date"] = start.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scorecard.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def environment(scale: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["SCORECARD_DEMO_SCALE"] = f"{scale:g}"
    return env


def run_scorecard(config: Path, scale: float, args: list[str], prefix: tuple = ()):
    """`scorecard run --demo` on a benchmark workspace (under `prefix`, e.g. a memory meter);
    returns (the finished process, wall seconds) and stops the benchmark when it failed."""
    start = time.perf_counter()
    result = subprocess.run(
        [*prefix, str(SCORECARD), "run", "--demo", "--config", str(config), *args],
        cwd=config.parent,
        env=environment(scale),
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"the pipeline failed at scale {scale:g} ({' '.join(args)})")
    return result, took


def landed_rows(folder: Path) -> dict[str, int]:
    out = {}
    with duckdb.connect() as con:
        for stream in sorted((folder / "landing").glob("*/*")):
            if stream.name.startswith("_") or stream.parent.name.startswith("_"):
                continue
            files = [str(f) for f in stream.glob("*.parquet")]
            if files:
                out[f"{stream.parent.name}/{stream.name}"] = con.execute(
                    "select count(*) from read_parquet(?, union_by_name = true)", [files]
                ).fetchall()[0][0]
    return out


def generate(
    scale: float,
    folder: Path | None = None,
    as_of: date = AS_OF,
    start: date | None = None,
    breakdowns: bool = True,
) -> Path:
    # absolute: the pipeline runs with the workspace as its working directory
    folder = (folder or workspace(scale, breakdowns)).resolve()
    config = write_config(scale, folder, start, breakdowns)
    result, took = run_scorecard(
        config, scale, ["--as-of", as_of.isoformat()], prefix=(sys.executable, "-c", MEASURE)
    )
    rows = landed_rows(folder)
    for stream, n in rows.items():
        print(f"  {stream:40s} {n:>12,d}")
    print(
        f"landed {sum(rows.values()):,d} rows at scale {scale:g} in {took:.0f} s,"
        f" peak memory {peak_mib(result.stderr):,.0f} MiB -> {folder}"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument(
        "--start", type=date.fromisoformat, default=None, help="First day of every source."
    )
    parser.add_argument(
        "--no-breakdowns",
        action="store_true",
        help="Totals only: no source extracts a dimension (workspace s<S>-flat).",
    )
    args = parser.parse_args()
    generate(args.scale, args.dir, args.as_of, args.start, not args.no_breakdowns)


if __name__ == "__main__":
    main()
