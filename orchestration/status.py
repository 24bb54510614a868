"""What `scorecard status` reports: the published scorecard, recent runs, source freshness and
quarantined files — read from the serving file, the run folders and landing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from connectors.landing import QUARANTINE_DIR, LandingStore
from expectations import describe_report
from orchestration import freshness
from orchestration.delivery.ledger import pending_alerts, recent_deliveries
from orchestration.run_context import RunFolder, business_today


def collect(config, *, runs: int = 10) -> dict:
    today = business_today(config)
    return {
        "published": _published(config.publish.duckdb),
        "runs": recent_runs(config, runs),
        "sources": freshness_by_source(config, today),
        "tokens": token_expiries(config),
        "quarantined": _quarantined(config),
        "deliveries": recent_deliveries(config),
        "alerts_pending": pending_alerts(config),
    }


def _published(serving: Path) -> dict | None:
    if not serving.exists():
        return None
    with duckdb.connect(str(serving), read_only=True) as con:
        columns = {c[0] for c in con.execute("describe scorecard.publish_log").fetchall()}
        # a serving file published before `engine` was logged was built by DuckDB
        engine = "engine" if "engine" in columns else "'duckdb'"
        row = con.execute(
            "select run_id, published_at, run_date, checks_passed, checks_failed, rows,"
            f" {engine} from scorecard.publish_log order by published_at desc limit 1"
        ).fetchall()
    if not row:
        return None
    run_id, published_at, run_date, passed, failed, rows, engine = row[0]
    return {
        "path": str(serving),
        "run_id": run_id,
        "published_at": published_at.astimezone(UTC).isoformat(),
        "run_date": run_date.isoformat() if run_date else None,
        "checks_passed": passed,
        "checks_failed": failed,
        "rows": dict(rows),
        "engine": engine,
    }


def recent_runs(config, limit: int) -> list[dict]:
    root = config.paths.artifacts_dir / "runs"
    folders = sorted(
        (p for p in root.glob("*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    out = []
    for path in folders[:limit]:
        folder = RunFolder(path)
        files = [f for f in path.iterdir() if f.is_file()]
        started = min(f.stat().st_mtime for f in files) if files else path.stat().st_mtime
        ended = max(f.stat().st_mtime for f in files) if files else started
        published = (path / "published.json").exists()
        # a run that found nothing new kept the published scorecard: not a failure
        up_to_date = (path / "up_to_date.json").exists()
        problems = [
            line
            for report in folder.read_all("landing_") + folder.read_all("gate_")
            for line in describe_report(report)
        ] + [e["message"] for e in folder.read_all("error_")]
        report = path / "data_quality.html"
        out.append(
            {
                "run_id": path.name,
                "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
                "duration_s": round(ended - started, 1),
                "outcome": "published" if published else ("up to date" if up_to_date else "failed"),
                "problems": problems[:5],
                "report": str(report) if report.exists() else None,
            }
        )
    return out


def freshness_by_source(config, today: date) -> list[dict]:
    """Each source's newest day of data and its lag in days before `today` — the numbers its
    `data_freshness` check judges (orchestration/freshness.py), not the extraction window."""
    return [f.as_dict(today) for f in freshness.freshness_by_source(config)]


def token_expiries(config) -> list[dict]:
    """Each source's credentials as the newest run that extracted it found them: when they
    expire (a Meta long-lived token, a LinkedIn refresh token) and whether they renew
    themselves. Sources whose connector knows nothing about its token are left out."""
    root = config.paths.artifacts_dir / "runs"
    folders = sorted(
        (p for p in root.glob("*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    out = []
    for source in config.sources:
        for folder in folders:
            path = folder / f"token_{source.name}.json"
            if path.exists():
                found = json.loads(path.read_text(encoding="utf-8"))
                expires = found.get("expires_at")
                days = None
                if expires:
                    left = datetime.fromisoformat(expires) - datetime.now(UTC)
                    days = left.total_seconds() / 86400
                out.append(
                    {
                        "source": source.name,
                        **found,
                        "days_left": None if days is None else round(days, 1),
                        "checked_at": datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(),
                    }
                )
                break
    return out


def _quarantined(config) -> list[dict]:
    store = LandingStore(config.paths.landing)
    out = []
    for path in store.quarantined():
        reason_file = path.with_name(path.name + ".reason.txt")
        lines = reason_file.read_text(encoding="utf-8").splitlines() if reason_file.exists() else []
        when = lines[0].removeprefix("quarantined_at: ") if lines else None
        reason = " ".join(x for x in lines[1:] if not x.startswith("source file:"))
        relative = path.relative_to(store.root / QUARANTINE_DIR)
        out.append(
            {
                "file": str(path),
                "source": relative.parts[0],
                "stream": relative.parts[1] if len(relative.parts) > 2 else None,
                "quarantined_at": when,
                "reason": reason,
            }
        )
    return out
