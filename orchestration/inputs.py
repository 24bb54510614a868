"""What a publish was built from, and whether anything has changed since (decision 29).

A published scorecard is a function of: the landed batches of the streams that feed the
published tables, the config (the catalog is built from it), the dbt project, the run date and
our own code. A successful run records these inputs next to its artefacts
(`<artifacts>/publish_inputs.json`); the next run compares them after landing and the catalog,
and when nothing differs it skips dbt, the gates and the publish.

API sources re-extract their lookback window every run, so "nothing new" cannot mean "no new
file": landing records a re-extracted batch that holds exactly what the newest earlier batch of
the same stream and window holds (load metadata aside) as a repeat of it
(`connectors.landing`), and staging keeps the newest version of each key, so landing a repeat
changes no built table. `PublishInputs` is the one object that decides.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from connectors.atomic import write_text
from connectors.landing import LandingStore
from orchestration.project import DBT_PROJECT_DIR, PROJECT_ROOT

RECORD_NAME = "publish_inputs.json"
UP_TO_DATE = "up_to_date"  # the run-folder report of a run that skipped the rebuild
INPUTS = "inputs"  # the run-folder report of what a rebuilding run was built from
CODE_DIRS = ("orchestration", "expectations", "connectors")
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "dagster", "dagster-dbt", "great-expectations")
SKIP_DIRS = {"__pycache__", "target", "dbt_packages", "logs", "demo_data"}
LANDING_SKIP = {"_schema", "_quarantine", "_validated", "_repeats"}


# --- landed batches -------------------------------------------------------------------------


def landing_files(landing: Path, streams: set[str] | None = None) -> dict[str, Path]:
    """Every batch dbt reads (`landing/*/<stream>/*.parquet`), by path relative to landing,
    limited to `streams` when given."""
    out = {}
    for path in sorted(Path(landing).glob("*/*/*.parquet")):
        source, stream = path.parts[-3], path.parts[-2]
        if source in LANDING_SKIP or (streams is not None and stream not in streams):
            continue
        out[f"{source}/{stream}/{path.name}"] = path
    return out


def file_stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


# --- the other inputs ------------------------------------------------------------------------


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _tree(root: Path) -> list[Path]:
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        out += [Path(folder) / f for f in files if not f.endswith((".pyc", ".tmp"))]
    return out


def dbt_project_hash() -> str:
    files = [
        p
        for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses")
        for p in _tree(DBT_PROJECT_DIR / folder)
    ]
    files += [DBT_PROJECT_DIR / n for n in ("dbt_project.yml", "profiles.yml", "packages.yml")]
    return _hash_files([p for p in files if p.exists()], DBT_PROJECT_DIR)


def _package_dirs() -> list[Path]:
    """The folders of installed connector packages (their Python and their dbt package)."""
    import inspect

    from connectors import registry

    return sorted(
        {
            Path(inspect.getfile(cls)).parent
            for cls in registry().values()
            if cls.dbt_package is not None
        }
    )


def code_version() -> str:
    """Our code, installed connector packages, and the versions of the libraries that build,
    check and publish."""
    files = [p for d in CODE_DIRS for p in _tree(PROJECT_ROOT / d)]
    packages = [f"{f.name}:{_hash_files(_tree(f), f)}" for f in _package_dirs()]
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}==none")
    return hashlib.sha256(
        ";".join([_hash_files(files, PROJECT_ROOT), *packages, *versions]).encode()
    ).hexdigest()


def config_hash(config) -> str:
    """The validated config (KPIs, targets, sources, publish targets): the catalog is made from
    it and the run date. Secrets are `env:` references here, never their values."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def published_streams(manifest_path: Path, models: Iterable[str]) -> set[str] | None:
    """The landing streams the published models are built from (dbt lineage); None when the
    manifest cannot tell, which counts every stream."""
    try:
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
        parents = manifest["parent_map"]
        project = manifest["metadata"]["project_name"]
    except (OSError, ValueError, KeyError):
        return None
    todo = [f"model.{project}.{m}" for m in models]
    seen: set[str] = set()
    streams: set[str] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.startswith("source."):
            source_name, stream = node.split(".")[2:4]
            if source_name != "scorecard_config":
                streams.add(stream)
        todo += parents.get(node, [])
    return streams


# --- the one object: is the published scorecard up to date? ---------------------------------


@dataclass(frozen=True)
class Plan:
    """What a run's dbt step does: skip (nothing changed since the last publish), or rebuild —
    and then why, and why from all of landing rather than incrementally (decision 33)."""

    skip: bool
    rebuild_because: str | None = None
    full_because: str | None = None


