"""Audit: Great Expectations suites on the built warehouse, as blocking Dagster asset checks.

Publish depends on the checked marts, so a failed suite stops the run before anything is
published (Write–Audit–Publish).
"""

import dagster as dg

from expectations import run_suites, warehouse_suites
from orchestration.assets.checks import check_result
from orchestration.run_context import WAREHOUSE_POOL, RunFolder, RunOptions, warehouse_lock


def check_name(suite_name: str) -> str:
    return "gx_" + suite_name.replace(".", "_")


def build_audit_checks(config) -> dg.AssetChecksDefinition:
    # the suites are built again at run time (run date); here only their names and assets
    suites = warehouse_suites(config.paths.warehouse, config, run_date=None)
    specs = [
        dg.AssetCheckSpec(
            check_name(s.name),
            asset=dg.AssetKey(list(s.asset_key)),
            blocking=True,
            description=f"Great Expectations suite {s.name} ({s.layer}).",
        )
        for s in suites
    ]

    @dg.multi_asset_check(specs=specs, name="warehouse_expectations", pool=WAREHOUSE_POOL)
    def warehouse_expectations(context: dg.AssetCheckExecutionContext, run_options: RunOptions):
        run_date = run_options.run_date(config)
        folder = RunFolder.of(config, context.run.run_id)
        # KPIs whose metrics a platform refused at landing (optional streams): known, warned
        refused = {
            k for r in folder.read_all("landing_") for m in r.get("missing", []) for k in m["kpis"]
        }
        with warehouse_lock(config, log=context.log):
            gate = run_suites(
                warehouse_suites(config.paths.warehouse, config, run_date, refused_kpis=refused)
            )
        folder.write("gate_warehouse", gate.report())
        folder.data_quality_report(run_date)
        for r in gate.results:
            if not r.success:
                context.log.error(r.summary())
            yield check_result(r, check_name(r.suite.name))

    return warehouse_expectations
