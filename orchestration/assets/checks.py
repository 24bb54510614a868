"""Gate results as Dagster asset check results (shared by landing and warehouse checks)."""

import dagster as dg

from expectations import SuiteResult


def check_result(result: SuiteResult, check_name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(result.suite.asset_key)),
        check_name=check_name,
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=result.summary()[:2000],
        metadata={
            "evaluated": result.evaluated,
            "failed": len(result.failed) + (1 if result.error else 0),
            "rows": result.rows,
        },
    )
