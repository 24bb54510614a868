"""How the pipeline invokes dbt: dagster-dbt's CLI resource without the start-up work a run
does not need, and one dbt target folder per warehouse instead of one per invocation.

Measured at S = 100 (docs/benchmarks.md, "Start-up work, one key test per model, ..."):
before every invocation dagster-dbt runs `dbt --version` in a new process (≈ 2 s) and builds a
dbt adapter in this process (≈ 1.4 s of CPU) for warehouse metadata we never fetch; and a fresh
target folder per invocation (7 MB each, never removed) meant dbt re-parsed the whole project
whenever the previous run was made with another scorecard.yml, because the warehouse path is
part of dbt's profile hash.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.compat import dbt_cli_without_startup_work
from orchestration.project import DBT_PROJECT_DIR

# the dbt installed beside this Python (a virtualenv need not be activated to run the CLI)
_BESIDE = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_BESIDE) if _BESIDE.exists() else (shutil.which("dbt") or "dbt")
# dbt writes here what a run leaves behind: manifest, run results, compiled SQL, parse state
RUN_TARGETS = DBT_PROJECT_DIR / "target" / "runs"
PACKAGES_ENV = "SCORECARD_DBT_PACKAGES"  # dbt_project.yml's packages-install-path


@dataclass(frozen=True)
class ConnectorSetup:
    """What the dbt project learns from the installed connector types: the dbt vars of
    `connectors.dbt_vars`, and a packages folder linking the dbt package of every connector
    package (entry point `marketing_scorecard.connectors`). Each set of connector types has
    its own folder (by digest), so its manifest and parse state never mix with another's."""

    vars_json: str
    folder: Path  # dbt_project/target/connectors/<digest>: the manifest of this set

    @property
    def packages(self) -> Path:
        return self.folder / "dbt_packages"


@functools.cache
def connector_setup() -> ConnectorSetup:
    from connectors import dbt_vars, registry
    from expectations.warehouse import relations_read

    packages = {
        type_: str(Path(cls.dbt_package).resolve())
        for type_, cls in registry().items()
        if cls.dbt_package is not None
    }
    # the tables an engine other than DuckDB exports for the gates (dbt macro export_for_publish)
    vars_json = json.dumps({**dbt_vars(), "scorecard_exports": relations_read()}, sort_keys=True)
    digest = hashlib.sha256(f"{vars_json}{sorted(packages.items())}".encode()).hexdigest()[:12]
    setup = ConnectorSetup(vars_json, DBT_PROJECT_DIR / "target" / "connectors" / digest)
    setup.packages.mkdir(parents=True, exist_ok=True)
    for type_, path in packages.items():
        link = setup.packages / type_
        if not link.is_symlink() or str(link.readlink()) != path:
            link.unlink(missing_ok=True)
            link.symlink_to(path, target_is_directory=True)
    return setup


def connector_environment() -> dict[str, str]:
    """What every dbt invocation needs in its environment for the installed connector types."""
    return {PACKAGES_ENV: str(connector_setup().packages)}


def dbt_project() -> DbtProject:
    """The dbt project as dagster-dbt sees it, with this connector set's manifest."""
    target = connector_setup().folder.relative_to(DBT_PROJECT_DIR)
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=target)


# dbt commands that parse the project, and so take --vars
_PARSING = {"build", "compile", "list", "ls", "parse", "run", "seed", "show", "snapshot", "test"}


def with_connector_vars(args: Sequence[str]) -> list[str]:
    """`args` plus `--vars` with what the dbt project learns from the connector types, for
    every command that parses the project: the same on every invocation, so dbt's partial
    parsing keeps its state."""
    args = list(args)
    if args and args[0] in _PARSING and "--vars" not in args:
        args += ["--vars", connector_setup().vars_json]
    return args


class ScorecardDbtCli(dbt_cli_without_startup_work()):
    """`DbtCliResource` for the dbt-core installed beside this Python, passing the connector
    types' dbt vars and packages on every command."""

    def cli(self, args: Sequence[str], **kwargs):
        os.environ.update(connector_environment())
        return super().cli(with_connector_vars(args), **kwargs)


def dbt_command(*args: str, target_path: Path | None = None) -> list[str]:
    """The dbt command line on this project, for tools outside a run (tests, benchmarks)."""
    target = ["--target-path", str(target_path)] if target_path else []
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    return [DBT_EXECUTABLE, *with_connector_vars(args), *project, *target]


def dbt_resource() -> ScorecardDbtCli:
    return ScorecardDbtCli(
        project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE, local_dbt=str(_BESIDE)
    )


def run_target(environment: Mapping[str, str]) -> Path:
    """The target folder for builds with this dbt environment (warehouse, landing, config
    paths), reused run after run: dbt keeps its parse state there, so a night re-parses only
    what changed even when other scorecards were built in between. A build holds the
    warehouse lock, so two invocations never share a folder at the same time."""
    key = "\n".join(f"{k}={environment[k]}" for k in sorted(environment))
    folder = RUN_TARGETS / hashlib.sha256(key.encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    # results of the previous build must never pass for this one's (dbt may stop before
    # writing its own, e.g. on a broken profile)
    (folder / "run_results.json").unlink(missing_ok=True)
    return folder
