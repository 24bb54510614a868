"""The front door, end to end: `scorecard run --demo` on a clean folder, as a new user runs it."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.config import load_config
from orchestration.config.catalog import known_metrics
from tests.browser import browser, open_file
from tests.conftest import AS_OF, DEMO_DIR, DEMO_KPIS, STAR_TABLES, published_tables, run_cli

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
    assert len(kpis) == DEMO_KPIS
    for kpi_id, value, status, score, complete in kpis:
        if kpi_id.startswith("black_friday"):  # October: the campaign has not started
            assert (value, status, complete) == (None, "no_data", True), kpi_id
            continue
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


def test_the_running_month_is_judged_on_pace_and_compared_with_last_year(demo_run):
    """DESIGN §5a on the published demo, recomputed here from the published metric values:
    November 2026 is running on the run date (23 November)."""
    workspace, _ = demo_run
    config = load_config(DEMO_DIR / "balanced_scorecard.yml")
    additivity = {m.metric_id: m.additivity for m in known_metrics(config).values()}
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:
        kpis = rows(con, "select * from scorecard.kpis")
        nov = {
            r["kpi_id"]: r
            for r in rows(
                con,
                "select * from scorecard.kpi_values"
                " where grain = 'month' and period_start = date '2026-11-01'",
            )
        }
        last_day = dict(
            con.execute(
                "select metric_id, max(period_start) from scorecard.metric_values"
                " where grain = 'day' and period_start between date '2026-11-01'"
                " and date '2026-11-30' group by metric_id"
            ).fetchall()
        )
        overall = rows(
            con,
            "select * from scorecard.overall_scores"
            " where grain = 'month' and period_start = date '2026-11-01'",
        )[0]
        every = rows(con, "select * from scorecard.kpi_values")
        oct_values = dict(
            con.execute(
                "select kpi_id, value from scorecard.kpi_values"
                " where grain = 'month' and period_start = date '2025-10-01'"
            ).fetchall()
        )
        latest = rows(con, "select * from scorecard.latest where grain = 'day'")

    # every summed metric KPI of the running month: target to date = target x elapsed / 30,
    # projected = value x 30 / elapsed, where elapsed runs to the metric's last day with data
    summed = [
        k
        for k in kpis
        if k["type"] == "metric" and additivity[k["metric_id"]] in ("sum", "sourced")
    ]
    assert {k["kpi_id"] for k in summed} >= {"leads_created", "won_revenue", "website_users"}
    for k in summed:
        row = nov[k["kpi_id"]]
        if row["value"] is None:  # the ledger has not reached November yet
            continue
        elapsed = (last_day[k["metric_id"]] - date(2026, 11, 1)).days + 1
        assert not row["is_complete"] and row["elapsed_days"] == elapsed, k["kpi_id"]
        assert row["target_to_date"] == pytest.approx(row["target"] * elapsed / 30), k["kpi_id"]
        assert row["projected_value"] == pytest.approx(row["value"] * 30 / elapsed), k["kpi_id"]
    # a rate is not phased: its target to date is the target and its projection its value
    conversion = nov["web_conversion_rate"]
    assert conversion["target_to_date"] == conversion["target"]
    assert conversion["projected_value"] == conversion["value"]
    # on pace, the running month reads better than against full-month targets
    assert overall["projected_score"] > overall["score"] + 10
    assert overall["projected_status"] != "red"
    assert nov["leads_created"]["status"] == "red"
    assert nov["leads_created"]["projected_status"] in ("green", "amber")

    for r in every:
        key = (r["kpi_id"], r["grain"], r["period_start"])
        if r["is_complete"]:  # complete periods project their own value
            assert r["projected_value"] == r["value"] and r["projected_status"] == r["status"], key
        if r["previous_value"] is not None and r["value"] is not None:
            assert r["change"] == pytest.approx(r["value"] - r["previous_value"]), key
            if r["previous_value"] != 0:  # a rise is positive, also from a negative start
                assert (r["change_pct"] > 0) == (r["change"] > 0), key
    # last year's value is the same month a year before
    oct_2026 = {
        r["kpi_id"]: r
        for r in every
        if r["grain"] == "month" and r["period_start"] == date(2026, 10, 1)
    }
    for kpi_id, row in oct_2026.items():
        assert row["yoy_value"] == oct_values[kpi_id], kpi_id
    assert sum(r["yoy_value"] is not None for r in oct_2026.values()) >= 12
    # the trend reads through the direction
    directions = {k["kpi_id"]: k["direction"] for k in kpis}
    for r in every:
        if directions[r["kpi_id"]] != "in_range" and r["trend"] not in (None, "flat"):
            up = r["value"] > r["previous_value"]
            better = up == (directions[r["kpi_id"]] == "higher_is_better")
            assert r["trend"] == ("improving" if better else "worsening"), r
    # the catalog says what a number is; latest says whether the newest day has a value yet
    by_id = {k["kpi_id"]: k for k in kpis}
    assert by_id["won_revenue"]["currency"] == "DKK" and by_id["leads_created"]["currency"] is None
    assert {k["phasing"] for k in kpis} <= {"even", "last_year"}
    revenue_day = next(r for r in latest if r["kpi_id"] == "revenue")
    assert revenue_day["has_value"] is False and revenue_day["value"] is None
    assert next(r for r in latest if r["kpi_id"] == "leads_created")["has_value"] is True


def test_engagement_rate_is_published_per_platform_and_contributions_add_up(demo_run):
    """DESIGN §5a on the demo: members of a sum metric add up to its total; a ratio KPI per
    member is the ratio of the member's totals; a dimension's contributions add up to the
    KPI's change."""
    workspace, _ = demo_run
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:
        unmatched = con.execute(
            "select count(*) from (select metric_id, grain, period_start, sum(value) as members"
            " from scorecard.metric_breakdowns where metric_id = 'social.engagements'"
            " group by all) b join scorecard.metric_values t using (metric_id, grain, period_start)"
            " where abs(b.members - t.value) > 1e-6 * greatest(1, abs(t.value))"
        ).fetchone()[0]
        compared = con.execute(
            "select count(*) from scorecard.metric_breakdowns where metric_id = 'social.engagements'"
        ).fetchone()[0]
        members = rows(
            con,
            "select b.member, b.value, 100 * e.value / i.value as expected"
            " from scorecard.kpi_breakdowns b"
            " join scorecard.metric_breakdowns e on e.metric_id = 'social.engagements'"
            "  and (e.dimension, e.member, e.grain, e.period_start)"
            "   = (b.dimension, b.member, b.grain, b.period_start)"
            " join scorecard.metric_breakdowns i on i.metric_id = 'social.impressions'"
            "  and (i.dimension, i.member, i.grain, i.period_start)"
            "   = (b.dimension, b.member, b.grain, b.period_start)"
            " where b.kpi_id = 'engagement_rate' and b.grain = 'month'"
            "  and b.period_start = date '2026-10-01'",
        )
        sums = con.execute(
            "select v.grain, v.period_start, v.change, sum(b.contribution)"
            " from scorecard.kpi_values v join scorecard.kpi_breakdowns b using (kpi_id, grain, period_start)"
            " where v.kpi_id = 'engagement_rate' and v.change is not null group by all"
        ).fetchall()
    assert compared > 1000 and unmatched == 0
    assert {m["member"] for m in members} == {"facebook", "instagram", "linkedin"}
    for m in members:
        assert m["value"] == pytest.approx(m["expected"]), m
    assert len(sums) > 100
    for grain, start, change, contributions in sums:
        assert contributions == pytest.approx(change, abs=1e-9), (grain, start)


