"""Gate results as Dagster asset check results (shared by landing and warehouse checks), and
the landing assets' data-freshness check result."""

import dagster as dg

from expectations import SuiteResult
from orchestration.freshness import CHECK_NAME, describe


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


def freshness_check_result(fresh, run_date, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    """A source's `data_freshness` check: its newest day of data against its lag limit
    (orchestration/freshness.py). WARN: a stale source is told, the scorecard still publishes
    with what there is (the page and `scorecard status` show the same lag)."""
    lag = fresh.lag_days(run_date)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=CHECK_NAME,
        passed=not fresh.stale(run_date),
        severity=dg.AssetCheckSeverity.WARN,
        description=describe(fresh, run_date),
        metadata={
            "newest_data_day": fresh.newest_day.isoformat() if fresh.newest_day else None,
            "lag_days": lag,
            "max_lag_days": fresh.max_lag_days,
            "basis": fresh.basis,
            "run_date": run_date.isoformat(),
        },
    )
