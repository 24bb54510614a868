"""`engine: spark`: the demo built by Apache Spark (a local session through dbt-spark, the
Debian Java) publishes the scorecard the DuckDB build publishes, row for row, and a bad batch
fails the same gate on Spark as on DuckDB, with nothing published.

One Spark workspace for the module: each `scorecard run` on Spark starts a JVM and builds
the whole dbt project (minutes on two cores). The DuckDB side is the session's demo run.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from connectors.base import Window
from expectations.gate import EXAMPLES
from tests.conftest import AS_OF, DEMO_DIR, STAR_TABLES, newest_run, published_tables, run_cli
from tests.e2e.test_gates import SERVING, ga4_rows, land, land_ga4_breakdowns_like_totals, rejected

pytestmark = pytest.mark.slow
SPARK = '\nengine:\n  type: spark\n  master: "local[2]"\n'
# the quality-flag gate of test_gates, planted on both engines
BLOCKING = (
    "    lookback_days: 3\n",
    "    lookback_days: 3\n    block_on_quality_flags: [thresholded]\n",
)
# Doubles summed in another order differ in their last bits: Spark adds a group's rows per
# partition and then the partial sums, DuckDB in its own order. Money and counts are exact
# (decimals, integers); ratios and sums of doubles agree to this relative tolerance.
REL_TOL = 1e-9


def demo_config(*, spark: bool, blocking: bool = False) -> str:
    text = (DEMO_DIR / "balanced_scorecard.yml").read_text(encoding="utf-8")
    if blocking:
        text = text.replace(*BLOCKING, 1)
    return text + (SPARK if spark else "")


def run(root: Path):
    return run_cli(
        "run", "--demo", "--config", "scorecard.yml", "--as-of", AS_OF.isoformat(),
        cwd=root, timeout=1800,
    )  # fmt: skip


@pytest.fixture(scope="module")
def spark_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark_demo")
    (root / "scorecard.yml").write_text(demo_config(spark=True), encoding="utf-8")
    result = run(root)
    assert result.returncode == 0, result.stderr[-4000:]
    return root


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def column_types(serving: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'scorecard' order by table_name, ordinal_position"
        ).fetchall()
    return {(t, c): d for t, c, d in rows}


def gate_outcomes(run_folder: Path) -> list[tuple]:
    """Every warehouse suite's expectations: outcome, failing count, observed value and the
    failing rows. The rows as a set: a suite lists them in the order the table holds them,
    which is each engine's own (the report shows at most EXAMPLES; here there are fewer)."""
    report = json.loads((run_folder / "gate_warehouse.json").read_text(encoding="utf-8"))
    outcomes = []
    for s in report["suites"]:
        for e in s["expectations"]:
            assert (e["unexpected_count"] or 0) <= EXAMPLES, "too many rows to compare as a set"
            rows = sorted(json.dumps(x, sort_keys=True) for x in e["examples"])
            outcomes.append((s["suite"], s["success"], s["rows"], e["expectation"],
                             str(e["column"]), e["success"], e["unexpected_count"],
                             e["observed"], rows))  # fmt: skip
    return outcomes


def test_spark_publishes_the_duckdb_scorecard_and_gates_a_bad_batch_the_same(
    spark_demo, demo_run, demo_copy
):
    # one test, in this order: the bad batch goes into the Spark workspace after the comparison
    # (and pytest-xdist never splits one test across workers, which would build Spark twice)
    duck_root, duck_result = demo_run
    assert duck_result.returncode == 0, duck_result.stderr[-3000:]
    same_scorecard(spark_demo, duck_root)
    same_gate_failure(spark_demo, demo_copy)


def same_scorecard(spark_demo: Path, duck_root: Path) -> None:
    on_duckdb = published_tables(duck_root / SERVING)
    on_spark = published_tables(spark_demo / SERVING)

    assert set(on_spark) == set(on_duckdb)
    assert STAR_TABLES - {"publish_log"} <= set(on_spark)
    exact = []
    for table, rows in on_duckdb.items():
        assert len(on_spark[table]) == len(rows), table
        assert rows, f"{table} is empty on DuckDB: the comparison would prove nothing"
        for duck_row, spark_row in zip(rows, on_spark[table], strict=True):
            assert same(duck_row, spark_row), (table, duck_row, spark_row)
        if on_spark[table] == rows:
            exact.append(table)
    # the tables without doubles summed in another order are equal to the bit
    assert {"kpis", "objectives", "perspectives", "social_posts", "kpi_comments"} <= set(exact)
    # the same columns with the same types (Spark's tables are cast to the marts' contracts)
    assert column_types(spark_demo / SERVING) == column_types(duck_root / SERVING)

    # the gates judged Spark's tables as they judged DuckDB's: the same rows and outcomes
    spark_gates = gate_outcomes(newest_run(spark_demo))
    duck_gates = gate_outcomes(newest_run(duck_root))
    assert len(spark_gates) == len(duck_gates) > 30
    for duck_check, spark_check in zip(duck_gates, spark_gates, strict=True):
        assert same(duck_check, spark_check), (duck_check, spark_check)

    # which engine built the published scorecard: publish_log and `scorecard status`
    with duckdb.connect(str(spark_demo / SERVING), read_only=True) as con:
        assert con.execute("select engine from scorecard.publish_log").fetchall() == [("spark",)]
    with duckdb.connect(str(duck_root / SERVING), read_only=True) as con:
        assert con.execute("select engine from scorecard.publish_log").fetchall() == [("duckdb",)]
    status = run_cli("status", "--json", "--config", "scorecard.yml", cwd=spark_demo)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["published"]["engine"] == "spark"
    text = run_cli("status", "--config", "scorecard.yml", cwd=spark_demo)
    assert "built by spark" in " ".join(text.stdout.split())

    # Spark built its own catalog next to the warehouse, under the schema prefix
    tables = spark_demo / "data/demo/spark/tables"
    assert (tables / "scorecard_marts.db" / "fct_kpi_values").is_dir()
    assert (tables / "scorecard_staging.db" / "stg_ga4__daily_metrics").is_dir()


def same_gate_failure(spark_demo: Path, demo_copy: Path) -> None:
    """test_gates' thresholded GA4 day with `block_on_quality_flags`, on both engines: exit 1,
    the serving file untouched, and the same failed expectation with the same rows."""
    day = date(2026, 10, 20)
    outcomes = {}
    for engine, root in (("duckdb", demo_copy), ("spark", spark_demo)):
        land(
            root, "website", "ga4", "daily_metrics",
            [{**r, "subject_to_thresholding": True}
             for r in ga4_rows(day, metrics=("sessions", "keyEvents"), value=5000.0)],
            window=Window(day, day),
        )  # fmt: skip
        land_ga4_breakdowns_like_totals(root, day, 5000.0, ("sessions", "keyEvents"))
        (root / "scorecard.yml").write_text(
            demo_config(spark=engine == "spark", blocking=True), encoding="utf-8"
        )
        serving = (root / SERVING).read_bytes()
        report = rejected(root, run(root), "marts.quality_flags", "thresholded")
        assert "web_conversion_rate" in report
        assert (root / SERVING).read_bytes() == serving, f"{engine} published"
        outcomes[engine] = gate_outcomes(newest_run(root))

    failed = [c for c in outcomes["spark"] if c[5] is False]
    assert failed and {c[0] for c in failed} == {"marts.quality_flags"}
    assert len(outcomes["spark"]) == len(outcomes["duckdb"])
    for duck_check, spark_check in zip(outcomes["duckdb"], outcomes["spark"], strict=True):
        assert same(duck_check, spark_check), (duck_check, spark_check)
