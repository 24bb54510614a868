"""`engine:` in scorecard.yml: which engine runs the dbt project (DESIGN §5 "Portability").

DuckDB (the default) builds in the warehouse file. Spark builds in its own catalog, through
dbt-spark: a local or standalone-cluster session (`method: session`), a Spark Thrift server
(`thrift`) or a Databricks SQL warehouse or cluster (`http`). Landing stays Parquet; the
engine reads it at `landing_uri`, and writes the tables the gates and the publish read as
Parquet to `export_path`, from which they are loaded into the local warehouse file, so the
gates, the publish and BI see the same files whatever the engine (decision 69).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.base import ConfigPath
from connectors.secrets import EnvRef


class DuckDBEngine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["duckdb"] = "duckdb"


class SparkEngine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["spark"] = "spark"
    method: Literal["session", "thrift", "http"] = Field(
        default="session",
        description="session: a Spark session in the dbt process (local, or `master:` a "
        "standalone cluster); thrift: a Spark Thrift server; http: Databricks.",
    )
    master: str = Field(
        default="local[*]",
        description="session: the Spark master (local[*], local[2], spark://host:7077).",
    )
    path: ConfigPath | None = Field(
        default=None,
        description="session: where Spark keeps its tables and catalog (default: a `spark` "
        "folder next to the warehouse file).",
    )
    host: str | None = Field(default=None, description="thrift/http: the server's host name.")
    port: int | None = Field(default=None, description="thrift: 10000, http: 443 by default.")
    user: str | None = Field(default=None, description="thrift: the user name.")
    auth: Literal["NONE", "NOSASL", "LDAP", "KERBEROS", "CUSTOM"] | None = Field(
        default=None, description="thrift: how the server authenticates (PyHive's `auth`)."
    )
    kerberos_service_name: str | None = Field(
        default=None, description="thrift with KERBEROS: the server's service name."
    )
    use_ssl: bool = Field(default=False, description="thrift: connect over TLS.")
    cluster: str | None = Field(default=None, description="http: the Databricks cluster id.")
    organization: str = Field(
        default="0", description="http: the Azure Databricks workspace (organization) id."
    )
    token: EnvRef | None = Field(default=None, description="http: env:NAME of the access token.")
    schema_prefix: str = Field(
        default="scorecard",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The engine's schemas are <prefix>_staging, <prefix>_intermediate and "
        "<prefix>_marts, so a shared metastore keeps the scorecard apart.",
    )
    threads: int = Field(default=2, ge=1, description="dbt models built at the same time.")
    conf: dict[str, str] = Field(
        default_factory=dict,
        description="Spark settings for the session (method session), e.g. "
        "spark.driver.memory: 8g.",
    )
    landing_uri: str | None = Field(
        default=None,
        description="How the engine reads paths.landing (e.g. s3://bucket/landing where that "
        "bucket is mounted at paths.landing); default: the landing path itself.",
    )
    config_uri: str | None = Field(
        default=None,
        description="How the engine reads the config catalog the run writes "
        "(<artifacts>/config); default: that folder itself.",
    )
    export_path: ConfigPath | None = Field(
        default=None,
        description="Local folder the engine's tables are exported to as Parquet for the gates "
        "and the publish (default: `export` in the spark folder).",
    )
    export_uri: str | None = Field(
        default=None,
        description="How the engine writes to export_path (e.g. s3://bucket/export mounted at "
        "export_path); default: export_path itself.",
    )

    @model_validator(mode="after")
    def _connection(self) -> SparkEngine:
        if self.method in ("thrift", "http") and not self.host:
            raise ValueError(f"engine: method {self.method} needs `host:`")
        if self.method == "http":
            if not self.token:
                raise ValueError("engine: method http (Databricks) needs `token: env:NAME`")
            if not self.cluster:
                # dbt-spark's http method reaches all-purpose clusters; SQL warehouses need
                # its ODBC method and a vendor driver (docs/engines.md)
                raise ValueError("engine: method http needs `cluster:` (a Databricks cluster id)")
        shared = (self.landing_uri, self.config_uri, self.export_uri)
        if self.method != "session" and None in shared:
            raise ValueError(
                f"engine: with method {self.method} the engine runs elsewhere; say how it "
                "reads landing and the config catalog and writes its export (`landing_uri:`, "
                "`config_uri:`, `export_uri:`: object storage this machine mounts at "
                "paths.landing, <artifacts>/config and export_path)"
            )
        return self

    def folder(self, warehouse: Path) -> Path:
        return Path(self.path or warehouse.parent / "spark").resolve()

    def export_folder(self, warehouse: Path) -> Path:
        return Path(self.export_path or self.folder(warehouse) / "export").resolve()


def parse_engine(value):
    """`engine: spark` is short for `engine: {type: spark}`."""
    return {"type": value} if isinstance(value, str) else value
