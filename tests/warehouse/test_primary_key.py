"""The `primary_key` generic test (dbt_project/tests/generic/primary_key.sql) that every model's
key uses: one query that fails on a key with a null part as well as on a duplicated key."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from connectors import registry
from connectors.base import Batch
from connectors.landing import LandingStore
from tests.dbt import build

MODEL = "stg_manual_metrics__rows"  # key: source_name, metric_date, metric_name
UPSTREAM = "stg_manual_metrics__sheet_rows"  # the sheet rows MODEL sums up (key: line)


def land_manual_rows(landing, rows: list[dict]) -> None:
    stream = registry()["manual_metrics"].streams[0]
    columns = {f.name: [row.get(f.name) for row in rows] for f in stream.schema}
    table = pa.table(columns, schema=stream.schema)
    LandingStore(landing).write("team", stream, Batch(table, file_name="team.csv", file_hash="h1"))


def row(metric, day=date(2026, 10, 1), value=1.0, line=2) -> dict:
    return {"date": day, "metric": metric, "value": value, "line_number": line}


def test_a_key_without_nulls_or_duplicates_passes(tmp_path):
    land_manual_rows(tmp_path / "landing", [row("training_hours"), row("nps", value=40.0, line=3)])
    result = build(tmp_path / "landing", tmp_path, UPSTREAM, MODEL)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"PASS primary_key_{MODEL}_source_name__metric_date__metric_name" in result.stdout


def test_a_key_with_a_null_part_fails(tmp_path):
    land_manual_rows(tmp_path / "landing", [row("training_hours"), row(None, value=3.0, line=3)])
    result = build(tmp_path / "landing", tmp_path, UPSTREAM, MODEL)
    assert result.returncode != 0
    assert f"FAIL 1 primary_key_{MODEL}_source_name__metric_date__metric_name" in result.stdout
