"""The inbox sensor: a file dropped into a finance or manual inbox requests exactly one run."""

from __future__ import annotations

import dagster as dg

from orchestration.config import load_config
from orchestration.defs import build_definitions
from tests.conftest import DEMO_DIR


def test_a_new_inbox_file_requests_exactly_one_run(tmp_path):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=tmp_path)
    inbox = tmp_path / "data/demo/inbox/finance"
    inbox.mkdir(parents=True)
    defs = build_definitions(config, demo=True)
    sensor = defs.resolve_sensor_def("inbox_sensor")
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert first.run_requests == [] and first.skip_message
        (inbox / "Posteringer_2026-10.csv").write_text(
            "Dato;Konto;Tekst;Beløb\r\n03-10-2026;1010;Salg;-100,00\r\n", encoding="utf-8-sig"
        )
        second = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=first.cursor)
        )
        assert len(second.run_requests) == 1
        assert "ledger/Posteringer_2026-10.csv" in second.run_requests[0].tags["files"]
        third = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=second.cursor)
        )
        assert third.run_requests == []  # the same file never asks twice


def test_sensors_and_schedule_are_in_the_definitions(tmp_path):
    config = load_config(DEMO_DIR / "balanced_scorecard.yml", base_dir=tmp_path)
    defs = build_definitions(config, demo=True)
    assert {s.name for s in defs.sensors} == {"inbox_sensor", "failure_alert"}
    assert defs.resolve_schedule_def("nightly_refresh_schedule").cron_schedule == "0 2 * * *"
    graph = defs.resolve_asset_graph()
    policy = graph.get(dg.AssetKey(["landing", "website", "daily_metrics"])).freshness_policy
    assert policy is not None and policy.fail_window.to_timedelta().total_seconds() == 36 * 3600
