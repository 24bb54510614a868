"""What every step of one run shares: the run's date, options and its folder of artefacts."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

WAREHOUSE_POOL = "duckdb_warehouse"  # one writer at a time on the warehouse file


class RunOptions(dg.ConfigurableResource):
    """Per-run options: the CLI and the schedule set them through run config."""

    as_of: str | None = None  # YYYY-MM-DD; default: today in the business time zone
    full_refresh: bool = False  # rebuild the warehouse from landing alone

    def run_date(self, config) -> date:
        if self.as_of:
            return date.fromisoformat(self.as_of)
        return datetime.now(ZoneInfo(config.timezone)).date()


@dataclass(frozen=True)
class RunFolder:
    """`<work>/runs/<run_id>/`: step reports that later steps and `scorecard status` read."""

    root: Path

    @classmethod
    def of(cls, config, run_id: str) -> RunFolder:
        return cls(config.paths.artifacts_dir / "runs" / run_id)

    def write(self, name: str, payload: dict) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def read_all(self, prefix: str) -> list[dict]:
        return [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(self.root.glob(f"{prefix}*.json"))
        ]
