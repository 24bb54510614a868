"""`scorecard new-connector NAME --kind http|file`: a working connector to start from.

It writes, and never overwrites: the connector package (config model, declared stream,
`extract`), its dbt source and staging model, a recorded fixture, a test module that passes as
generated, and a docs page. Nothing else changes: connectors register themselves (`@register`)
and orchestration builds assets from the registry, so the new source shows up in the asset
graph as soon as a config names it.

`scorecard new-connector NAME --package DIR` writes the same connector as an installable
package instead (`new_connector_package`): its own pyproject with an entry point, its dbt
package and its tests, for a connector shipped without forking the project.
"""

from __future__ import annotations

import keyword
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from connectors.base import IDENTIFIER

TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("http", "file")
MAX_NAME = 30  # it is repeated in table, model and class names
# names already taken by modules of `connectors` that are not connectors
RESERVED = frozenset(
    {
        "atomic",
        "base",
        "checks",
        "demo",
        "files",
        "http",
        "landing",
        "meta",
        "pagination",
        "periods",
        "secrets",
    }
)


class ScaffoldError(ValueError):
    """The connector cannot be generated as asked (the message says why)."""


@dataclass(frozen=True)
class Generated:
    name: str
    files: list[Path]


def _context(name: str, kind: str, *, package: bool = False) -> dict[str, str]:
    stream = f"{name}_daily_stats" if kind == "http" else f"{name}_rows"
    model_entity = "daily_stats" if kind == "http" else "rows"
    return {
        "name": name,
        "kind": kind,
        "title": name.replace("_", " ").title(),
        "class_name": "".join(part.title() for part in name.split("_")),
        "stream": stream,
        "model": f"stg_{name}__{model_entity}",
        "env_name": f"{name.upper()}_TOKEN",
        "base_url": f"https://api.{name.replace('_', '-')}.example.com",
        "package": package,
    }


def check_name(name: str, project: Path | None) -> None:
    if not IDENTIFIER.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"'{name}' is not a valid connector name: use lower-case letters, digits and _, "
            "starting with a letter (it becomes the source type, a package and table names)"
        )
    if len(name) > MAX_NAME:
        raise ScaffoldError(f"'{name}' is longer than {MAX_NAME} characters; choose a shorter name")
    if name in RESERVED:
        raise ScaffoldError(f"'{name}' is the name of a module of connectors/; choose another")
    from connectors import registry

    if name in registry() or (project is not None and (project / "connectors" / name).exists()):
        raise ScaffoldError(f"a connector called '{name}' exists already")


def new_connector(name: str, kind: str, project: Path) -> Generated:
    """Write the files of a new connector into `project`; returns what was written."""
    if kind not in KINDS:
        raise ScaffoldError(f"--kind must be one of {', '.join(KINDS)}, not '{kind}'")
    check_name(name, project)
    ctx = _context(name, kind)
    model = ctx["model"]
    plan = {
        f"connectors/{name}/__init__.py": f"{kind}/connector.py.j2",
        f"dbt_project/models/staging/{name}/_{name}__sources.yml": f"{kind}/sources.yml.j2",
        f"dbt_project/models/staging/{name}/_{name}__models.yml": f"{kind}/models.yml.j2",
        f"dbt_project/models/staging/{name}/{model}.sql": f"{kind}/staging.sql.j2",
        f"tests/connectors/test_{name}.py": f"{kind}/test.py.j2",
        f"docs/sources/{name}.md": "source_doc.md.j2",
    }
    if kind == "http":
        plan[f"tests/fixtures/{name}/page_1.json"] = "http/fixture_page_1.json.j2"
        plan[f"tests/fixtures/{name}/page_2.json"] = "http/fixture_page_2.json.j2"
    else:
        plan[f"tests/fixtures/{name}/export.csv"] = "file/fixture_export.csv.j2"
    return Generated(name, _render(plan, ctx, project))


def new_connector_package(name: str, folder: Path) -> Generated:
    """Write an installable connector package into `folder`: pyproject (with the entry point
    `marketing_scorecard.connectors`), the connector, its dbt package (staging and metrics
    models), recorded fixtures and tests — a connector shipped without forking the project."""
    check_name(name, None)
    if folder.exists() and any(folder.iterdir()):
        raise ScaffoldError(f"{folder} is not empty; nothing was written")
    ctx = _context(name, "http", package=True)
    module = f"src/scorecard_{name}"
    dbt = f"{module}/dbt"
    plan = {
        "pyproject.toml": "package/pyproject.toml.j2",
        "README.md": "package/README.md.j2",
        f"{module}/__init__.py": "http/connector.py.j2",
        f"{dbt}/dbt_project.yml": "package/dbt_project.yml.j2",
        f"{dbt}/models/staging/_{name}__sources.yml": "http/sources.yml.j2",
        f"{dbt}/models/staging/_{name}__models.yml": "http/models.yml.j2",
        f"{dbt}/models/staging/{ctx['model']}.sql": "http/staging.sql.j2",
        f"{dbt}/models/intermediate/int_metrics__{name}.sql": "package/int_metrics.sql.j2",
        f"tests/test_{name}.py": "http/test.py.j2",
        "tests/fixtures/page_1.json": "http/fixture_page_1.json.j2",
        "tests/fixtures/page_2.json": "http/fixture_page_2.json.j2",
    }
    return Generated(name, _render(plan, ctx, folder))


def _render(plan: dict[str, str], ctx: dict, root: Path) -> list[Path]:
    existing = [p for p in plan if (root / p).exists()]
    if existing:
        raise ScaffoldError(f"would overwrite {', '.join(existing)}; nothing was written")
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Python, SQL and YAML, not HTML
    )
    written = []
    for relative, template in plan.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(template).render(**ctx), encoding="utf-8")
        written.append(target)
    _format([p for p in written if p.suffix == ".py"])
    return written


def _format(files: list[Path]) -> None:
    """Lay the Python out as the project's formatter would (long names wrap differently);
    ruff is a development dependency, so without it the files stay as rendered."""
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():
        subprocess.run([str(ruff), "format", "--quiet", *map(str, files)], check=False)
