"""Great Expectations suites (defined in code) and the gate that runs them (DESIGN §7).

The gate fails when an expectation fails, when a suite raises, and when a suite evaluated zero
expectations — a checkpoint that checked nothing must not count as a pass.
"""

from expectations.gate import GateResult, SuiteResult, describe_report, run_suites
from expectations.suites import Suite, landing_suites, warehouse_suites

__all__ = [
    "GateResult",
    "Suite",
    "SuiteResult",
    "describe_report",
    "landing_suites",
    "run_suites",
    "warehouse_suites",
]
