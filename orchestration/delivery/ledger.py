"""What has been sent: the alert ledger (each status change alerted once) and the delivery log
(every send, for `scorecard status`).

Both live under `<artifacts>/delivery/`, beside the warehouse, not in the serving file: the
serving file is rebuilt by every publish, and what people were told must survive a
`--full-refresh` as much as a rerun. A file lock keeps a scheduled digest and a nightly run
from writing them at the same time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from connectors.atomic import write_text


def delivery_dir(config) -> Path:
    return config.paths.artifacts_dir / "delivery"


@dataclass
class Ledger:
    """Per alerted period (`kpi|grain|period_start`): the status people were told, when, and
    which recipients are still waiting for it (a send that failed is retried next time)."""

    path: Path
    alerts: dict[str, dict] = field(default_factory=dict)

    @staticmethod
    def key(kpi_id: str, grain: str, period_start) -> str:
        return f"{kpi_id}|{grain}|{period_start}"

    def pending_for(self, recipient_id: str) -> list[str]:
        return sorted(k for k, a in self.alerts.items() if recipient_id in a["pending"])

    def save(self) -> None:
        write_text(self.path, json.dumps({"version": 1, "alerts": self.alerts}, indent=1))


@contextmanager
def open_ledger(config) -> Iterator[Ledger]:
    folder = delivery_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "alerts.json"
    with FileLock(str(folder / ".lock"), timeout=600):
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        ledger = Ledger(path, data.get("alerts", {}))
        yield ledger
        ledger.save()


def log_deliveries(config, kind: str, name: str, run_id: str | None, deliveries) -> None:
    """Append each send to `delivery/log.jsonl` (newest last)."""
    folder = delivery_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    at = datetime.now(UTC).isoformat()
    with (
        FileLock(str(folder / ".log.lock"), timeout=60),
        (folder / "log.jsonl").open("a", encoding="utf-8") as f,
    ):
        for d in deliveries:
            record = {"at": at, "kind": kind, "name": name, "run_id": run_id, **d.as_dict()}
            f.write(json.dumps(record) + "\n")


def recent_deliveries(config, limit: int = 20) -> list[dict]:
    path = delivery_dir(config) / "log.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in lines if line.strip()]


def pending_alerts(config) -> int:
    path = delivery_dir(config) / "alerts.json"
    if not path.exists():
        return 0
    alerts = json.loads(path.read_text(encoding="utf-8")).get("alerts", {})
    return sum(len(a["pending"]) for a in alerts.values())
