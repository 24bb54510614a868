"""Delete finished Dagster runs older than N days, with their event logs and captured step
output, from the instance in $DAGSTER_HOME (scorecard-prune.service runs it daily).

Dagster keeps every run forever; `retention:` in dagster.yaml only covers schedule and sensor
ticks. The scorecard's own run folders (<artifacts>/runs/, logs/) are not touched here.

    python deploy/prune_runs.py [--days 180] [--dry-run]
"""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

FINISHED = [
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="keep runs this many days")
    parser.add_argument("--dry-run", action="store_true", help="only say what would go")
    args = parser.parse_args()
    before = datetime.now(UTC) - timedelta(days=args.days)
    deleted = 0
    with dg.DagsterInstance.get() as instance:
        storage = Path(instance.root_directory) / "storage"
        while True:
            records = instance.get_run_records(
                dg.RunsFilter(statuses=FINISHED, created_before=before), limit=200
            )
            if not records or args.dry_run:
                deleted += len(records)
                break
            for record in records:
                instance.delete_run(record.dagster_run.run_id)
                shutil.rmtree(storage / record.dagster_run.run_id, ignore_errors=True)
            deleted += len(records)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {deleted} runs created before {before:%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
