"""`engine:` in scorecard.yml and loading an engine's export (orchestration/engines.py).
The whole path on a real Spark session is tests/spark/test_spark_engine.py."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from expectations.warehouse import relations_read, warehouse_suites
from orchestration.config.loader import load_config
from orchestration.config.models import ScorecardConfig
from orchestration.engines import ExportMissing, dbt_engine_environment, load_exports
from orchestration.project import DEMO_DIR


def config(tmp_path: Path, engine) -> ScorecardConfig:
    return ScorecardConfig.model_validate(
        {"engine": engine, "paths": {"warehouse": str(tmp_path / "wh" / "warehouse.duckdb")}}
    )


def test_duckdb_is_the_default_and_spark_has_a_shorthand(tmp_path):
    assert ScorecardConfig.model_validate({}).engine.type == "duckdb"
    spark = config(tmp_path, "spark").engine
    assert (spark.type, spark.method, spark.master) == ("spark", "session", "local[*]")
    assert dbt_engine_environment(ScorecardConfig.model_validate({})) == {
        "SCORECARD_DBT_TARGET": "local"
    }


@pytest.mark.parametrize(
    ("engine", "message"),
    [
        ({"type": "spark", "method": "thrift"}, "needs `host:`"),
        ({"type": "spark", "method": "http", "host": "h", "cluster": "c"}, "token: env:NAME"),
        ({"type": "spark", "method": "http", "host": "h", "token": "env:T"}, "needs `cluster:`"),
        (
            {"type": "spark", "method": "thrift", "host": "h", "landing_uri": "s3://b/l"},
            "config_uri",
        ),
        ({"type": "spark", "method": "http", "token": "dapi123", "host": "h"}, "env:"),
        ({"type": "trino"}, "type"),
        ({"type": "spark", "schema_prefix": "Bad-Name"}, "schema_prefix"),
    ],
)
def test_a_wrong_engine_is_refused_with_what_to_fix(tmp_path, engine, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        config(tmp_path, engine)


def test_a_local_session_keeps_its_catalog_beside_the_warehouse_and_the_required_settings(
    tmp_path,
):
    cfg = config(
        tmp_path,
        {"type": "spark", "master": "local[2]", "conf": {
            "spark.driver.memory": "8g", "spark.sql.session.timeZone": "Europe/Oslo"}},
    )  # fmt: skip
    env = dbt_engine_environment(cfg)
    assert env["SCORECARD_DBT_TARGET"] == "spark"
    assert env["SCORECARD_SPARK_METHOD"] == "session"
    assert env["SCORECARD_SPARK_SCHEMA"] == "scorecard"
    spark = (tmp_path / "wh" / "spark").resolve()
    assert env["SCORECARD_ENGINE_EXPORT"] == str(spark / "export")
    conf = ast.literal_eval(env["SCORECARD_SPARK_CONF"])  # as dbt's `as_native` reads it
    assert conf["spark.master"] == "local[2]"
    assert conf["spark.sql.warehouse.dir"] == str(spark / "tables")
    assert str(spark / "metastore_db") in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert conf["spark.driver.memory"] == "8g"  # the user's setting wins over a default...
    assert conf["spark.sql.session.timeZone"] == "UTC"  # ...but never over what the SQL needs
    assert conf["spark.sql.parquet.mergeSchema"] == "true"


def test_a_databricks_token_is_read_from_its_variable_for_dbt_only(tmp_path, monkeypatch):
    monkeypatch.setenv("DBX_TOKEN", "dapi-canary-0042")
    engine = {
        "type": "spark", "method": "http", "host": "dbc-1.cloud.databricks.com",
        "cluster": "0123-456", "token": "env:DBX_TOKEN", "landing_uri": "s3://b/landing",
        "config_uri": "s3://b/config", "export_uri": "s3://b/export",
    }  # fmt: skip
    cfg = config(tmp_path, engine)
    assert "dapi-canary" not in cfg.model_dump_json()
    env = dbt_engine_environment(cfg)
    assert env["SCORECARD_SPARK_TOKEN"] == "dapi-canary-0042"
    assert env["SCORECARD_SPARK_PORT"] == "443"
    assert env["SCORECARD_SPARK_CLUSTER"] == "0123-456"
    assert env["SCORECARD_LANDING_DIR"] == "s3://b/landing"
    assert env["SCORECARD_CONFIG_DIR"] == "s3://b/config"
    assert env["SCORECARD_ENGINE_EXPORT"] == "s3://b/export"


MANIFEST = {
    "nodes": {
        "model.scorecard.fct_a": {
            "resource_type": "model", "name": "fct_a", "alias": "fct_a",
            "config": {"schema": "marts"},
            "columns": {
                "kpi_id": {"name": "kpi_id", "data_type": "varchar"},
                "value": {"name": "value", "data_type": "double"},
                "position": {"name": "position", "data_type": "integer"},
                "actions": {"name": "actions", "data_type": "varchar[]"},
            },
        },
        "model.scorecard.fct_empty": {
            "resource_type": "model", "name": "fct_empty", "alias": "fct_empty",
            "config": {"schema": "marts"},
            "columns": {"day": {"name": "day", "data_type": "date"}},
        },
        "model.scorecard.int_x": {
            "resource_type": "model", "name": "int_x", "alias": "int_x",
            "config": {"schema": "intermediate"}, "columns": {},
        },
    }
}  # fmt: skip


def export_table(folder: Path, layer: str, name: str, table: pa.Table | None) -> None:
    target = folder / layer / name
    target.mkdir(parents=True)
    if table is not None:
        pq.write_table(table, target / "part-00000.parquet")


def test_the_export_is_loaded_with_the_contract_types_and_replaces_the_warehouse(tmp_path):
    cfg = config(tmp_path, "spark")
    export = cfg.engine.export_folder(cfg.paths.warehouse)
    # as Spark writes them: bigint where the contract says integer, a list of strings
    export_table(export, "marts", "fct_a", pa.table({
        "kpi_id": ["a", "b"], "value": [1.5, None], "position": pa.array([1, 2], pa.int64()),
        "actions": [["x", "y"], []]}))  # fmt: skip
    export_table(export, "marts", "fct_empty", None)  # Spark may write no file for no rows
    export_table(export, "intermediate", "int_x", pa.table({"d": [date(2026, 1, 1)]}))
    cfg.paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(cfg.paths.warehouse)) as con:  # yesterday's file
        con.execute("create table stale as select 1 as x")

    assert load_exports(cfg, MANIFEST) == 3
    with duckdb.connect(str(cfg.paths.warehouse), read_only=True) as con:
        types = con.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns order by all"
        ).fetchall()
        rows = con.execute("select * from marts.fct_a order by kpi_id").fetchall()
        assert con.execute("select count(*) from marts.fct_empty").fetchone() == (0,)
    assert ("marts", "fct_a", "position", "INTEGER") in types
    assert ("marts", "fct_a", "actions", "VARCHAR[]") in types
    assert ("marts", "fct_empty", "day", "DATE") in types
    assert ("intermediate", "int_x", "d", "DATE") in types
    assert not [t for t in types if t[1] == "stale"]
    assert rows == [("a", 1.5, 1, ["x", "y"]), ("b", None, 2, [])]


def test_a_mart_missing_from_the_export_stops_before_the_gates(tmp_path):
    cfg = config(tmp_path, "spark")
    export = cfg.engine.export_folder(cfg.paths.warehouse)
    export_table(export, "marts", "fct_a", pa.table({"kpi_id": ["a"]}))
    cfg.paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(cfg.paths.warehouse)) as con:
        con.execute("create table kept as select 1 as x")
    with pytest.raises(ExportMissing, match=re.escape("marts.fct_empty")):
        load_exports(cfg, MANIFEST)
    with duckdb.connect(str(cfg.paths.warehouse), read_only=True) as con:
        assert con.execute("select * from kept").fetchall() == [(1,)]  # untouched


def test_every_table_a_gate_reads_is_exported():
    """The suites' SQL for the demo config names only marts and tables in relations_read()."""
    demo = load_config(DEMO_DIR / "balanced_scorecard.yml")
    suites = warehouse_suites(Path("unused.duckdb"), demo, date(2026, 11, 23))
    read = set()
    for suite in suites:
        read |= set(re.findall(r"\b(?:staging|intermediate)\.([a-z][a-z0-9_]*)", suite.query))
    assert read, "the suites read no staging or intermediate table: the check is empty"
    assert read <= set(relations_read())