class PublishInputs:
    """One job (decision 29): tell whether the published scorecard was built from exactly this
    run's inputs — so dbt, the gates and the publish can be skipped — and, once a run has
    published, vouch for the inputs it was built from.

    The inputs: the landed batches of the streams the published tables read, the config, the
    dbt project, our code and libraries, and the run date. A batch landed since the publish
    is nothing new when landing recorded it as a repeat of a batch still there
    (`LandingStore.repeats`): staging keeps the newest version of each key, so it changes no
    built table.
    """

    def __init__(self, config):
        self.config = config
        self.record_path = config.paths.artifacts_dir / RECORD_NAME

    def current(self, *, run_date: date, streams: set[str] | None) -> dict:
        config = self.config
        return {
            "run_date": run_date.isoformat(),
            "config": config_hash(config),
            # staged local dates depend on it: incremental models cannot carry them over
            "timezone": config.timezone,
            # the warehouse file holds another engine's export, not DuckDB's incremental state
            "engine": config.engine.type,
            "dbt_project": dbt_project_hash(),
            "code": code_version(),
            "streams": None if streams is None else sorted(streams),
            "landing": {
                rel: file_stamp(p)
                for rel, p in landing_files(config.paths.landing, streams).items()
            },
        }

    def plan(self, current: dict, *, run_id: str, forced: bool) -> Plan:
        """Skip, or rebuild and say why. A rebuild drops the record first: until it publishes,
        no earlier publish vouches for the inputs."""
        record = None if forced else self.recorded()
        if forced:
            reason = "--full-refresh or a backfill rebuilds"
        else:
            reason = self._what_changed(record, current)
        if reason is None and not self._previous_run_ok(run_id, record):
            reason = "the previous run did not finish with a publish"
        if reason is None:
            return Plan(skip=True)
        full = incremental_basis(record, current)
        self.record_path.unlink(missing_ok=True)
        return Plan(skip=False, rebuild_because=reason, full_because=full)

    def vouch(self, inputs: dict, *, run_id: str) -> Path:
        """Record what a run that has just published was built from."""
        serving = Path(self.config.publish.duckdb)
        payload = {
            **inputs,
            "run_id": run_id,
            "serving": str(serving),
            "serving_stamp": file_stamp(serving),
        }
        return write_text(self.record_path, json.dumps(payload, indent=1))

    def recorded(self) -> dict | None:
        try:
            return json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _what_changed(self, record: dict | None, inputs: dict) -> str | None:
        """None when the published scorecard was built from exactly these inputs, else the
        first reason it was not (for the run log)."""
        config = self.config
        if record is None:
            return "no successful publish is recorded"
        for key, label in (
            ("run_date", "the run date"),
            ("config", "the config"),
            ("dbt_project", "the dbt project"),
            ("code", "the code or a library version"),
            ("streams", "the streams the published tables read"),
        ):
            if record.get(key) != inputs[key]:
                return f"{label} changed"
        serving = Path(config.publish.duckdb)
        if not serving.exists() or record.get("serving") != str(serving):
            return f"{serving} is missing"
        if record.get("serving_stamp") != file_stamp(serving):
            return f"{serving} was replaced since run {record.get('run_id', '?')[:8]}"
        if not config.report_path.exists():
            return f"{config.report_path} is missing"
        before, now = record.get("landing", {}), inputs["landing"]
        for rel, stamp in before.items():
            if now.get(rel) != stamp:
                return f"landing batch {rel} was removed or changed"
        store = LandingStore(config.paths.landing)
        present = {_fingerprint(rel, stamp) for rel, stamp in now.items()}
        for rel in sorted(set(now) - set(before)):
            source, stream, _ = rel.split("/")
            repeated = store.repeats(source, stream).get(_fingerprint(rel, now[rel]))
            if repeated is None or repeated not in present:
                return f"new data landed ({rel})"
        return None

    def _previous_run_ok(self, run_id: str, record: dict | None) -> bool:
        """The run before this one published the recorded inputs, or found them up to date: a
        failed run in between (even one that failed before its rebuild began) means rebuild."""
        root = self.config.paths.artifacts_dir / "runs"
        others = [p for p in root.glob("*") if p.is_dir() and p.name != run_id]
        if not others or record is None:
            return False
        last = max(others, key=lambda p: p.stat().st_mtime)
        return last.name == record.get("run_id") or (last / f"{UP_TO_DATE}.json").exists()


def _fingerprint(rel: str, stamp: list[int]) -> str:
    """`LandingStore.fingerprint` of a batch from its landing path and recorded stamp."""
    return f"{Path(rel).name}:{stamp[0]}:{stamp[1]}"


def incremental_basis(record: dict | None, inputs: dict) -> str | None:
    """None when incremental models may extend the warehouse the recorded publish left (every
    batch it was built from is still there, unchanged, and the models are the same), else why
    the warehouse must be rebuilt from all of landing (decision 33)."""
    if record is None:
        return "no successful publish is recorded to build on"
    if record.get("dbt_project") != inputs["dbt_project"]:
        return "the dbt project changed"
    # incremental CRM staging keeps the local dates it computed when each row was staged
    if "timezone" not in record:
        return "the recorded publish does not name its business time zone (an earlier version)"
    if record["timezone"] != inputs.get("timezone"):
        return "the business time zone changed"
    if record.get("engine", "duckdb") != inputs.get("engine", "duckdb"):
        return "the engine changed"
    now = inputs["landing"]
    for rel, stamp in record.get("landing", {}).items():
        if now.get(rel) != stamp:
            return f"landing batch {rel} was removed or changed"
    return None
