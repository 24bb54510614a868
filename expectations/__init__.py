"""Great Expectations suites (defined in code) and the gate that runs them (DESIGN §7).

The gate fails when a critical expectation fails, when a suite raises, and when a suite
evaluated zero expectations — a checkpoint that checked nothing must not count as a pass.
"""

from expectations.gate import GateResult, SuiteResult, describe_report, run_suites
from expectations.landing import data_suites, schema_suites
from expectations.suites import Suite
from expectations.warehouse import warehouse_suites

__all__ = [
    "GateResult",
    "Suite",
    "SuiteResult",
    "data_suites",
    "describe_report",
    "run_suites",
    "schema_suites",
    "warehouse_suites",
]
