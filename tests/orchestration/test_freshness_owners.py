"""Freshness from the landed data (issue 22, item 3) and asset owners from the config (item 5):
the definitions built from a config, and the newest data day read from landing."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from connectors import connector_for
from connectors.base import Batch, Window
from connectors.landing import LandingStore
from orchestration.assets.owners import dagster_owner
from orchestration.config import ConfigFileError, load_config
from orchestration.defs import build_definitions
from orchestration.freshness import CHECK_NAME, checked_stream, max_lag_days, source_freshness
from orchestration.status import freshness_by_source

CONFIG = """
timezone: Europe/Copenhagen
sources:
  - {name: team, type: manual_metrics, path: inbox/team, metrics: {training_hours: sum},
     owner: People & Culture}
  - {name: panel, type: manual_metrics, path: inbox/panel, metrics: {panel_score: sum},
     owner: ops@example.com, max_lag_days: 10}
  - {name: crm, type: hubspot, access_token: env:HS_TOKEN}
  - {name: ads, type: google_ads, developer_token: env:GA_DEV, customer_ids: ["1234567890"],
     oauth: {client_id: env:GA_ID, client_secret: env:GA_SECRET, refresh_token: env:GA_RT}}
objectives:
  - {id: skills, perspective: learning_growth, name: Skills}
kpis:
  - {id: training, name: Training, objective: skills, type: metric,
     metric: manual.training_hours, target: 10, owner: Web team}
  - {id: panel, name: Panel, objective: skills, type: metric,
     metric: manual.panel_score, target: 10, owner: "team:Head of Sales!"}
  - {id: training2, name: Training again, objective: skills, type: metric,
     metric: manual.training_hours, target: 12, owner: Anna}
people:
  Anna: {email: [anna@example.com]}
smtp: {host: localhost, port: 25, sender: scorecard@example.com}
"""


def key(*path):
    return dg.AssetKey(list(path))


@pytest.fixture
def config(tmp_path: Path):
    path = tmp_path / "scorecard.yml"
    path.write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("anna@example.com", "anna@example.com"),
        ("Web team", "team:web-team"),
        ("People & Culture", "team:people-culture"),
        ("team:Growth", "team:growth"),
        ("  ", None),
        ("!!!", None),
        (None, None),
    ],
)
def test_free_text_owners_become_dagster_owners(text, owner):
    assert dagster_owner(text) == owner


def test_owners_and_standard_metadata_in_the_definitions(config):
    graph = build_definitions(config, demo=False).resolve_asset_graph()
    team = graph.get(key("landing", "team", "manual_rows"))
    assert team.owners == ["team:people-culture"]
    assert graph.get(key("landing", "panel", "manual_rows")).owners == ["ops@example.com"]
    assert graph.get(key("landing", "crm", "deals")).owners == []
    # the publish asset belongs to every KPI owner: an address from people:, else a team
    assert graph.get(key("serving", "scorecard")).owners == [
        "anna@example.com",
        "team:head-of-sales",
        "team:web-team",
    ]
    metadata = team.metadata
    assert metadata["dagster/uri"].startswith("file://")
    assert metadata["dagster/uri"].endswith("/landing/team/manual_rows")
    columns = metadata["dagster/column_schema"].columns
    assert [(c.name, c.type) for c in columns][:3] == [
        ("line_number", "int64"),
        ("date", "date32[day]"),
        ("metric", "string"),
    ]
    assert metadata["data_day_column"] == "date"
    assert metadata["max_lag_days"] == 45  # a file source's default


def test_freshness_checks_sit_on_one_steady_stream_per_checked_source(config):
    graph = build_definitions(config, demo=False).resolve_asset_graph()
    checks = {c.asset_key for c in graph.asset_check_keys if c.name == CHECK_NAME}
    # manual sheets are checked; HubSpot and Google Ads (every stream may land nothing) are
    # not unless their config sets max_lag_days
    assert checks == {key("landing", "team", "manual_rows"), key("landing", "panel", "manual_rows")}
    spec = graph.get_check_spec(
        dg.AssetCheckKey(key("landing", "panel", "manual_rows"), CHECK_NAME)
    )
    assert not spec.blocking
    by_name = {s.name: s for s in config.sources}
    assert [max_lag_days(by_name[n]) for n in ("team", "panel", "crm", "ads")] == [45, 10, 3, 3]
    assert checked_stream(by_name["crm"]) is None


def test_max_lag_days_must_be_a_number_of_days(tmp_path):
    path = tmp_path / "scorecard.yml"
    path.write_text(
        textwrap.dedent(CONFIG).replace("max_lag_days: 10", "max_lag_days: -1"), encoding="utf-8"
    )
    with pytest.raises(ConfigFileError) as e:
        load_config(path)
    assert any("max_lag_days" in p for p in e.value.problems)


def _land(config, source: str, days: list[date], window_end: date):
    store = LandingStore(config.paths.landing)
    stream = connector_for("manual_metrics").stream("manual_rows")
    rows = [
        {name: None for name in stream.schema.names}
        | {"date": d, "metric": "training_hours", "value": 1.0}
        for d in days
    ]
    for i, row in enumerate(rows):
        row["line_number"] = i + 2
    table = pa.Table.from_pylist(rows, schema=stream.schema)
    store.write(source, stream, Batch(table, Window(days[0], window_end)))


def test_newest_data_day_comes_from_the_data_not_the_window(config):
    today = date(2026, 11, 23)
    # the newest sheet was landed today, but its newest row is 30 September
    _land(config, "panel", [date(2026, 9, 1), date(2026, 9, 30)], window_end=today)
    _land(config, "team", [date(2026, 11, 16)], window_end=today)
    panel = source_freshness(config, next(s for s in config.sources if s.name == "panel"))
    assert panel.newest_day == date(2026, 9, 30)
    assert panel.basis == "manual_rows.date"
    assert panel.lag_days(today) == 54 and panel.stale(today)
    assert panel.last_extracted_at <= datetime.now(UTC)
    rows = {r["source"]: r for r in freshness_by_source(config, today)}
    assert rows["panel"] | {"last_extracted_at": None} == {
        "source": "panel",
        "type": "manual_metrics",
        "last_extracted_at": None,
        "data_until": "2026-09-30",
        "lag_days": 54,
        "max_lag_days": 10,
        "checked": True,
        "stale": True,
        "basis": "manual_rows.date",
        "batches": 1,
    }
    assert (rows["team"]["data_until"], rows["team"]["lag_days"], rows["team"]["stale"]) == (
        "2026-11-16",
        7,
        False,
    )
    # nothing landed: no day, and shown as such
    assert (rows["crm"]["data_until"], rows["crm"]["lag_days"], rows["crm"]["stale"]) == (
        None,
        None,
        False,
    )
