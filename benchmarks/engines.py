"""The same pipeline on DuckDB and on Spark (a local session): wall time, peak memory and the
dbt build's share, and whether the published scorecards agree.

    .venv/bin/python benchmarks/engines.py --scale 1 --scale 10

Needs the spark extra (`pip install -e '.[spark]'`) and Java 17+. For each scale it uses the
landing of benchmarks/generate.py (made first when missing) and runs a full build
(`scorecard run --full-refresh`) once per engine, each into its own warehouse and serving
file next to that landing. It prints one line per engine and scale, then how the two
published scorecards compare: every table's row count, and the largest relative difference of
its numbers (doubles summed in another order differ in their last bits).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import AS_OF, MEASURE, generate, peak_mib, run_scorecard, workspace

ENGINES = {"duckdb": {"type": "duckdb"}, "spark": {"type": "spark", "master": "local[*]"}}


def engine_config(base: Path, engine: str) -> Path:
    config = yaml.safe_load(base.read_text())
    config["paths"] = {
        "landing": "landing",
        "warehouse": f"engine-{engine}/warehouse.duckdb",
        "artifacts": f"engine-{engine}/artifacts",
    }
    config["publish"] = {"duckdb": f"engine-{engine}/serving.duckdb"}
    config["engine"] = ENGINES[engine]
    path = base.parent / f"engine-{engine}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def dbt_seconds(artifacts: Path) -> float:
    """Wall time of the dbt build: from its first node's start to its last node's end."""
    run = max((artifacts / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    results = json.loads((run / "dbt_results.json").read_text())["results"]
    starts = [datetime.fromisoformat(r["started_at"]) for r in results if r.get("started_at")]
    ends = [datetime.fromisoformat(r["completed_at"]) for r in results if r.get("completed_at")]
    return (max(ends) - min(starts)).total_seconds()


def published(serving: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema ="
                " 'scorecard' and table_name <> 'publish_log' order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema ="
                    " 'scorecard' and table_name = ? and column_name <> 'first_published_at'"
                    " order by ordinal_position",
                    [name],
                ).fetchall()
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[name] = con.execute(
                f"select {select} from scorecard.{name} order by all"
            ).fetchall()
    return out


def largest_difference(a, b) -> float:
    """The largest relative difference between two rows' numbers; inf when they differ
    otherwise (a string, a null, a date)."""
    if isinstance(a, float) and isinstance(b, float):
        return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return max((largest_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    return 0.0 if a == b else math.inf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", default=None)
    args = parser.parse_args()
    for scale in args.scale or [1.0]:
        base = workspace(scale) / "scorecard.yml"
        if not base.exists():
            generate(scale)
        servings = {}
        for engine in ENGINES:
            config = engine_config(base, engine)
            result, took = run_scorecard(
                config,
                scale,
                ["--as-of", AS_OF.isoformat(), "--full-refresh"],
                prefix=(sys.executable, "-c", MEASURE),
            )
            dbt = dbt_seconds(config.parent / f"engine-{engine}/artifacts")
            print(
                f"scale={scale:g} engine={engine} wall_s={took:.0f} dbt_build_s={dbt:.0f}"
                f" peak_mib={peak_mib(result.stderr):.0f}"
            )
            servings[engine] = config.parent / f"engine-{engine}/serving.duckdb"
        duck, spark = published(servings["duckdb"]), published(servings["spark"])
        worst = 0.0
        for table in sorted(set(duck) | set(spark)):
            a, b = duck.get(table, []), spark.get(table, [])
            diff = (
                max((largest_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
                if len(a) == len(b)
                else math.inf
            )
            worst = max(worst, diff)
            print(f"  {table:20s} rows {len(a):>9,d} / {len(b):>9,d}  max_rel_diff={diff:.1e}")
        print(f"scale={scale:g} same_scorecard={'true' if worst <= 1e-9 else 'false'}")


if __name__ == "__main__":
    main()
