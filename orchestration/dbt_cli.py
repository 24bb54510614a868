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

import hashlib
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.compat import dbt_cli_without_startup_work
from orchestration.project import DBT_PROJECT_DIR

# the dbt installed beside this Python (a virtualenv need not be activated to run the CLI)
_BESIDE = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_BESIDE) if _BESIDE.exists() else (shutil.which("dbt") or "dbt")
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# dbt writes here what a run leaves behind: manifest, run results, compiled SQL, parse state
RUN_TARGETS = DBT_PROJECT_DIR / "target" / "runs"


# dbt commands that parse the project, and so take --vars
_PARSING = {"build", "compile", "list", "ls", "parse", "run", "seed", "show", "snapshot", "test"}


def with_connector_vars(args: Sequence[str]) -> list[str]:
    """`args` plus `--vars` with what the dbt project learns from the connector types
    (`connectors.dbt_vars`), for every command that parses the project: the same on every
    invocation, so dbt's partial parsing keeps its state."""
    from connectors import dbt_vars

    args = list(args)
    if args and args[0] in _PARSING and "--vars" not in args:
        args += ["--vars", json.dumps(dbt_vars(), sort_keys=True)]
    return args


class ScorecardDbtCli(dbt_cli_without_startup_work()):
    """`DbtCliResource` for the dbt-core installed beside this Python, passing the connector
    types' dbt vars on every command."""

    def cli(self, args: Sequence[str], **kwargs):
        return super().cli(with_connector_vars(args), **kwargs)


def dbt_command(*args: str, target_path: Path | None = None) -> list[str]:
    """The dbt command line on this project, for tools outside a run (tests, benchmarks)."""
    target = ["--target-path", str(target_path)] if target_path else []
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    return [DBT_EXECUTABLE, *with_connector_vars(args), *project, *target]


def dbt_resource() -> ScorecardDbtCli:
    return ScorecardDbtCli(
        project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE, local_dbt=str(_BESIDE)
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
