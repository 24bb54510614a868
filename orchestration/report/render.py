"""Write the scorecard page: one HTML file with its CSS, script and data inline.

It opens from disk or as a mail attachment with no network: a Content-Security-Policy in the
page forbids every load, so a stray external reference would fail loudly in a browser rather
than leak a request.
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from connectors.atomic import write_text
from orchestration.report.data import report_data
from orchestration.report.formats import STATUS_WORDS, plain

ASSETS = Path(__file__).parent / "assets"


def render_report(data: dict) -> str:
    env = Environment(loader=FileSystemLoader(ASSETS), autoescape=select_autoescape(["html", "j2"]))
    meta = data["meta"]
    title = " — ".join(x for x in (meta["organisation"], meta["framework_label"]) if x)
    return env.get_template("scorecard.html.j2").render(
        meta=meta,
        title=title,
        html_lang=meta["locale"].split("-")[0],
        css=Markup((ASSETS / "scorecard.css").read_text(encoding="utf-8")),
        js=Markup((ASSETS / "scorecard.js").read_text(encoding="utf-8")),
        data_json=Markup(_script_json(data)),
        fallback=_fallback(data),
    )


def write_report(config, output: Path | None = None, serving: Path | None = None) -> Path:
    """Render the published scorecard to `output` (default: `report.path` of the config),
    through a temporary file and a rename, so a reader never opens half a page."""
    output = Path(output or config.report_path)
    return write_text(output, render_report(report_data(config, serving)))


def _script_json(data: dict) -> str:
    # inside <script> only "</script" and "<!--" could end the block; escaping every "<"
    # (and the line separators JavaScript once rejected) keeps any text from the config inert
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _fallback(data: dict) -> dict:
    """The default month as a plain table, for readers with scripts turned off."""
    grain = "month" if "month" in data["grains"] else next(iter(data["grains"]), None)
    if grain is None:
        return {"grain": "", "period": "no data", "rows": []}
    info = data["grains"][grain]
    i = info["default"]
    names = {p["id"]: p["name"] for p in data["perspectives"]}
    rows = []
    for kpi in data["kpis"]:
        series = data["kpi_values"][grain].get(kpi["id"])
        if series is None:
            continue
        if kpi["direction"] == "in_range" and series["low"][i] is not None:
            target = f"{plain(kpi, series['low'][i], data)} – {plain(kpi, series['high'][i], data)}"
        else:
            target = plain(kpi, series["target"][i], data)
        rows.append(
            {
                "perspective": names.get(kpi["perspective"], kpi["perspective"]),
                "kpi": kpi["name"],
                "value": plain(kpi, series["value"][i], data),
                "target": target,
                "status": STATUS_WORDS.get(series["status"][i] or "no_data", ""),
            }
        )
    period = info["periods"][i]
    return {"grain": grain, "period": f"{period['start']} to {period['end']}", "rows": rows}
