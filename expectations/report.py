"""The data-quality report of a run: one self-contained HTML file (no network, no scripts).

It is rebuilt from the run's step reports (landing_*.json, gate_*.json, dbt_results.json,
errors) each time a step finishes, so it is complete wherever the run stopped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from connectors.atomic import write_text

TEMPLATES = Path(__file__).parent / "templates"
LAYERS = ("landing", "metrics", "marts")


def write_report(folder: Path, *, run_id: str, run_date=None) -> Path:
    folder = Path(folder)
    reports = [_load(p) for p in sorted(folder.glob("landing_*.json"))]
    reports += [_load(p) for p in sorted(folder.glob("gate_*.json"))]
    suites = [s for r in reports for s in r.get("suites", [])]
    layers = []
    for name in LAYERS:
        chosen = [s for s in suites if s["layer"] == name]
        expectations = [e for s in chosen for e in s["expectations"]]
        layers.append(
            {
                "name": name,
                "suites": chosen,
                "passed": sum(e["success"] for e in expectations),
                "failed": sum(
                    1 for e in expectations if not e["success"] and e["severity"] == "critical"
                )
                + sum(1 for s in chosen if s["error"] or not s["evaluated"]),
                "warnings": sum(
                    1 for e in expectations if not e["success"] and e["severity"] != "critical"
                ),
            }
        )
    dbt = _dbt(folder / "dbt_results.json")
    errors = [_load(p) for p in sorted(folder.glob("error_*.json"))]
    failed = sum(layer["failed"] for layer in layers) + (dbt["failed"] if dbt else 0) + len(errors)
    html = (
        Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        .get_template("data_quality.html.j2")
        .render(
            run_id=run_id,
            run_date=run_date,
            written_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            published=(folder / "published.json").exists(),
            failed_count=failed,
            layers=layers,
            dbt=dbt,
            errors=errors,
        )
    )
    return write_text(folder / "data_quality.html", html)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _dbt(path: Path) -> dict | None:
    if not path.exists():
        return None
    nodes = _load(path).get("results", [])
    bad = {"error", "fail", "runtime error"}
    return {
        "nodes": nodes,
        "passed": sum(1 for n in nodes if n.get("status") in ("success", "pass")),
        "failed": sum(1 for n in nodes if str(n.get("status")).lower() in bad),
        "warned": sum(1 for n in nodes if n.get("status") == "warn"),
        "problems": [n for n in nodes if str(n.get("status")).lower() in bad | {"warn"}],
    }
