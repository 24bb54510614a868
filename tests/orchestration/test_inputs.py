"""When a re-extracted batch is "nothing new" (decision 29): real batches through the real
landing writer, compared by the code the nightly run uses to skip its rebuild."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from connectors.base import Batch, Window, daily_metric_stream
from connectors.landing import LandingStore, redundant
from orchestration.inputs import landing_files, published_streams

STREAM = daily_metric_stream("things", "test stream")
W = Window(date(2026, 11, 20), date(2026, 11, 23))


def land(store, window=W, value=1.0, days=None):
    days = days if days is not None else list(window.days())
    rows = [{"account_id": "a", "date": d, "metric": "m", "value": value} for d in days]
    path, _ = store.write(
        "src", STREAM, Batch(pa.Table.from_pylist(rows, schema=STREAM.schema), window)
    )
    return path


def test_a_re_extraction_with_the_same_rows_repeats_the_batch_it_replaces(tmp_path):
    store = LandingStore(tmp_path)
    first = land(store)
    again = land(store)
    assert redundant(again, [first], cursor="date") == first


def test_an_empty_batch_repeats_an_empty_batch_but_never_one_with_rows(tmp_path):
    # a stream a source does not use (GA4 breakdowns without `breakdowns:`) lands empty every
    # night: the second night's empty batch changes nothing, so it must not force a rebuild
    store = LandingStore(tmp_path)
    empty = land(store, days=[])
    again = land(store, days=[])
    assert redundant(again, [empty], cursor="date") == empty
    with_rows = land(store)
    assert redundant(land(store, days=[]), [with_rows], cursor="date") is None


def test_a_changed_value_a_changed_window_or_a_missing_row_is_new_data(tmp_path):
    store = LandingStore(tmp_path)
    first = land(store)
    assert redundant(land(store, value=2.0), [first], cursor="date") is None
    wider = Window(W.start - timedelta(days=1), W.end)
    assert redundant(land(store, window=wider), [first], cursor="date") is None
    fewer = land(store, days=list(W.days())[:-1])
    assert redundant(fewer, [first], cursor="date") is None


def test_a_second_run_of_the_night_repeats_the_end_of_the_nights_longer_window(tmp_path):
    # the night's run extracted from the previous run's end; a second run that night extracts
    # only its own lookback: the same rows for those days, in another order
    store = LandingStore(tmp_path)
    night = land(store, window=Window(W.start - timedelta(days=5), W.end))
    days = list(reversed(list(W.days())))
    assert redundant(land(store, days=days), [night], cursor="date") == night
    assert redundant(land(store, value=2.0), [night], cursor="date") is None
    # ...but a window ending on another day is another extraction
    earlier_end = Window(W.start, W.end - timedelta(days=1))
    assert redundant(land(store, window=earlier_end), [night], cursor="date") is None


def test_rows_compare_as_rows_nulls_and_duplicates_included(tmp_path):
    store = LandingStore(tmp_path)
    nulls = land(store, value=None)
    assert redundant(land(store, value=None), [nulls], cursor="date") == nulls
    # as many rows over the same window, but one day twice and another missing: new data
    days = list(W.days())
    twice = land(store, days=[days[0], *days[:-1]])
    assert redundant(twice, [land(store)], cursor="date") is None
    # an empty batch repeats nothing (a source that lost its data is news)
    assert redundant(land(store, days=[]), [land(store)], cursor="date") is None


def test_a_backfill_is_compared_with_the_lookback_it_covers(tmp_path):
    # the night after a two-year backfill: the lookback's rows are among the backfill's
    store = LandingStore(tmp_path)
    backfill = land(store, window=Window(W.end - timedelta(days=730), W.end))
    assert redundant(land(store), [backfill], cursor="date") == backfill
    assert redundant(land(store, value=3.0), [backfill], cursor="date") is None


def test_a_restatement_back_to_earlier_numbers_is_new_data(tmp_path):
    # X, then a restated Y, then X again: staging would switch back to X, so the third
    # batch must not count as a repeat of the first
    store = LandingStore(tmp_path)
    x = land(store, value=1.0)
    y = land(store, value=2.0)
    x_again = land(store, value=1.0)
    assert redundant(x_again, [x, y], cursor="date") is None
    assert redundant(land(store, value=1.0), [x, y, x_again], cursor="date") == x_again


def test_the_newest_overlapping_batch_is_the_one_compared(tmp_path):
    store = LandingStore(tmp_path)
    first = land(store)
    # a later batch of other days does not stand between a window and its re-extraction...
    later_days = Window(W.end + timedelta(days=5), W.end + timedelta(days=6))
    other = land(store, window=later_days)
    again = land(store)
    assert redundant(again, [first, other], cursor="date") == first
    # ...unless the stream has no date cursor: then any later batch may hold the same keys
    assert redundant(again, [first, other], cursor=None) is None


def test_landing_files_are_what_dbt_reads(tmp_path):
    store = LandingStore(tmp_path)
    path = land(store)
    store.ensure_schema_file(STREAM)
    store.quarantine(land(store, value=5.0), "bad")
    assert landing_files(tmp_path) == {f"src/things/{path.name}": path}
    assert landing_files(tmp_path, streams={"other"}) == {}


def test_the_published_tables_read_the_demo_streams_but_not_the_quota_log():
    from orchestration.assets.warehouse import prepare_manifest
    from orchestration.publish import published_tables

    prepare_manifest()
    streams = published_streams(prepare_manifest(), [t.model for t in published_tables()])
    assert {"daily_metrics", "period_totals", "ledger_lines", "deals"} <= streams
    assert "property_quota" not in streams


def test_incremental_builds_only_on_an_intact_recorded_publish():
    from orchestration.inputs import incremental_basis

    now = {
        "dbt_project": "p1",
        "timezone": "Europe/Copenhagen",
        "landing": {"a/s/1.parquet": [10, 1], "a/s/2.parquet": [5, 2]},
    }
    record = {**now, "landing": {"a/s/1.parquet": [10, 1]}}
    assert incremental_basis(record, now) is None  # a new batch on top: incremental
    assert incremental_basis(None, now) == "no successful publish is recorded to build on"
    assert incremental_basis({**record, "dbt_project": "p0"}, now) == "the dbt project changed"
    moved = {**record, "timezone": "UTC"}
    assert incremental_basis(moved, now) == "the business time zone changed"
    older = {k: v for k, v in record.items() if k != "timezone"}
    assert "an earlier version" in incremental_basis(older, now)
    changed = {**record, "landing": {"a/s/1.parquet": [10, 0]}}
    assert incremental_basis(changed, now) == "landing batch a/s/1.parquet was removed or changed"
    gone = {**record, "landing": {"a/s/0.parquet": [1, 1], **record["landing"]}}
    assert incremental_basis(gone, now) == "landing batch a/s/0.parquet was removed or changed"


def test_landing_records_a_repeat_once_and_the_gate_reads_it_as_checked(tmp_path):
    store = LandingStore(tmp_path)
    first = land(store)
    again = land(store)
    changed = land(store, value=2.0)
    assert store.repeats("src", "things") == {store.fingerprint(again): store.fingerprint(first)}
    assert store.checked("src", "things") == set()  # nothing has passed the gate yet
    store.mark_validated("src", "things", [str(first)])
    # the repeat is checked through the batch it repeats; the changed batch is not
    assert store.checked("src", "things") == {store.fingerprint(first), store.fingerprint(again)}
    assert store.fingerprint(changed) not in store.checked("src", "things")
    # a repeat whose batch is gone (quarantined) must be read again
    store.quarantine(first, "bad")
    assert store.checked("src", "things") == set()
