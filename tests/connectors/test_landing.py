"""Landing: immutable batches with load metadata; state derived from landing; quarantine."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from connectors.base import Batch, ExtractContext, SourceConfig, Window, daily_metric_stream
from connectors.landing import METADATA_FIELDS, LandingStore

STREAM = daily_metric_stream("things", "test stream")


def batch(days, value=1.0, window=None):
    rows = [{"account_id": "a", "date": d, "metric": "m", "value": value} for d in days]
    return Batch(
        pa.Table.from_pylist(rows, schema=STREAM.schema), window or Window(days[0], days[-1])
    )


def test_a_batch_lands_as_one_immutable_parquet_file_with_load_metadata(tmp_path):
    store = LandingStore(tmp_path)
    path, rows = store.write("src", STREAM, batch([date(2025, 1, 1), date(2025, 1, 2)]))
    assert rows == 2 and path.parent == tmp_path / "src" / "things"
    table = pq.read_table(path)
    assert table.schema.names == STREAM.schema.names + [f.name for f in METADATA_FIELDS]
    first = table.to_pylist()[0]
    assert first["_source"] == "src" and first["_stream"] == "things"
    assert first["_window_start"] == date(2025, 1, 1) and first["_window_end"] == date(2025, 1, 2)
    second, _ = store.write("src", STREAM, batch([date(2025, 1, 2)]))
    assert second != path and path.exists()  # a new batch never replaces an old one
    assert second.name > path.name  # names sort by extraction time
    later = pq.read_table(second).column("_extracted_at")[0].as_py()
    assert later > table.column("_extracted_at")[0].as_py()
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_batch_file_is_found_from_its_extraction_stamp_and_id(tmp_path):
    """What `scorecard explain` does with a published batch (provenance.landing_batches)."""
    store = LandingStore(tmp_path)
    path, _ = store.write("src", STREAM, batch([date(2025, 1, 1)]))
    row = pq.read_table(path).to_pylist()[0]
    assert store.batch_path("src", "things", row["_extracted_at"], row["_batch_id"]) == path
    # the same instant read in another time zone names the same file
    elsewhere = row["_extracted_at"].astimezone(ZoneInfo("Pacific/Auckland"))
    assert store.batch_path("src", "things", elsewhere, row["_batch_id"]) == path


def test_schema_file_gives_every_stream_a_typed_empty_table(tmp_path):
    store = LandingStore(tmp_path)
    path = store.ensure_schema_file(STREAM)
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.schema.field("value").type == pa.float64()


def test_state_comes_from_landing_and_a_gap_restarts_extraction(tmp_path):
    store = LandingStore(tmp_path)
    config = SourceConfig(name="src", type="t", start_date=date(2025, 1, 1), lookback_days=3)
    ctx = ExtractContext(run_date=date(2025, 3, 1), state=store.state("src", "things"))
    assert ctx.window_for(config) == Window(date(2025, 1, 1), date(2025, 3, 1))  # first run
    full, _ = store.write(
        "src", STREAM, batch([date(2025, 1, 1)], window=Window(date(2025, 1, 1), date(2025, 2, 27)))
    )
    store.write(
        "src",
        STREAM,
        batch([date(2025, 2, 25)], window=Window(date(2025, 2, 25), date(2025, 2, 28))),
    )
    state = store.state("src", "things")
    assert state.last_window_end == date(2025, 2, 28)
    ctx = ExtractContext(run_date=date(2025, 3, 1), state=state)
    assert ctx.window_for(config) == Window(date(2025, 2, 25), date(2025, 3, 1))  # lookback 3
    store.quarantine(full, "bad rows")
    ctx = ExtractContext(run_date=date(2025, 3, 1), state=store.state("src", "things"))
    assert ctx.window_for(config).start == date(2025, 1, 1)  # the quarantined days come back


def test_quarantine_moves_the_file_with_a_reason_and_never_deletes(tmp_path):
    store = LandingStore(tmp_path)
    path, _ = store.write("src", STREAM, batch([date(2025, 1, 1)]))
    target = store.quarantine(path, "value below zero")
    assert not path.exists() and target.exists()
    assert target == tmp_path / "_quarantine" / "src" / "things" / path.name
    assert "value below zero" in target.with_name(target.name + ".reason.txt").read_text()
    assert store.quarantined() == [target]
    assert store.batch_files("src", "things") == []
