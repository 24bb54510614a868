"""Each family of landing expectations, fed a batch that violates it — and a clean batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet
import pytest

from connectors.base import Batch, Window
from connectors.ga4 import GA4
from connectors.ga4.demo import FLAGS  # the flags GA4 lands with every row
from connectors.hubspot import HubSpot
from connectors.landing import LandingStore
from connectors.linkedin_page import LinkedInPage
from expectations import data_suites, run_suites, schema_suites

RUN = date(2025, 3, 31)
SOURCE = SimpleNamespace(name="website", start_date=date(2025, 3, 1))
DAILY = GA4.stream("daily_metrics")
SNAPSHOTS = HubSpot.stream("open_deal_snapshots")  # may be empty: no open deals tonight


def rows(days=range(1, 31), metrics=("sessions", "keyEvents"), value=10.0, **extra):
    return [
        {
            "property_id": "1",
            "date": date(2025, 3, d),
            "metric": m,
            "value": value,
            **FLAGS,
            **extra,
        }
        for d in days
        for m in metrics
    ]


def land(store, records, stream=DAILY, schema=None):
    table = (
        pa.Table.from_pylist(records, schema=schema) if schema else pa.Table.from_pylist(records)
    )
    return store.write(SOURCE.name, stream, Batch(table, Window(date(2025, 3, 1), RUN)))[0]


def gate(store, stream=DAILY):
    first = run_suites(schema_suites(store, SOURCE, [stream]))
    second = run_suites(data_suites(store, SOURCE, [stream], RUN))
    return first, second


def failed(result):
    return {
        (
            r.suite.name.rsplit(".", 1)[-1],
            o.expectation,
            o.column if isinstance(o.column, str) else None,
        )
        for r in result.results
        for o in r.failed
    }


@pytest.fixture
def store(tmp_path):
    s = LandingStore(tmp_path)
    s.ensure_schema_file(DAILY)
    return s


def test_a_clean_batch_passes(store):
    land(store, rows())
    schema, data = gate(store)
    assert schema.success and data.success
    assert {r.suite.name for r in data.results} == {
        "landing.website.daily_metrics",
        "landing.website.daily_metrics.rows",
        "landing.website.daily_metrics.volume",
    }


def test_schema_a_missing_column_fails_and_names_the_batch(store):
    bad = land(store, [{k: v for k, v in r.items() if k != "value"} for r in rows()])
    schema, _ = gate(store)
    assert not schema.success
    [result] = schema.failures()
    assert result.bad_files == {str(bad)}
    [outcome] = result.failed
    assert outcome.examples[0] == {
        "type_ok": False,
        "_file": bad.name,
        "column": "value",
        "expected_type": "double",
        "actual_type": None,
    }


def test_schema_a_batch_landed_before_a_column_was_added_passes(store):
    """A stream that gained a nullable column (HubSpot deals' original_source) keeps the
    batches landed before it: they lack the column and are read with nulls there."""
    grown = replace(DAILY, added_columns=("value",))
    older = land(store, [{k: v for k, v in r.items() if k != "value"} for r in rows()], grown)
    schema = run_suites(schema_suites(store, SOURCE, [grown]))
    assert schema.success, [o.examples for r in schema.results for o in r.failed]
    # the same batch under the stream as it was declared before: the column is missing
    assert run_suites(schema_suites(store, SOURCE, [DAILY])).failures()[0].bad_files == {str(older)}


def test_schema_a_retyped_column_fails(store):
    bad = land(store, [{**r, "value": "n/a"} for r in rows()])  # cannot become a double
    schema, _ = gate(store)
    assert schema.failures()[0].bad_files == {str(bad)}
    assert schema.failures()[0].failed[0].examples[0]["actual_type"] == "string"


def test_schema_a_new_column_is_kept_and_reported_not_failed(store):
    path = land(store, rows(channel="organic"))
    schema, data = gate(store)
    assert schema.success and data.success
    [warning] = [w for r in schema.results for w in r.warnings]
    assert warning.examples == [
        {
            "declared": False,
            "_file": path.name,
            "column": "channel",
            "expected_type": None,
            "actual_type": "string",
        }
    ]
    import pyarrow.parquet as pq

    assert "channel" in pq.read_schema(path).names  # kept in landing


def test_keys_null_and_duplicate_within_a_batch_fail(store):
    records = rows()
    records[3]["metric"] = None
    records.append(dict(records[0]))  # the same key twice in one batch
    bad = land(store, records)
    _, data = gate(store)
    assert ("daily_metrics", "expect_column_values_to_not_be_null", "metric") in failed(data)
    assert ("daily_metrics", "expect_compound_columns_to_be_unique", None) in failed(data)
    assert data.failures()[0].bad_files == {str(bad)}


def test_value_ranges_fail_on_negative_counts_but_allow_refunds(store):
    land(store, rows(metrics=("totalRevenue",), value=-50.0))
    assert gate(store)[1].success  # negative revenue: a refund day
    land(store, rows(metrics=("sessions",), value=-1.0))
    _, data = gate(store)
    assert ("daily_metrics", "expect_column_values_to_be_between", "value") in failed(data)


@pytest.mark.parametrize(
    "day", [RUN + timedelta(days=1), date(2025, 2, 27)], ids=["future", "before-start"]
)
def test_dates_outside_start_date_and_run_date_fail(store, day):
    records = rows()
    records[0]["date"] = day
    land(store, records)
    _, data = gate(store)
    assert ("daily_metrics", "expect_column_values_to_be_between", "date") in failed(data)


def test_volume_a_sudden_drop_fails(store):
    land(
        store,
        rows(days=range(1, 30), metrics=("sessions", "keyEvents", "engagedSessions", "totalUsers")),
    )
    land(store, rows(days=[30], metrics=("sessions",)))  # one row instead of four
    _, data = gate(store)
    [volume] = [r for r in data.results if r.suite.name.endswith(".volume")]
    assert not volume.success
    assert volume.failed[0].examples[0] == {
        "volume_ok": False,
        "day": "2025-03-30T00:00:00",
        "rows": 1,
        "trailing_median": 4.0,
    }


def test_volume_judges_only_the_days_a_batch_declares_complete(store):
    """A snapshot read at the run (followers as yesterday ended) can lie after the window, which
    ends at the platform's last complete day: it is not a day with one row. A batch that claims
    such a day complete is judged on it."""
    stream = LinkedInPage.stream("organization_statistics")
    metrics = ("impressionCount", "clickCount", "posts_published")
    daily = [
        {"account_id": "9", "date": date(2025, 3, d), "metric": m, "value": 1.0}
        for d in range(1, 30)
        for m in metrics
    ]
    snapshot = [{"account_id": "9", "date": date(2025, 3, 30), "metric": "firstDegreeSize",
                 "value": 4000.0}]  # fmt: skip
    table = pa.Table.from_pylist(daily + snapshot, schema=stream.schema)
    store.write(SOURCE.name, stream, Batch(table, Window(date(2025, 3, 1), date(2025, 3, 29))))
    _, data = gate(store, stream)
    [volume] = [r for r in data.results if r.suite.name.endswith(".volume")]
    assert volume.success and volume.rows == 1
    # the same rows from a batch whose window says 30 March is over: one row against three
    store.write(SOURCE.name, stream, Batch(table, Window(date(2025, 3, 1), date(2025, 3, 30))))
    _, data = gate(store, stream)
    [volume] = [r for r in data.results if r.suite.name.endswith(".volume")]
    assert not volume.success
    assert volume.failed[0].examples[0]["rows"] == 1
    assert volume.failed[0].examples[0]["day"].startswith("2025-03-30")


def test_personal_data_columns_are_refused_for_contacts(store):
    contacts = HubSpot.stream("contacts")
    store.ensure_schema_file(contacts)
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "contact_id": ["1"],
            "lifecycle_stage": ["lead"],
            "created_at": pa.array([None], ts),
            "modified_at": pa.array([None], ts),
            "email": ["a@b.c"],
        }
    )
    bad = store.write(SOURCE.name, contacts, Batch(table, Window(date(2025, 3, 1), RUN)))[0]
    schema = run_suites(schema_suites(store, SOURCE, [contacts]))
    assert schema.failures()[0].bad_files == {str(bad)}  # refused, not just reported


def daily_suite(store):
    (suite,) = [s for s in data_suites(store, SOURCE, [DAILY], RUN) if s.name.endswith("metrics")]
    return suite


def test_each_batch_is_read_once_then_only_new_batches(store):
    first = str(land(store, rows()))
    suite = daily_suite(store)
    assert suite.covers == [first] and suite.params == [[first]]
    store.mark_validated(SOURCE.name, DAILY.name, suite.covers)

    second = str(land(store, rows(days=[30], value=11.0)))
    suite = daily_suite(store)
    assert suite.covers == [second] and suite.params == [[second]]
    store.mark_validated(SOURCE.name, DAILY.name, suite.covers)

    # nothing new: the newest batch alone shows the stream is not empty; nothing to record
    suite = daily_suite(store)
    assert suite.covers == [] and suite.params == [[second]]
    assert run_suites([suite]).success


def test_a_batch_changed_after_validation_is_read_again(store):
    path = land(store, rows())
    store.mark_validated(SOURCE.name, DAILY.name, [str(path)])
    assert daily_suite(store).covers == []
    table = pa.parquet.read_table(path)
    negative = pa.array([-5.0] * table.num_rows, table.schema.field("value").type)
    pa.parquet.write_table(
        table.set_column(table.schema.get_field_index("value"), "value", negative), path
    )
    suite = daily_suite(store)
    assert suite.covers == [str(path)]
    assert not run_suites([suite]).success  # and the negative values are caught


def test_a_data_suite_reads_only_the_columns_its_expectations_check(store):
    # a backfill batch can hold tens of millions of rows: reading every column into pandas
    # took 20 GiB for 20 M open-deal snapshots (docs/benchmarks.md)
    from expectations.gate import _checked_columns, connect_read_only

    land(store, rows())
    suite = data_suites(store, SOURCE, [DAILY], RUN)[0]
    with connect_read_only(suite) as con:
        frame = _checked_columns(con, suite)
    # the key, the cursor's date range, the value range and the column its condition
    # names (`metric`), and the batch file that names a failure: no flag, no load metadata
    assert set(frame.columns) == {"property_id", "date", "metric", "value", "_file"}
    assert len(frame) == 60
    # the path repeated on every row is a category; a date is a datetime, range-checked as one
    assert frame["_file"].dtype == "category"
    assert str(frame["date"].dtype).startswith("datetime64")


def land_empty(store, stream):
    empty = Batch(stream.schema.empty_table(), Window(RUN - timedelta(days=1), RUN))
    return store.write(SOURCE.name, stream, empty)[0]


def test_an_empty_batch_passes_where_the_stream_may_be_empty_and_fails_where_empty_is_broken(
    store,
):
    store.ensure_schema_file(SNAPSHOTS)
    land_empty(store, SNAPSHOTS)
    schema, data = gate(store, SNAPSHOTS)
    assert schema.success and data.success

    land(store, rows())
    bad = land_empty(store, DAILY)  # GA4 answered nothing: a lost permission, a wrong id
    _, data = gate(store)
    # the other new batch has rows, yet the empty one is named (and quarantined) on its own
    assert failed(data) == {("rows", "expect_column_values_to_be_in_set", "has_rows")}
    [result] = data.failures()
    assert result.bad_files == {str(bad)}
    assert result.failed[0].examples == [{"has_rows": False, "_file": bad.name, "rows": 0}]
    assert result.failed[0].description.startswith("every new batch holds rows")


def test_no_batch_at_all_fails_with_a_reason_unless_empty_is_allowed_or_nothing_was_due(store):
    store.ensure_schema_file(SNAPSHOTS)
    assert gate(store, SNAPSHOTS)[1].success  # read from the empty schema file

    _, data = gate(store)
    [result] = data.failures()
    [outcome] = result.failed
    assert outcome.expectation == "expect_table_row_count_to_be_between"
    assert outcome.description == "the stream has landed a batch (none, though a day was due)"
    # a source whose first day is not over yet: nothing was due, so nothing is missing
    assert run_suites(data_suites(store, SOURCE, [DAILY], RUN, nothing_due={DAILY.name})).success
    # a configurable source's own answer (rest_api, per endpoint) decides over the stream's
    assert run_suites(data_suites(store, SOURCE, [DAILY], RUN, may_be_empty={DAILY.name})).success
    assert not run_suites(data_suites(store, SOURCE, [SNAPSHOTS], RUN, may_be_empty=())).success
