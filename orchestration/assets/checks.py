"""Gate results as Dagster asset check results (shared by landing and warehouse checks)."""

import dagster as dg

from expectations import SuiteResult


def check_result(
    results: SuiteResult | list[SuiteResult], check_name: str, asset_key: dg.AssetKey | None = None
) -> dg.AssetCheckResult:
    """One check result from one or more suites run against the same asset."""
    results = results if isinstance(results, list) else [results]
    key = asset_key or dg.AssetKey(list(results[0].suite.asset_key))
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=check_name,
        passed=all(r.success for r in results),
        severity=dg.AssetCheckSeverity.ERROR,
        description="\n".join(r.summary() for r in results)[:2000],
        metadata={
            "evaluated": sum(r.evaluated for r in results),
            "failed": sum(len(r.failed) + (1 if r.error else 0) for r in results),
            "warnings": sum(len(r.warnings) for r in results),
            "rows": sum(r.rows for r in results),
        },
    )
