"""How cost grows: the full build at S = 1, 10, 100 with the fitted exponent, against the
bare-DuckDB baseline at each scale, and the nightly incremental run with 1 month against 2
years of history.

    .venv/bin/python benchmarks/scaling.py [--scales 1 10 100] [--history-scale 100] [--repeat 5]

Cost exponent b fits wall = a · S^b by least squares on the logs (b = 1: linear). Against the
baseline, wall = F + k · bare is fitted by least squares over the scales: F is the pipeline's
fixed cost (what it pays whatever the data: start-up, orchestration, dbt's per-node work, the
gate's checks), k its marginal cost per second of bare SQL; `ratio_vs_bare` tends to k as data
grows. The history
comparison generates two workspaces at scale `--history-scale` (1 unless given) whose sources
start 1 month and 2 years before the run date (from the 1st of the previous month: one complete
month; and two years), then times a nightly run that adds one day on each. At scale 100 the
two-year workspace takes about 8 minutes and 8 GB of memory to generate, once.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import AS_OF, generate, workspace
from benchmarks.run import bare_duckdb, measured_run, nightly_run


def fitted_exponent(points: list[tuple[float, float]]) -> float:
    xs = [math.log(s) for s, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def fixed_and_marginal(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares line wall = F + k · bare through (bare, wall) points: (F, k)."""
    mx = sum(b for b, _ in points) / len(points)
    my = sum(w for _, w in points) / len(points)
    k = sum((b - mx) * (w - my) for b, w in points) / sum((b - mx) ** 2 for b, _ in points)
    return my - k * mx, k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="*", default=[1, 10, 100])
    parser.add_argument(
        "--history-scale", type=float, default=1, help="Scale of the 1 month / 2 years pair."
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="Nightly pairs to run (the ratio of medians)."
    )
    parser.add_argument(
        "--no-history", action="store_true", help="Only the scales, not the history pair."
    )
    args = parser.parse_args()
    points, against_bare = [], []
    for scale in args.scales:
        config = workspace(scale) / "scorecard.yml"
        if not config.exists():
            generate(scale)
        run = measured_run(config, scale, ["--as-of", AS_OF.isoformat(), "--full-refresh"])
        bare = bare_duckdb(config, scale)
        points.append((scale, run["wall"]))
        against_bare.append((bare, run["wall"]))
        print(
            f"scale {scale:g}: full build {run['wall']:.1f} s, peak {run['peak_mib']:.0f} MiB,"
            f" bare DuckDB {bare:.1f} s, ratio {run['wall'] / bare:.2f}"
        )
    if len(points) > 1:
        print(f"cost_exponent={fitted_exponent(points):.2f}")
        fixed, marginal = fixed_and_marginal(against_bare)
        print(f"fixed_cost_s={fixed:.1f}")
        print(f"marginal_ratio_vs_bare={marginal:.2f}")
    if args.no_history:
        return
    # histories start on the 1st: the demo ledger exports whole months, and a month that began
    # before a source's start date is (rightly) refused by the landing gate
    month = AS_OF.replace(day=1)
    one_month = (month - timedelta(days=1)).replace(day=1)
    scale = args.history_scale
    configs = {}
    for label, start in (("1 month", one_month), ("2 years", month.replace(year=month.year - 2))):
        suffix = "" if scale == 1 else f"_s{scale:g}"  # S = 1 keeps its earlier folder names
        folder = workspace(scale).with_name(f"history_from_{start}{suffix}")
        config = folder / "scorecard.yml"
        if not config.exists():
            generate(scale, folder, AS_OF, start)
        configs[label] = (start, config)
    # a nightly run varies by a second or two from run to run: pairs alternate, medians count
    nightly: dict[str, list[float]] = {label: [] for label in configs}
    for _ in range(args.repeat):
        for label, (start, config) in configs.items():
            run, _ = nightly_run(config, scale)
            nightly[label].append(run["wall"])
            print(
                f"nightly run with {label} of history (from {start}, scale {scale:g}):"
                f" {run['wall']:.1f} s, peak {run['peak_mib']:.0f} MiB"
            )
    ratio = statistics.median(nightly["2 years"]) / statistics.median(nightly["1 month"])
    if args.repeat > 1:
        ratios = [y / m for m, y in zip(nightly["1 month"], nightly["2 years"], strict=True)]
        print("pairs: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"incremental_ratio_2y_vs_1m={ratio:.2f}")


if __name__ == "__main__":
    main()
