"""`scorecard new-connector` in a temporary copy of the project: the generated connectors'
own tests pass, lint is clean, no existing file changes, and the asset graph shows the new
sources as soon as a config names them (no edit to orchestration/)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from werkzeug.wrappers import Response

from tests.conftest import REPO

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
NEW = {"acme_marketing_cloud": "http", "shop_exports": "file"}


def project_copy(target: Path) -> Path:
    """The checkout's files as git sees them (tracked and new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and "target" not in p.parts
    }


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    # the copy's packages, not the checkout this virtualenv was installed from
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_PROXY": "127.0.0.1,localhost", **(env or {})}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


GRAPH = """
import json
from orchestration.config import load_config
from orchestration.defs import build_definitions
graph = build_definitions(load_config("scorecard.yml")).resolve_asset_graph()
print(json.dumps({
    k.to_user_string(): sorted(p.to_user_string() for p in graph.get(k).parent_keys)
    for k in graph.get_all_asset_keys()
}))
"""


def test_generated_connectors_pass_their_tests_and_join_the_asset_graph(tmp_path):
    project = project_copy(tmp_path / "project")
    before = digests(project)
    for name, kind in NEW.items():
        made = run(
            str(BIN / "python"), "-m", "orchestration.cli", "new-connector", name, "--kind", kind,
            cwd=project,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr + made.stdout
        assert f"connector {name} ({kind}) created" in made.stdout
    after = digests(project)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing edited
    created = sorted(set(after) - set(before))
    for name in NEW:
        assert f"connectors/{name}/__init__.py" in created
        assert f"tests/connectors/test_{name}.py" in created
        assert f"docs/sources/{name}.md" in created
    assert (
        "dbt_project/models/staging/acme_marketing_cloud/stg_acme_marketing_cloud__daily_stats.sql"
        in created
    )
    assert "tests/fixtures/shop_exports/export.csv" in created

    # the generated tests pass as generated (extraction, errors, landing and dbt staging)
    tests = [f"tests/connectors/test_{name}.py" for name in NEW]
    result = run(str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests,
                 cwd=project)  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    assert "6 passed" in result.stdout, result.stdout[-2000:]

    # and the project's lint accepts them
    generated_py = [p for p in created if p.endswith(".py")]
    lint = run(str(BIN / "ruff"), "check", *generated_py, cwd=project)
    assert lint.returncode == 0, lint.stdout
    layout = run(str(BIN / "ruff"), "format", "--check", *generated_py, cwd=project)
    assert layout.returncode == 0, layout.stdout
    sql = run(
        str(BIN / "sqlfluff"), "lint",
        *[f"dbt_project/models/staging/{name}" for name in NEW],
        cwd=project, env={"SCORECARD_WAREHOUSE": ":memory:"},
    )  # fmt: skip
    assert sql.returncode == 0, sql.stdout[-3000:]

    # a config that names the new types: landing assets and staging lineage appear
    (project / "scorecard.yml").write_text(
        textwrap.dedent(
            """
            timezone: Europe/Copenhagen
            sources:
              - {name: ads, type: acme_marketing_cloud, account_id: "7", access_token: env:ADS_TOKEN}
              - {name: exports, type: shop_exports, path: inbox/exports}
            objectives: []
            kpis: []
            """
        ),
        encoding="utf-8",
    )
    graph = run(str(BIN / "python"), "-c", GRAPH, cwd=project)
    assert graph.returncode == 0, graph.stderr[-3000:]
    parents = json.loads(graph.stdout.strip().splitlines()[-1])
    assert parents["warehouse/stg_acme_marketing_cloud__daily_stats"] == [
        "landing/ads/acme_marketing_cloud_daily_stats"
    ]
    assert parents["warehouse/stg_shop_exports__rows"] == ["landing/exports/shop_exports_rows"]
    assert {
        "landing/ads/acme_marketing_cloud_daily_stats",
        "landing/exports/shop_exports_rows",
    } <= set(parents)


WIRED_CONFIG = """
timezone: Europe/Copenhagen
sources:
  - {{name: ads, type: acme_ads, account_id: "42", access_token: env:ACME_ADS_TOKEN,
     base_url: "{url}", start_date: 2026-10-01}}
objectives:
  - {{id: reach, perspective: customer, name: Reach}}
kpis:
  - {{id: ad_clicks, name: Ad clicks, objective: reach, type: metric, metric: acme_ads.clicks,
     target: 50}}
  - {{id: click_rate, name: Click rate, objective: reach, type: ratio, numerator: acme_ads.clicks,
     denominator: acme_ads.impressions, scale: 100, unit: percent, target: 2}}
"""


RECONCILED = """
import duckdb
from expectations.warehouse import reconciliation_query
with duckdb.connect("data/warehouse.duckdb", read_only=True) as con:
    print(con.execute(
        "select metric_id, period_start, staged, reconciled from (" + reconciliation_query() + ")"
        " where metric_id like 'acme_ads.%' order by 1"
    ).fetchall())
"""


def test_the_guide_wires_a_generated_connector_into_kpis(tmp_path, httpserver):
    """docs/connectors.md step 4, applied as written, turns the generated connector's data
    into metrics a KPI uses — and the gate checks the new type from what its stream declares
    (landing rules, reconciliation), with no edit to expectations/ or orchestration/."""
    project = project_copy(tmp_path / "project")
    made = run(str(BIN / "python"), "-m", "orchestration.cli", "new-connector", "acme_ads",
               cwd=project)  # fmt: skip
    assert made.returncode == 0, made.stderr
    before = digests(project)
    guide = (project / "docs/connectors.md").read_text(encoding="utf-8")
    step = guide[guide.index("### 4. Turn the data into metrics") :]
    python = step.split("```python\n", 1)[1].split("```", 1)[0]
    sql = step.split("```sql\n", 1)[1].split("```", 1)[0]
    module = project / "connectors/acme_ads/__init__.py"
    declared = [line.strip() for line in python.splitlines() if " = " in line]
    source = module.read_text(encoding="utf-8")
    anchor = "    streams = (STATS,)\n"
    module.write_text(
        source.replace(anchor, anchor + "".join(f"    {line}\n" for line in declared)),
        encoding="utf-8",
    )
    own = project / "dbt_project/models/intermediate/acme_ads"
    own.mkdir()
    (own / "int_metrics__acme_ads.sql").write_text(textwrap.dedent(sql), encoding="utf-8")

    pages = [json.loads((project / f"tests/fixtures/acme_ads/page_{i}.json").read_text())
             for i in (1, 2)]  # fmt: skip
    pages[0]["paging"]["next"] = httpserver.url_for("/v1/stats") + "?page=2"
    httpserver.expect_request("/v1/stats").respond_with_handler(
        lambda request: Response(
            json.dumps(pages[1] if request.args.get("page") == "2" else pages[0]),
            content_type="application/json",
        )
    )
    (project / "scorecard.yml").write_text(
        textwrap.dedent(WIRED_CONFIG.format(url=httpserver.url_for("/"))), encoding="utf-8"
    )
    result = run(
        str(BIN / "python"), "-m", "orchestration.cli", "run", "--as-of", "2026-11-02",
        cwd=project, env={"ACME_ADS_TOKEN": "canary-acme-token-5566"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    with duckdb.connect(str(project / "data/serving.duckdb"), read_only=True) as con:
        kpis = dict(
            con.execute(
                "select kpi_id, value from scorecard.kpi_values"
                " where grain = 'month' and period_start = '2026-10-01'"
            ).fetchall()
        )
    # the fixture: 36 + 27 clicks on 1200 + 900 impressions
    assert kpis == {"ad_clicks": 63, "click_rate": pytest.approx(100 * 63 / 2100)}
    # the published sums were reconciled with the new type's staged rows
    reconciled = run(str(BIN / "python"), "-c", RECONCILED, cwd=project)
    assert reconciled.returncode == 0, reconciled.stderr[-2000:]
    assert "('acme_ads.clicks', datetime.date(2026, 10, 1), 63.0, True)" in reconciled.stdout
    assert "('acme_ads.impressions', datetime.date(2026, 10, 1), 2100.0, True)" in (
        reconciled.stdout
    )
    # its declared landing rule (values are never negative) stops a bad batch
    pages[1]["data"][0]["value"] = -5
    bad = run(
        str(BIN / "python"), "-m", "orchestration.cli", "run", "--as-of", "2026-11-03",
        cwd=project, env={"ACME_ADS_TOKEN": "canary-acme-token-5566"},
    )  # fmt: skip
    assert bad.returncode == 1
    assert "Run failed: source ads, 2026-10-02: expect_column_values_to_be_between on value" in (
        " ".join(bad.stderr.split())
    )
    # no file outside the connector's own folders was edited to get there
    after = digests(project)
    edited = {k for k in before if k in after and before[k] != after[k]}
    assert {k for k in edited if not k.startswith("data/")} == {"connectors/acme_ads/__init__.py"}
