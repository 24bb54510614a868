"""The gate can fail and can pass: failed expectations, raising suites and empty suites fail."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from expectations import Suite, run_suites


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table good as select * from (values ('a', 1.0), ('b', 2.0)) t(k, v)")
        con.execute("create table bad as select * from (values ('a', 1.0), ('a', -2.0)) t(k, v)")
    return path


def suite(warehouse, table, expectations, name=None):
    import great_expectations.expectations as gxe  # noqa: F401 (imported by the builder)

    return Suite(
        name=name or f"t.{table}",
        layer="marts",
        asset_key=("warehouse", table),
        query=f"select * from {table}",
        params=[],
        expectations=expectations,
        index_columns=["k"],
        database=warehouse,
    )


def rules():
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0),
        gxe.ExpectColumnValuesToBeUnique(column="k"),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
    ]


def test_good_data_passes(warehouse):
    result = run_suites([suite(warehouse, "good", rules)])
    assert result.success
    assert result.results[0].evaluated == 3 and result.passed == 3 and result.failed == 0


def test_bad_data_fails_with_examples(warehouse):
    result = run_suites([suite(warehouse, "bad", rules)])
    assert not result.success
    failed = {o.expectation: o for o in result.results[0].failed}
    assert set(failed) == {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_unique",
    }
    between = failed["expect_column_values_to_be_between"]
    assert between.unexpected_count == 1
    assert between.examples == [{"v": -2.0, "k": "a"}]


def test_a_suite_that_raises_fails_the_gate_without_stopping_the_others(warehouse):
    broken = suite(warehouse, "no_such_table", rules)
    result = run_suites([broken, suite(warehouse, "good", rules)])
    assert not result.success
    assert "Catalog Error" in result.results[0].error
    assert result.results[1].success


def test_a_suite_that_evaluates_nothing_fails_the_gate(warehouse):
    result = run_suites([suite(warehouse, "good", list)])
    assert not result.success
    assert result.results[0].evaluated == 0
    assert "evaluated no expectations" in result.results[0].summary()


def test_an_expectation_that_raises_fails_the_gate(warehouse):
    def missing_column():
        import great_expectations.expectations as gxe

        return [gxe.ExpectColumnValuesToNotBeNull(column="no_such_column")]

    result = run_suites([suite(warehouse, "good", missing_column)])
    assert not result.success


def test_dates_are_range_checked_whichever_their_range(tmp_path):
    # DuckDB hands dates to pandas in microseconds; the gate turns them into nanoseconds so GX
    # compares them vectorised — and a date nanoseconds cannot hold is still caught
    from expectations.suites import between_days

    path = tmp_path / "d.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table near as select k, cast(d as date) as d from (values ('a', '2026-11-01'),"
            " ('b', '2026-11-22'), ('c', '2027-01-01'), ('e', '2020-12-31')) t(k, d)"
        )
        con.execute(
            "create table far as select k, cast(d as date) as d from (values ('a', '2026-11-01'),"
            " ('z', '3026-11-01')) t(k, d)"
        )

    def rules():
        return [between_days("d", dt.date(2021, 1, 1), dt.date(2026, 11, 22))]

    near = run_suites([suite(path, "near", rules)]).results[0]
    assert near.failed[0].unexpected_count == 2
    assert {e["k"] for e in near.failed[0].examples} == {"c", "e"}
    far = run_suites([suite(path, "far", rules)]).results[0]
    assert [e["k"] for e in far.failed[0].examples] == ["z"]
