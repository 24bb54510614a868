"""What a publish was built from, and whether anything has changed since (decision 29).

A published scorecard is a function of: the landed batches of the streams that feed the
published tables, the config (the catalog is built from it), the dbt project, the run date and
our own code. A successful run records these inputs next to its artefacts
(`<artifacts>/publish_inputs.json`); the next run compares them after landing and the catalog,
and when nothing differs it skips dbt, the gates and the publish.

API sources re-extract their lookback window every run, so "nothing new" cannot mean "no new
file": a re-extracted batch is *redundant* when it holds exactly what the newest earlier batch
of the same stream and window holds (load metadata aside). Staging keeps the newest version of
each key, so landing a redundant batch changes no built table.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import date
from importlib import metadata
from pathlib import Path

from connectors.atomic import write_text
from orchestration.project import DBT_PROJECT_DIR, PROJECT_ROOT

RECORD_NAME = "publish_inputs.json"
UP_TO_DATE = "up_to_date"  # the run-folder report of a run that skipped the rebuild
INPUTS = "inputs"  # the run-folder report of what a rebuilding run was built from
# what a re-extraction may change without changing the data
LOAD_STAMP = ("_batch_id", "_extracted_at")
WINDOW = ("_window_start", "_window_end")
CODE_DIRS = ("orchestration", "expectations", "connectors")
PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "dagster", "dagster-dbt", "great-expectations")
SKIP_DIRS = {"__pycache__", "target", "dbt_packages", "logs", "demo_data"}
LANDING_SKIP = {"_schema", "_quarantine", "_validated"}


# --- landed batches -------------------------------------------------------------------------


def batch_window(path: Path) -> tuple[str, str] | None:
    """A batch's extraction window from its Parquet footer (no rows read); None for file
    batches, empty batches and batches without window statistics."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    names = meta.schema.names
    if meta.num_rows == 0 or "_window_start" not in names or "_window_end" not in names:
        return None
    bounds = []
    for column, pick in (("_window_start", min), ("_window_end", max)):
        index = names.index(column)
        values = []
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                return None
            values.append(stats.min if pick is min else stats.max)
        bounds.append(str(pick(values)))
    return bounds[0], bounds[1]


