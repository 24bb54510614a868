"""The front door, end to end: `scorecard run --demo` on a clean folder, as a new user runs it."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.browser import browser, open_file
from tests.conftest import AS_OF, STAR_TABLES, published_tables, run_cli

pytestmark = pytest.mark.slow
SERVING = "data/demo/serving.duckdb"


def test_demo_publishes_every_star_table_with_scores_for_all_perspectives(demo_run):
    workspace, result = demo_run
    assert result.returncode == 0, result.stderr
    serving = workspace / SERVING
    assert f"Scorecard published: {serving.resolve()}" in result.stdout
    with duckdb.connect(str(serving), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'scorecard'"
            ).fetchall()
        }
        assert tables >= STAR_TABLES
        latest_month = con.execute(
            "select perspective, score, kpis_green + kpis_amber + kpis_red"
            " from scorecard.perspective_scores"
            " where grain = 'month' and period_start = date '2026-10-01'"
        ).fetchall()
        kpis = con.execute(
            "select k.kpi_id, v.value, v.status, v.score, v.is_complete"
            " from scorecard.kpis k join scorecard.latest v using (kpi_id)"
            " where v.grain = 'month'"
        ).fetchall()
        log = con.execute(
            "select status, rows['kpi_values'], checks_failed from scorecard.publish_log"
        ).fetchall()
        objectives = con.execute(
            "select count(*), count(*) filter (len(drives) > 0) from scorecard.objectives"
        ).fetchall()[0]
    assert {p for p, *_ in latest_month} == {
        "financial",
        "customer",
        "internal_process",
        "learning_growth",
    }
    for perspective, score, scored in latest_month:
        assert score is not None and 0 <= score <= 100, perspective
        assert scored >= 3, perspective
    assert len(kpis) == 18
    for kpi_id, value, status, score, complete in kpis:
        assert value is not None, kpi_id
        assert status in {"green", "amber", "red", "no_target"}, (kpi_id, status)
        assert complete, kpi_id
        assert (score is None) == (status == "no_target"), kpi_id
    assert {s for _, _, s, _, _ in kpis} >= {"green", "amber", "red"}
    assert log[0][0] == "published" and log[0][1] > 0 and log[0][2] == 0
    assert objectives[1] >= 4


def test_demo_values_follow_the_kpi_rules(demo_run):
    """Spot checks against the published metric values (independent of the marts' SQL)."""
    workspace, _ = demo_run
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:

        def metric(metric_id, grain, start):
            return con.execute(
                "select value from scorecard.metric_values"
                " where metric_id = ? and grain = ? and period_start = ?",
                [metric_id, grain, start],
            ).fetchall()[0][0]

        def kpi(kpi_id, grain, start):
            return con.execute(
                "select value, target, status from scorecard.kpi_values"
                " where kpi_id = ? and grain = ? and period_start = ?",
                [kpi_id, grain, start],
            ).fetchall()[0]

        oct_ = "2026-10-01"
        sessions_by_day = con.execute(
            "select sum(value) from scorecard.metric_values where metric_id = 'web.sessions'"
            " and grain = 'day' and period_start between date '2026-10-01' and date '2026-10-31'"
        ).fetchall()[0][0]
        # sum metric: the month is the sum of its days
        assert metric("web.sessions", "month", oct_) == sessions_by_day
        # ratio of totals
        conversion, _, _ = kpi("web_conversion_rate", "month", oct_)
        expected = (
            100 * metric("web.key_events", "month", oct_) / metric("web.sessions", "month", oct_)
        )
        assert conversion == pytest.approx(expected)
        # stock: followers of October = followers on 31 October
        assert metric("social.followers", "month", oct_) == metric(
            "social.followers", "day", "2026-10-31"
        )
        # sourced: users of the month are fewer than the sum of daily users (never summed)
        daily_users = con.execute(
            "select sum(value) from scorecard.metric_values where metric_id = 'web.total_users'"
            " and grain = 'day' and period_start between date '2026-10-01' and date '2026-10-31'"
        ).fetchall()[0][0]
        assert metric("web.total_users", "month", oct_) < 0.8 * daily_users
        # the zero-traffic day has no conversion rate (zero denominator) instead of an error
        value, _, status = kpi("web_conversion_rate", "day", "2025-06-03")
        assert value is None and status == "no_data"
        # an effective-dated target switches on its date (marketing spend budget, July 2026)
        assert kpi("marketing_spend", "month", "2026-06-01")[1] == 250000
        assert kpi("marketing_spend", "month", "2026-07-01")[1] == 300000
        # in_range KPIs publish the range, not a target
        engaged = con.execute(
            "select target, target_low, target_high from scorecard.kpi_values"
            " where kpi_id = 'engaged_share' and grain = 'month' and period_start = ?",
            [oct_],
        ).fetchall()[0]
        assert engaged == (None, 55.0, 65.0)
        # the refund month: credit notes pull February 2025 revenue well below January
        assert metric("finance.revenue", "month", "2025-02-01") < 0.8 * metric(
            "finance.revenue", "month", "2025-01-01"
        )


def test_running_the_demo_again_publishes_identical_values(demo_copy):
    before = published_tables(demo_copy / SERVING)
    result = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert result.returncode == 0, result.stderr
    assert published_tables(demo_copy / SERVING) == before
    with duckdb.connect(str(demo_copy / SERVING), read_only=True) as con:
        assert con.execute("select count(*) from scorecard.publish_log").fetchall()[0][0] == 2


def test_full_refresh_rebuilds_the_same_scorecard_from_landing_alone(demo_copy):
    before = published_tables(demo_copy / SERVING)
    (demo_copy / "data/demo/warehouse.duckdb").unlink()
    result = run_cli("run", "--demo", "--full-refresh", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert result.returncode == 0, result.stderr
    assert published_tables(demo_copy / SERVING) == before


def test_a_corrupt_landing_batch_fails_the_run_and_leaves_the_scorecard_untouched(demo_copy):
    serving = demo_copy / SERVING
    original = serving.read_bytes()
    batch = sorted((demo_copy / "data/demo/landing/website/daily_metrics").glob("*.parquet"))[-1]
    table = pq.read_table(batch).to_pylist()
    for row in table:
        if row["metric"] == "sessions" and row["date"].isoformat() == "2025-03-04":
            row["value"] = -120.0
    pq.write_table(pq.read_table(batch).from_pylist(table, schema=pq.read_schema(batch)), batch)

    result = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)

    assert result.returncode == 1
    assert serving.read_bytes() == original  # byte for byte: nothing was published
    assert "nothing was published" in result.stderr
    assert "expect_column_values_to_be_between" in result.stderr
    quarantined = demo_copy / "data/demo/landing/_quarantine/website/daily_metrics" / batch.name
    assert quarantined.exists() and not batch.exists()
    reason = quarantined.with_name(batch.name + ".reason.txt").read_text()
    assert "-120" in reason
    # the bad batch is out of the read path: the next run extracts again and publishes
    again = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(serving), read_only=True) as con:
        assert (
            con.execute(
                "select min(value) from scorecard.metric_values where metric_id = 'web.sessions'"
                " and grain = 'day' and period_start = date '2025-03-04'"
            ).fetchall()[0][0]
            > 0
        )


