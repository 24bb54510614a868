"""The engine that runs the dbt project: its dbt target and connection, and, for an engine
other than DuckDB, loading what it built into the local warehouse file (decision 69).

The gates and the publish always read the local DuckDB warehouse file. On DuckDB dbt builds
there. On Spark, dbt builds in Spark's catalog and each table the gates and the publish read
is written as Parquet to the export folder (dbt macro `export_for_publish`); `load_exports`
then makes a fresh warehouse file of those tables, each mart cast to its contract's column
types, so BI reads the same files, with the same types, whichever engine built them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from connectors.secrets import resolve_secret
from orchestration.config.engine import SparkEngine
from orchestration.project import PROJECT_ROOT

LOG4J = PROJECT_ROOT / "orchestration" / "spark_log4j2.properties"
LAYERS = ("staging", "intermediate", "marts")


class ExportMissing(RuntimeError):
    pass


def uses_spark(config) -> bool:
    return isinstance(config.engine, SparkEngine)


def dbt_engine_environment(config) -> dict[str, str]:
    """The dbt target and what its profile reads (dbt_project/profiles.yml). Secrets are
    passed in the environment of the dbt process only, never written."""
    if not uses_spark(config):
        return {"SCORECARD_DBT_TARGET": "local"}
    engine: SparkEngine = config.engine
    warehouse = Path(config.paths.warehouse)
    env = {
        "SCORECARD_DBT_TARGET": "spark",
        "SCORECARD_SPARK_METHOD": engine.method,
        "SCORECARD_SPARK_SCHEMA": engine.schema_prefix,
        "SCORECARD_SPARK_THREADS": str(engine.threads),
        "SCORECARD_ENGINE_EXPORT": engine.export_uri or str(engine.export_folder(warehouse)),
    }
    if engine.landing_uri:
        env["SCORECARD_LANDING_DIR"] = engine.landing_uri
    if engine.config_uri:
        env["SCORECARD_CONFIG_DIR"] = engine.config_uri
    if engine.method == "session":
        env["SCORECARD_SPARK_CONF"] = repr(session_conf(engine, warehouse))
        # dbt's events reach dagster-dbt as JSON lines on a pipe the JVM shares: written one
        # line at a time (not in 8 KB blocks that split lines), a line the JVM prints at start
        # (its module warning) falls between two events instead of inside one
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONWARNINGS"] = "ignore::FutureWarning"
    else:
        env["SCORECARD_SPARK_HOST"] = engine.host or ""
        default_port = 10000 if engine.method == "thrift" else 443
        env["SCORECARD_SPARK_PORT"] = str(engine.port or default_port)
        env["SCORECARD_SPARK_USER"] = engine.user or ""
        env["SCORECARD_SPARK_CLUSTER"] = engine.cluster or ""
        env["SCORECARD_SPARK_ORGANIZATION"] = engine.organization
        env["SCORECARD_SPARK_AUTH"] = engine.auth or "NONE"
        env["SCORECARD_SPARK_KERBEROS_SERVICE"] = engine.kerberos_service_name or ""
        env["SCORECARD_SPARK_USE_SSL"] = str(engine.use_ssl)  # dbt's as_bool reads True/False
        if engine.token:
            env["SCORECARD_SPARK_TOKEN"] = resolve_secret(engine.token, key="engine.token")
    return env


def session_conf(engine: SparkEngine, warehouse: Path) -> dict[str, str]:
    """Settings of a Spark session run by dbt (method session): its tables and catalog in the
    engine's folder (never the working directory), UTC, and what the project relies on."""
    folder = engine.folder(warehouse)
    defaults = {
        "spark.master": engine.master,
        "spark.sql.warehouse.dir": str(folder / "tables"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true"
        ),
        # Spark's own log to a file: nothing from the JVM may reach the console (LOG4J)
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={folder} -Dlog4j2.configurationFile=file:{LOG4J}"
            f" -Dscorecard.spark.log={folder / 'logs' / 'spark.log'}"
        ),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": "4g",
        "spark.ui.enabled": "false",
        # a scorecard's tables are small per model: few partitions beat the default 200
        "spark.sql.shuffle.partitions": "4",
    }
    # what the SQL relies on, whatever the user sets: UTC instants, landing batches' schemas
    # merged (DuckDB's union_by_name) and instants written so DuckDB reads them as instants
    required = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.mergeSchema": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }
    return {**defaults, **engine.conf, **required}


def prepare_export(config) -> None:
    """Empty the local export folder before a build, so only this build's tables load."""
    if uses_spark(config) and config.engine.export_uri is None:
        folder = config.engine.export_folder(Path(config.paths.warehouse))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)


def exported_tables(folder: Path) -> Iterator[tuple[str, str, Path]]:
    for layer in LAYERS:
        for table in sorted((folder / layer).glob("*")):
            if table.is_dir():
                yield layer, table.name, table


def load_exports(config, manifest: dict, log=None) -> int:
    """Replace the local warehouse file with the tables the engine exported; returns how many.
    A mart missing from the export (a build that did not finish) is an error: the gates and
    the publish must never read yesterday's table beside today's."""
    warehouse = Path(config.paths.warehouse)
    folder = config.engine.export_folder(warehouse)
    contracts = _contracts(manifest)
    found = {(layer, name): path for layer, name, path in exported_tables(folder)}
    missing = sorted(f"marts.{n}" for n in contracts if ("marts", n) not in found)
    if missing:
        raise ExportMissing(
            f"the engine did not export {', '.join(missing)} to {folder}: see the dbt log"
        )
    loading = warehouse.with_name(warehouse.name + ".loading")
    loading.unlink(missing_ok=True)
    with duckdb.connect(str(loading)) as con:
        for layer in LAYERS:
            con.execute(f'create schema "{layer}"')
        for (layer, name), path in sorted(found.items()):
            files = [str(p) for p in sorted(path.glob("*.parquet"))]
            columns = contracts.get(name) if layer == "marts" else None
            select = _select(columns) if columns else "*"
            if files:
                con.execute(
                    f'create table "{layer}"."{name}" as select {select} from read_parquet(?)',
                    [files],
                )
            else:
                # an empty table: Spark may write no Parquet file for it
                if not columns:
                    raise ExportMissing(f"the engine exported {layer}.{name} without a schema")
                body = ", ".join(f'"{c}" {t}' for c, t in columns.items())
                con.execute(f'create table "{layer}"."{name}" ({body})')
            if log:
                log.debug(f"loaded {layer}.{name} from the engine's export")
    for suffix in ("", ".wal"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
    os.replace(loading, warehouse)
    return len(found)


_TYPE = re.compile(r"^[a-z0-9_ ,()\[\]]+$", re.IGNORECASE)


def _contracts(manifest: dict) -> dict[str, dict[str, str]]:
    """mart name -> {column: DuckDB type} from the models' contracts."""
    contracts = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("config", {}).get("schema") != "marts":
            continue
        columns = {c["name"]: c["data_type"] for c in node.get("columns", {}).values()}
        for column, type_ in columns.items():
            # contract types come from our own yml, but they are pasted into SQL: check them
            if not type_ or not _TYPE.match(type_):
                raise ValueError(f"{node['name']}.{column}: unexpected contract type {type_!r}")
        contracts[node.get("alias") or node["name"]] = columns
    return contracts


def _select(columns: dict[str, str]) -> str:
    return ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
