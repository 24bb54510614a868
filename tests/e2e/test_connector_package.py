"""A connector shipped as a package, without forking the project: `scorecard new-connector
--package` generates it, pip builds and installs it into the test's environment (a target
folder on PYTHONPATH, so the project's virtualenv stays as it is), its own tests pass, and a real
`scorecard run` publishes KPIs computed by the package's own dbt models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from werkzeug.wrappers import Response

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
TOKEN = "canary-acme-pkg-token-2468"

CONFIG = """
timezone: Europe/Copenhagen
sources:
  - {{name: ads, type: acme_pkg, account_id: "42", access_token: env:ACME_PKG_TOKEN,
     base_url: "{url}", start_date: 2026-10-01}}
objectives:
  - {{id: reach, perspective: customer, name: Reach}}
kpis:
  - {{id: ad_clicks, name: Ad clicks, objective: reach, type: metric, metric: acme_pkg.clicks,
     target: 50}}
  - {{id: click_rate, name: Click rate, objective: reach, type: ratio, numerator: acme_pkg.clicks,
     denominator: acme_pkg.impressions, scale: 100, unit: percent, target: 2}}
"""


def run(*args: str, cwd: Path, site: Path | None = None, env: dict | None = None):
    environment = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", **(env or {})}
    environment.pop("DAGSTER_HOME", None)
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    return subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=900)  # fmt: skip


def test_a_generated_connector_package_installs_and_publishes_kpis(tmp_path, httpserver):
    package = tmp_path / "scorecard-acme-pkg"
    made = run(str(BIN / "scorecard"), "new-connector", "acme_pkg", "--package", str(package),
               cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr + made.stdout
    assert (package / "pyproject.toml").exists()
    assert (package / "src/scorecard_acme_pkg/dbt/models/intermediate/int_metrics__acme_pkg.sql"
            ).exists()  # fmt: skip

    # built and installed like any package, into a folder on the test's PYTHONPATH
    site = tmp_path / "site"
    installed = run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(package), cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert list(site.glob("scorecard_acme_pkg-*.dist-info/entry_points.txt"))

    # its own tests pass against the installed package
    tests = run(str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests",
                cwd=package, site=site)  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "3 passed" in tests.stdout

    # a scorecard names the new type; the package's recorded pages play the API
    pages = [json.loads((package / f"tests/fixtures/page_{i}.json").read_text()) for i in (1, 2)]
    pages[0]["paging"]["next"] = httpserver.url_for("/v1/stats") + "?page=2"

    def api(request):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response(json.dumps({"error": {"message": "invalid token"}}), 401)
        page = pages[1] if request.args.get("page") == "2" else pages[0]
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request("/v1/stats").respond_with_handler(api)
    project = tmp_path / "scorecard"
    project.mkdir()
    (project / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(url=httpserver.url_for("/"))), encoding="utf-8"
    )
    checked = run(str(BIN / "scorecard"), "validate-config", cwd=project, site=site)
    assert checked.returncode == 0, checked.stderr
    result = run(str(BIN / "scorecard"), "run", "--as-of", "2026-11-02", cwd=project,
                 site=site, env={"ACME_PKG_TOKEN": TOKEN})  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    with duckdb.connect(str(project / "data/serving.duckdb"), read_only=True) as con:
        kpis = dict(
            con.execute(
                "select kpi_id, value from scorecard.kpi_values"
                " where grain = 'month' and period_start = '2026-10-01'"
            ).fetchall()
        )
        staged = con.execute(
            "select count(*) from scorecard.metric_values where metric_id like 'acme_pkg.%'"
        ).fetchall()[0][0]
    # the fixture: 36 + 27 clicks on 1200 + 900 impressions, by the package's metrics model
    assert kpis == {"ad_clicks": 63, "click_rate": pytest.approx(100 * 63 / 2100)}
    assert staged > 0

    # without the package, the same scorecard is a configuration error naming the type
    missing = run(str(BIN / "scorecard"), "validate-config", cwd=project)
    assert missing.returncode == 2
    assert "acme_pkg" in missing.stderr
