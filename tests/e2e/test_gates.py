"""Every family of checks, fed a batch that violates it, end to end: the run exits 1, the
serving file stays byte for byte, and the data-quality report names the failed expectation
with example rows. (A clean run passing the same gates is test_demo_pipeline.)"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors import connector_for
from connectors.base import Batch, Window
from connectors.ga4.demo import FLAGS  # the flags GA4 lands with every row
from connectors.landing import LandingStore
from tests.conftest import AS_OF, DEMO_DIR, run_cli

pytestmark = pytest.mark.slow
LANDING = "data/demo/landing"
SERVING = "data/demo/serving.duckdb"
PROPERTY = "312345678"


def land(
    root: Path, source: str, source_type: str, stream: str, rows: list[dict], window=None
) -> Path:
    """Land a batch the way a connector does (the same writer)."""
    s = connector_for(source_type).stream(stream)
    table = pa.Table.from_pylist(rows)
    day = AS_OF - timedelta(days=1)
    return LandingStore(root / LANDING).write(source, s, Batch(table, window or Window(day, day)))[
        0
    ]


def ga4_rows(day: date, metrics=("sessions",), value=100.0, **extra) -> list[dict]:
    return [
        {"property_id": PROPERTY, "date": day, "metric": m, "value": value, **FLAGS, **extra}
        for m in metrics
    ]


def land_ga4_breakdowns_like_totals(root: Path, day: date, value: float, metrics) -> Path:
    """GA4 restates a day in every report: the day's channel, campaign, ... rows as landed,
    with `metrics` of the property set to `value` on each dimension's first member and 0 on
    the others, so the members still add up to the restated totals (a dbt test checks)."""
    import duckdb

    files = str(root / LANDING / "website/daily_breakdowns/*.parquet")
    with duckdb.connect() as con:
        rows = (
            con.execute(
                "select * exclude (_source, _stream, _batch_id, _extracted_at, _window_start,"
                " _window_end, _file_name, _file_hash) from read_parquet(?, union_by_name = true)"
                " where property_id = ? and date = ?"
                " qualify dense_rank() over (partition by dimension order by _extracted_at desc) = 1",
                [files, PROPERTY, day],
            )
            .to_arrow_table()
            .to_pylist()
        )
    first = {}
    for r in sorted(rows, key=lambda r: (r["dimension"], r["member"])):
        first.setdefault(r["dimension"], r["member"])
        if r["metric"] in metrics:
            r["value"] = value if r["member"] == first[r["dimension"]] else 0.0
    return land(root, "website", "ga4", "daily_breakdowns", rows, window=Window(day, day))


def land_without_value(project: Path) -> Path:
    """A GA4 batch whose `value` column is missing: the schema gate must refuse it."""
    rows = [
        {k: v for k, v in r.items() if k != "value"} for r in ga4_rows(AS_OF - timedelta(days=1))
    ]
    return land(project, "website", "ga4", "daily_metrics", rows)


def run(root: Path, *args: str):
    return run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), *args, cwd=root)


def rejected(root: Path, result, *expected: str) -> str:
    """Exit 1, serving untouched, and a report that names what failed. Returns the report."""
    assert result.returncode == 1, result.stderr[-3000:]
    text = " ".join(result.stderr.split())
    match = re.search(r"Data-quality report: (\S+data_quality\.html)", text)
    assert match, text[-2000:]
    report = Path(match.group(1)).read_text(encoding="utf-8")
    for needle in expected:
        assert needle in report, needle
    return report


@pytest.fixture
def project(demo_copy):
    serving = demo_copy / SERVING
    before = serving.read_bytes()
    yield demo_copy
    assert serving.read_bytes() == before  # every test here must leave it untouched


def test_schema_a_batch_missing_a_column_is_quarantined(project):
    bad = land_without_value(project)
    report = rejected(
        project, run(project), "landing.website.daily_metrics.schema", bad.name, "type_ok"
    )
    assert "<td>value</td>" in report
    assert (project / LANDING / "_quarantine/website/daily_metrics" / bad.name).exists()


def test_keys_a_key_twice_in_one_batch(project):
    rows = ga4_rows(AS_OF - timedelta(days=1), metrics=("sessions", "sessions"))
    bad = land(project, "website", "ga4", "daily_metrics", rows)
    rejected(project, run(project), "expect_compound_columns_to_be_unique", bad.name)


def test_ranges_negative_sessions(project):
    land(
        project,
        "facebook",
        "facebook_page",
        "page_insights",
        [
            {
                "account_id": "104857600123",
                "date": AS_OF - timedelta(days=1),
                "metric": "page_media_view",
                "value": -5.0,
            }
        ],
    )
    rejected(
        project,
        run(project),
        "landing.facebook.page_insights",
        "expect_column_values_to_be_between",
        "-5.0",
    )


def test_dates_a_day_in_the_future(project):
    future = AS_OF + timedelta(days=3)
    land(
        project,
        "instagram",
        "instagram",
        "account_insights",
        [{"account_id": "17841400000000001", "date": future, "metric": "views", "value": 10.0}],
    )
    rejected(project, run(project), "landing.instagram.account_insights", future.isoformat())


def test_volume_a_sudden_drop(project):
    # the run date's own batch holds 1 row where every day so far held 10
    land(project, "website", "ga4", "daily_metrics", ga4_rows(AS_OF), window=Window(AS_OF, AS_OF))
    rejected(
        project,
        run(project),
        "landing.website.daily_metrics.volume",
        "volume_ok",
        "trailing_median",
    )


def test_completeness_a_missing_day(project):
    # a batch that lost a day of one property (its window still claims the day), in its
    # totals and its channel reports alike (else the breakdown sum test fails first)
    missing = date(2026, 3, 10)
    streams = ("website/daily_metrics", "website/daily_breakdowns")
    for path in (p for s in streams for p in (project / LANDING / s).glob("*.parquet")):
        table = pq.read_table(path)
        keep = pa.compute.invert(
            pa.compute.and_(
                pa.compute.equal(table["date"], pa.scalar(missing, pa.date32())),
                pa.compute.equal(table["property_id"], PROPERTY),
            )
        )
        pq.write_table(table.filter(keep), path)
    report = rejected(
        project, run(project), "metrics.completeness", "is_present", missing.isoformat(), PROPERTY
    )
    assert "website" in report


def test_dbt_tests_take_part_in_the_gate(project):
    # a weekly total that starts on a Wednesday passes landing but fails a dbt test
    wednesday = date(2026, 10, 14)
    land(
        project,
        "website",
        "ga4",
        "period_totals",
        [
            {
                "property_id": PROPERTY,
                "grain": "week",
                "period_start": wednesday,
                "period_end": wednesday + timedelta(days=6),
                "metric": "totalUsers",
                "value": 10.0,
                **FLAGS,
            }
        ],
    )
    rejected(project, run(project), "assert_period_totals_are_aligned", "dbt tests and contracts")


def test_ga4_quality_flags_are_published_and_can_block(project):
    day = date(2026, 10, 20)
    land(
        project,
        "website",
        "ga4",
        "daily_metrics",
        [
            {**r, "subject_to_thresholding": True}
            for r in ga4_rows(day, metrics=("sessions", "keyEvents"), value=5000.0)
        ],
        window=Window(day, day),
    )
    land_ga4_breakdowns_like_totals(project, day, 5000.0, ("sessions", "keyEvents"))
    config = (
        (DEMO_DIR / "balanced_scorecard.yml")
        .read_text(encoding="utf-8")
        .replace(
            "    lookback_days: 3\n",
            "    lookback_days: 3\n    block_on_quality_flags: [thresholded]\n",
            1,
        )
    )
    (project / "scorecard.yml").write_text(config, encoding="utf-8")
    report = rejected(
        project, run(project, "--config", "scorecard.yml"), "marts.quality_flags", "thresholded"
    )
    assert "web_conversion_rate" in report
    # without the setting the same data publishes, flagged
    serving = project / SERVING
    saved = serving.read_bytes()
    assert run(project).returncode == 0
    with duckdb.connect(str(serving), read_only=True) as con:
        flags = con.execute(
            "select quality_flags from scorecard.kpi_values where kpi_id = 'web_conversion_rate'"
            " and grain = 'month' and period_start = date '2026-10-01'"
        ).fetchall()[0][0]
    assert flags == "thresholded"
    serving.write_bytes(saved)  # the fixture checks the file is as it was


def test_a_new_column_is_kept_and_reported_and_status_lists_quarantined_files(project):
    import json

    kept = land(
        project,
        "website",
        "ga4",
        "daily_metrics",
        ga4_rows(AS_OF - timedelta(days=1), metrics=("sessions",), value=5000.0, channel="organic"),
    )
    serving = project / SERVING
    saved = serving.read_bytes()
    result = run(project)
    assert result.returncode == 0, result.stderr[-2000:]  # drift is reported, not fatal
    assert "channel" in pq.read_schema(kept).names  # and kept in landing
    folder = max((project / "data/demo/artifacts/runs").iterdir(), key=lambda p: p.stat().st_mtime)
    report = (folder / "data_quality.html").read_text(encoding="utf-8")
    assert "warning" in report and "channel" in report
    # a bad batch next: quarantined, and `scorecard status` says so with the reason
    bad = land_without_value(project)
    assert run(project).returncode == 1
    status = run_cli("status", "--demo", "--json", cwd=project)
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    [quarantined] = info["quarantined"]
    assert quarantined["file"].endswith(bad.name) and quarantined["source"] == "website"
    assert "type_ok" in quarantined["reason"]
    assert info["runs"][0]["outcome"] == "failed" and info["runs"][1]["outcome"] == "published"
    assert any("schema" in p for p in info["runs"][0]["problems"])
    serving.write_bytes(saved)  # the fixture checks the file is as it was before the test