def test_web_metrics_are_published_by_channel_campaign_and_device(demo_run):
    """The demo's GA4 breakdowns: every dimension's members add up to the day's, month's and
    year's sessions; '(other)' is flagged; users per channel are GA4's own (not summed from
    days); a campaign-filtered KPI is that campaign's own ratio; the conversion rate's channel
    contributions add up to its change."""
    workspace, _ = demo_run
    with duckdb.connect(str(workspace / SERVING), read_only=True) as con:
        dimensions = rows(
            con,
            "select dimension, count(distinct member) as members,"
            " bool_or(is_other_row) as other from scorecard.metric_breakdowns"
            " where metric_id = 'web.sessions' group by all order by dimension",
        )
        mismatched = con.execute(
            "select count(*) from (select dimension, grain, period_start, sum(value) as members"
            " from scorecard.metric_breakdowns where metric_id = 'web.sessions' group by all) b"
            " join scorecard.metric_values t on t.metric_id = 'web.sessions'"
            "  and (t.grain, t.period_start) = (b.grain, b.period_start)"
            " where b.members <> t.value"
        ).fetchone()[0]
        users = rows(
            con,
            "select m.value as month, sum(d.value) as days from scorecard.metric_breakdowns m"
            " join scorecard.metric_breakdowns d on d.metric_id = m.metric_id"
            "  and (d.dimension, d.member) = (m.dimension, m.member) and d.grain = 'day'"
            "  and d.period_start between m.period_start and m.period_end"
            " where m.metric_id = 'web.total_users' and m.grain = 'month'"
            "  and m.period_start = date '2026-10-01' and m.member = 'Email' group by all",
        )
        campaign = rows(
            con,
            "select v.value, 100 * k.value / s.value as expected, v.is_complete"
            " from scorecard.kpi_values v"
            " join scorecard.metric_breakdowns k on k.metric_id = 'web.key_events'"
            " join scorecard.metric_breakdowns s on s.metric_id = 'web.sessions'"
            "  and (s.dimension, s.member, s.grain, s.period_start)"
            "   = (k.dimension, k.member, k.grain, k.period_start)"
            " where v.kpi_id = 'black_friday_conversion_rate' and v.grain = 'month'"
            "  and v.period_start = date '2026-11-01' and k.dimension = 'campaign'"
            "  and k.member = 'black_friday' and (k.grain, k.period_start) = (v.grain, v.period_start)",
        )
        sums = con.execute(
            "select v.grain, v.period_start, b.dimension, v.change, sum(b.contribution)"
            " from scorecard.kpi_values v join scorecard.kpi_breakdowns b"
            " using (kpi_id, grain, period_start)"
            " where v.kpi_id = 'web_conversion_rate' and v.change is not null group by all"
        ).fetchall()
    assert [(d["dimension"], d["members"], d["other"]) for d in dimensions] == [
        ("campaign", 4, False),
        ("channel", 7, False),
        ("country", 5, False),
        ("device", 3, False),
        ("source_medium", 7, True),  # GA4's "(other)" row, kept so members add up
    ]
    assert mismatched == 0
    [email] = users
    assert email["month"] < email["days"]  # distinct users of the month, not a sum of days
    [bf] = campaign
    assert bf["value"] == pytest.approx(bf["expected"]) and not bf["is_complete"]
    assert {d for _, _, d, _, _ in sums} == {"channel", "device"} and len(sums) > 100
    for grain, start, dimension, change, contributions in sums:
        assert contributions == pytest.approx(change, abs=1e-9), (grain, start, dimension)


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


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
        # the filtered KPI ({platform: instagram}) equals Instagram's own copies of the metrics
        copies = con.execute(
            "select 100 * e.value / i.value from scorecard.metric_values e"
            " join scorecard.metric_values i using (grain, period_start)"
            " where e.metric_id = 'social.instagram.engagements'"
            " and i.metric_id = 'social.instagram.impressions'"
            " and grain = 'month' and period_start = date '2026-10-01'"
        ).fetchall()[0][0]
        filters = con.execute(
            "select kpi_id, filter from scorecard.kpis where filter is not null"
        ).fetchall()
    assert [p for p, _ in perspectives] == ["customer", "financial", "organisation", "social_media"]
    assert all(score is not None for _, score in perspectives)
    assert 3 < platform < 6  # Instagram alone
    assert platform == pytest.approx(copies, rel=1e-12)
    assert filters == [("instagram_engagement_rate", {"platform": "instagram"})]
