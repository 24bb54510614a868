"""The gate can fail and can pass: failed expectations, raising suites and empty suites fail."""

from __future__ import annotations

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