def _data_shape(path: Path):
    """A batch's schema without its load stamps and window (those are compared separately),
    and its row count, from one read of the file's footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    schema = meta.schema.to_arrow_schema().remove_metadata()
    data = pa.schema([f for f in schema if f.name not in (*LOAD_STAMP, *WINDOW)])
    return data, meta.num_rows


def repeats(path: Path, before: Path) -> bool:
    """`path` holds only rows `before` holds as they are, load stamps aside.

    Same window: exactly the same rows. A shorter window ending on the same day (the night's
    run extracted from the previous run's end, a second run that night from its own lookback):
    every row it holds is a row of `before`. Row order does not matter. DuckDB compares the
    files, because `before` may be a backfill of millions of rows (a set of Python tuples took
    39 s and 5 GB for 6.5 million); set operations treat NULLs as equal, as rows should."""
    mine, theirs = batch_window(path), batch_window(before)
    # the windows alone decide most cases: never read a batch that cannot be repeated
    if mine is None or theirs is None or not (theirs[0] <= mine[0] and mine[1] == theirs[1]):
        return False
    import duckdb

    try:
        (schema, rows), (earlier_schema, earlier) = _data_shape(path), _data_shape(before)
        if not schema.names or schema != earlier_schema or rows == 0:
            return False
        if mine == theirs and rows != earlier:
            return False
        # same window and as many rows: nothing left over, counted with multiplicity, is equal
        leftover = "except all" if mine == theirs else "except"
        columns = ", ".join('"' + n.replace('"', '""') + '"' for n in schema.names)
        with duckdb.connect() as con:
            left = con.execute(
                f"select count(*) from (select {columns} from read_parquet(?) {leftover}"
                f" select {columns} from read_parquet(?))",
                [str(path), str(before)],
            ).fetchone()[0]
        return left == 0
    except Exception:  # unreadable or differently typed: not a repeat
        return False


def predecessor(path: Path, older: list[Path], *, cursor: str | None) -> Path | None:
    """The batch whose rows `path` would replace: the newest earlier batch of the stream whose
    window overlaps it (any earlier batch when the stream has no date cursor or `path` no
    window). Batch names start with their extraction time, so name order is time order."""
    mine = batch_window(path)
    for candidate in sorted(older, reverse=True):
        if cursor is None or mine is None:
            return candidate
        theirs = batch_window(candidate)
        if theirs is None or (theirs[0] <= mine[1] and mine[0] <= theirs[1]):
            return candidate
    return None


def redundant(path: Path, older: list[Path], *, cursor: str | None) -> Path | None:
    """The earlier batch `path` repeats (see `repeats`), else None.

    Staging keeps the newest version of each key, and a key's versions sit in batches whose
    window holds its cursor date: so when a batch repeats the newest batch overlapping its
    window, the newest version of every key stays what it was, and so does every table."""
    before = predecessor(path, older, cursor=cursor)
    return before if before is not None and repeats(path, before) else None


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


def code_version() -> str:
    """Our code and the versions of the libraries that build, check and publish."""
    files = [p for d in CODE_DIRS for p in _tree(PROJECT_ROOT / d)]
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}==none")
    return hashlib.sha256(
        (_hash_files(files, PROJECT_ROOT) + ";" + ";".join(versions)).encode()
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


# --- the record and the comparison -----------------------------------------------------------


def current_inputs(config, *, run_date: date, streams: set[str] | None) -> dict:
    return {
        "run_date": run_date.isoformat(),
        "config": config_hash(config),
        # staged local dates depend on it: incremental models cannot carry them across a change
        "timezone": config.timezone,
        "dbt_project": dbt_project_hash(),
        "code": code_version(),
        "streams": None if streams is None else sorted(streams),
        "landing": {
            rel: file_stamp(p) for rel, p in landing_files(config.paths.landing, streams).items()
        },
    }


def record_path(config) -> Path:
    return config.paths.artifacts_dir / RECORD_NAME


def read_record(config) -> dict | None:
    try:
        return json.loads(record_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def forget_record(config) -> None:
    """A rebuild starts: until it succeeds, no earlier publish vouches for the inputs."""
    record_path(config).unlink(missing_ok=True)


def write_record(config, inputs: dict, *, run_id: str) -> Path:
    serving = Path(config.publish.duckdb)
    payload = {
        **inputs,
        "run_id": run_id,
        "serving": str(serving),
        "serving_stamp": file_stamp(serving),
    }
    return write_text(record_path(config), json.dumps(payload, indent=1))


def what_changed(config, record: dict | None, inputs: dict, *, cursors: dict) -> str | None:
    """None when the published scorecard was built from exactly these inputs, else the first
    reason it was not (for the run log)."""
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
    landing = Path(config.paths.landing)
    for rel in sorted(set(now) - set(before)):
        source, stream, _ = rel.split("/")
        folder = landing / source / stream
        prefix = f"{source}/{stream}/"
        older = [folder / Path(r).name for r in now if r.startswith(prefix) and r < rel]
        if redundant(landing / rel, older, cursor=cursors.get(stream)) is None:
            return f"new data landed ({rel})"
    return None


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
    now = inputs["landing"]
    for rel, stamp in record.get("landing", {}).items():
        if now.get(rel) != stamp:
            return f"landing batch {rel} was removed or changed"
    return None


def previous_run_ok(config, run_id: str, record: dict) -> bool:
    """The run before this one published the recorded inputs, or found them up to date: a
    failed run in between (even one that failed before its rebuild began) means rebuild."""
    root = config.paths.artifacts_dir / "runs"
    others = [p for p in root.glob("*") if p.is_dir() and p.name != run_id]
    if not others:
        return False
    last = max(others, key=lambda p: p.stat().st_mtime)
    return last.name == record.get("run_id") or (last / f"{UP_TO_DATE}.json").exists()
