"""The bare-DuckDB baseline computes what the pipeline computes: a baseline that built less
(a skipped model, an empty source) would flatter `ratio_vs_bare`."""

import duckdb
import pytest

from benchmarks.generate import generate
from benchmarks.run import bare_duckdb

# the published facts and the staging table that costs most at scale
TABLES = (
    "marts.fct_kpi_values",
    "marts.fct_metric_values",
    "marts.fct_perspective_scores",
    "staging.stg_hubspot__open_deal_snapshots",
)


def _rounded(con, catalog: str, table: str) -> str:
    """The table's rows with doubles rounded: parallel sums may differ in the last bits."""
    schema, name = table.split(".")
    columns = con.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, name],
    ).fetchall()
    assert columns, f"{catalog}.{table} does not exist"
    select = ", ".join(
        f'round("{c}", 6) as "{c}"' if t == "DOUBLE" else f'"{c}"' for c, t in columns
    )
    return f"select {select} from {catalog}.{table}"


@pytest.mark.slow
def test_bare_baseline_builds_the_same_tables_as_the_pipeline(tmp_path):
    # the benchmark workspace at S = 1: the real pipeline lands and publishes it
    config = generate(1, tmp_path / "s1")
    took = bare_duckdb(config, 1, keep_in=tmp_path / "bare")
    assert took > 0
    with duckdb.connect(str(config.parent / "warehouse.duckdb"), read_only=True) as con:
        con.execute(f"attach '{tmp_path / 'bare' / 'warehouse.duckdb'}' as bare (read_only)")
        for table in TABLES:
            pipeline, bare = _rounded(con, "warehouse", table), _rounded(con, "bare", table)
            rows = con.execute(f"select count(*) from ({pipeline})").fetchone()[0]
            assert rows > 0, table
            assert con.execute(f"select count(*) from ({bare})").fetchone()[0] == rows, table
            missing = con.execute(f"select count(*) from ({pipeline} except all {bare})")
            assert missing.fetchone()[0] == 0, f"{table}: rows the baseline did not build"