def test_a_bad_manual_sheet_is_quarantined_with_line_numbers_and_blocks_publishing(demo_copy):
    serving = demo_copy / SERVING
    original = serving.read_bytes()
    inbox = demo_copy / "data/demo/inbox/manual"
    (inbox / "extra.csv").write_text(
        "date,metric,value\n2026-11-02,training_hours,12\n2026-11-02,coffee_cups,40\n"
        "2026-11-09,training_hours,lots\n",
        encoding="utf-8",
    )
    result = run_cli("run", "--demo", "--as-of", AS_OF.isoformat(), cwd=demo_copy)
    assert result.returncode == 1
    assert serving.read_bytes() == original
    reason = (
        demo_copy / "data/demo/landing/_quarantine/team/manual_rows/extra.csv.reason.txt"
    ).read_text()
    assert "line 3: unknown metric 'coffee_cups'" in reason
    assert "line 4: value 'lots' is not a number" in reason
    assert not (inbox / "extra.csv").exists()
    # the page, written again now, still shows the last good scorecard and says the run failed
    report = run_cli("report", "--demo", "--output", "page.html", cwd=demo_copy)
    assert report.returncode == 0, report.stderr
    with browser() as chromium:
        page, log = open_file(chromium, demo_copy / "page.html")
        assert "latest run" in page.inner_text(".warning")
        assert "failed" in page.inner_text(".warning")
        assert log.console_errors == []


def test_scorecard_report_says_when_nothing_is_published(tmp_path):
    config = tmp_path / "scorecard.yml"
    config.write_text(
        "sources: [{name: team, type: manual_metrics, path: inbox, metrics: {nps: average}}]\n"
    )
    result = run_cli("report", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert "Nothing to report" in result.stderr and "scorecard run" in result.stderr
    assert not (tmp_path / "data/scorecard.html").exists()


def test_the_social_media_scorecard_example_runs(social_run):
    workspace, result = social_run
    assert result.returncode == 0, result.stderr
    serving = workspace / "data/demo-social/serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        perspectives = con.execute(
            "select perspective, score from scorecard.perspective_scores"
            " where grain = 'month' and period_start = date '2026-10-01' order by all"
        ).fetchall()
        platform = con.execute(
            "select value from scorecard.kpi_values where kpi_id = 'instagram_engagement_rate'"
            " and grain = 'month' and period_start = date '2026-10-01'"
        ).fetchall()[0][0]
    assert [p for p, _ in perspectives] == ["customer", "financial", "organisation", "social_media"]
    assert all(score is not None for _, score in perspectives)
    assert 3 < platform < 6  # Instagram alone, from its per-platform metrics
