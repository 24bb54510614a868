"""Status-change alerts and digests through real channels: a real SMTP server (aiosmtpd, with
STARTTLS and a login) and local Slack and Teams webhook receivers, driven by `scorecard run` and
`scorecard deliver` on a small scorecard whose numbers are typed into a manual sheet.

Leads (owner: Web team) is 120 a month against a target of 100 (on target) until November,
when 80 is off target (80 / 100 = 0.8 < amber_from 0.9): one status change. Trainings stays on
target: no change. The nights:
1. publish: one alert to the owner's mail and to each team channel (Slack after two refused
   posts, retried; Teams refuses every post: not sent, the run still publishes);
2. the same night again: nothing new, nothing sent; `scorecard deliver --alerts` then sends the
   pending Teams alert once;
3. November restated to 95 (near target) and Trainings restated within its status: one
   "corrected" alert, nothing about Trainings;
4. November restated to 50,000 leads, beyond the KPI's valid range: the gate fails, nothing is
   published and nobody is alerted (although the status would change).
"""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import run_cli
from tests.fakes.smtp import start_smtp
from tests.fakes.webhooks import Webhooks

pytestmark = pytest.mark.slow

SECRETS = {
    "SMTP_USER": "scorecard-bot",
    "SMTP_PASSWORD": "canary-smtp-pw-5d4c3b",
    "SLACK_URL": "",  # set per test: the path holds the canary
    "TEAMS_URL": "",
}
SLACK_PATH = "/slack/T000/B000/canary-slack-9f8e7d"
TEAMS_PATH = "/teams/workflows/canary-teams-1a2b3c"
CANARIES = ("canary-smtp-pw-5d4c3b", "canary-slack-9f8e7d", "canary-teams-1a2b3c")
AS_OF = "2026-12-10"

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
organisation: Nordlys Outdoor
report: {{url: "https://intranet.example.com/scorecard.html"}}
sources:
  - {{name: team, type: manual_metrics, path: inbox, start_date: 2026-08-01,
     metrics: {{leads: sum, trainings: sum}}}}
objectives:
  - {{id: grow, perspective: financial, name: Grow}}
  - {{id: learn, perspective: learning_growth, name: Learn}}
kpis:
  - {{id: leads, name: Leads, objective: grow, type: metric, metric: manual.leads, target: 100,
     owner: Web team, valid_range: [0, 10000], actions: ["Review the landing pages"]}}
  - {{id: trainings, name: Trainings, objective: learn, type: metric, metric: manual.trainings,
     target: 10, owner: People team}}
smtp:
  host: localhost
  port: {port}
  username: env:SMTP_USER
  password: env:SMTP_PASSWORD
  sender: "Scorecard <scorecard@example.com>"
  ca_file: {ca}
channels:
  team_slack: {{type: slack, webhook: env:SLACK_URL}}
  team_teams: {{type: teams, webhook: env:TEAMS_URL}}
  team_mail: {{type: email, to: [marketing@example.com]}}
people:
  Web team: {{email: [web@example.com]}}
alerts: {{grains: [month], team: [team_slack, team_teams, team_mail], retries: 2, backoff_seconds: 0.1}}
deliver:
  - {{name: monthly, to: [team_mail, team_slack], people: [Web team], page: attach}}
"""


def sheet(root: Path, name: str, leads: dict[str, float], trainings: dict[str, float]) -> None:
    rows = ["date,metric,value"]
    rows += [f"{month}-01,leads,{v}" for month, v in leads.items()]
    rows += [f"{month}-01,trainings,{v}" for month, v in trainings.items()]
    (root / "inbox" / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def channels(tmp_path):
    smtp, controller, port, ca = start_smtp(
        tmp_path, SECRETS["SMTP_USER"], SECRETS["SMTP_PASSWORD"]
    )
    hooks = Webhooks()
    try:
        yield smtp, hooks, port, ca
    finally:
        controller.stop()
        hooks.stop()


def _everything_written(root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in (".duckdb", ".parquet", ".pdf", ".wal")
    )


def test_status_changes_are_alerted_once_to_owner_and_team(tmp_path, channels):
    smtp, hooks, port, ca = channels
    root = tmp_path / "project"
    (root / "inbox").mkdir(parents=True)
    (root / "scorecard.yml").write_text(
        textwrap.dedent(CONFIG.format(port=port, ca=ca)), encoding="utf-8"
    )
    env = {
        **SECRETS,
        "SLACK_URL": hooks.url + SLACK_PATH,
        "TEAMS_URL": hooks.url + TEAMS_PATH,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    months = ["2026-08", "2026-09", "2026-10", "2026-11"]
    sheet(root, "sheet-1.csv", dict(zip(months, [120, 120, 120, 80], strict=True)),
          dict.fromkeys(months, 12))  # fmt: skip
    hooks.fail[SLACK_PATH] = 2  # refused twice, then accepted: retried within the run
    hooks.fail[TEAMS_PATH] = 100  # refuses every post

    # night 1 -----------------------------------------------------------------------------
    first = run_cli("run", "--as-of", AS_OF, cwd=root, env=env)
    assert first.returncode == 0, first.stdout + first.stderr  # published, a send failed
    serving = root / "data" / "serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        changes = con.execute(
            "select kpi_id, grain, period_start::varchar, previous_status, status, value,"
            " first_published_at is not null from scorecard.status_changes"
            " where grain = 'month' order by period_start"
        ).fetchall()
    assert changes == [("leads", "month", "2026-11-01", "green", "red", 80.0, True)]

    owner_mail, team_mail = smtp.to("web@example.com"), smtp.to("marketing@example.com")
    assert len(owner_mail) == 1 and len(team_mail) == 1
    assert owner_mail[0]["Subject"] == "Scorecard: Leads (November 2026): On target → Off target"
    plain = owner_mail[0].get_body(("plain",)).get_content()
    html = owner_mail[0].get_body(("html",)).get_content()
    for text in (plain, html):
        assert "80.0 against a target of 100.0" in text
        assert "Review the landing pages" in text
        assert "https://intranet.example.com/scorecard.html" in text
    assert "Trainings" not in plain  # no change, no word about it
    assert len(hooks.received[SLACK_PATH]) == 1 and hooks.attempts[SLACK_PATH] == 3
    slack = json.dumps(hooks.received[SLACK_PATH][0], ensure_ascii=False)
    assert "Leads (November 2026): On target → Off target" in slack
    assert hooks.received[TEAMS_PATH] == [] and hooks.attempts[TEAMS_PATH] == 3
    assert "Alert NOT sent to teams team_teams: HTTP 500 after 3 attempts" in first.stderr
    status = run_cli("status", "--json", cwd=root, env=env)
    info = json.loads(status.stdout)
    assert info["alerts_pending"] == 1
    outcomes = {(d["channel"], d["recipient"]): d["ok"] for d in info["deliveries"]}
    assert outcomes == {
        ("slack", "team_slack"): True,
        ("teams", "team_teams"): False,
        ("email", "team_mail"): True,
        ("email", "Web team"): True,
    }

    # night 2: nothing new ----------------------------------------------------------------
    hooks.fail[TEAMS_PATH] = 0
    again = run_cli("run", "--as-of", AS_OF, cwd=root, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(smtp.messages) == 2 and len(hooks.received[SLACK_PATH]) == 1
    retried = run_cli("deliver", "--alerts", cwd=root, env=env)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert len(hooks.received[TEAMS_PATH]) == 1  # the pending alert, once
    card = hooks.received[TEAMS_PATH][0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "Leads (November 2026): On target → Off target" in json.dumps(
        card["content"], ensure_ascii=False
    )
    assert len(smtp.messages) == 2 and len(hooks.received[SLACK_PATH]) == 1
    assert run_cli("deliver", "--alerts", cwd=root, env=env).returncode == 0
    assert len(hooks.received[TEAMS_PATH]) == 1  # nothing left to send

    # night 3: a restatement that flips the status, one that does not -------------------
    sheet(root, "sheet-2.csv", {"2026-11": 95}, {"2026-11": 13})
    third = run_cli("run", "--as-of", AS_OF, cwd=root, env=env)
    assert third.returncode == 0, third.stdout + third.stderr
    corrections = smtp.to("web@example.com")[1:]
    assert len(corrections) == 1 and len(smtp.to("marketing@example.com")) == 2
    subject = corrections[0]["Subject"]
    assert subject == "Scorecard correction: Leads (November 2026): On target → Near target"
    body = corrections[0].get_body(("plain",)).get_content()
    assert "95.0 against a target of 100.0" in body and "corrected: alerted on" in body
    assert "as Off target" in body and "Trainings" not in body
    assert len(hooks.received[SLACK_PATH]) == 2 and len(hooks.received[TEAMS_PATH]) == 2

    # night 4: a gate failure publishes nothing and alerts nobody ---------------------------
    sheet(root, "sheet-3.csv", {"2026-11": 50000}, {"2026-11": 13})
    fourth = run_cli("run", "--as-of", AS_OF, cwd=root, env=env)
    assert fourth.returncode == 1, fourth.stdout + fourth.stderr
    assert "kpi_valid_ranges" in fourth.stdout + fourth.stderr
    assert len(smtp.messages) == 4  # two on night 1, two corrections on night 3
    assert len(hooks.received[SLACK_PATH]) == 2 and len(hooks.received[TEAMS_PATH]) == 2
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute(
            "select value from scorecard.kpi_values where kpi_id = 'leads' and grain = 'month'"
            " and period_start = '2026-11-01'"
        ).fetchall() == [(95.0,)]

    # the digest, by hand: scores, the amber KPI with its playbook, the page as PDF ------------
    digest = run_cli("deliver", "--now", cwd=root, env=env)
    assert digest.returncode == 0, digest.stdout + digest.stderr
    mail = smtp.to("web@example.com")[-1]
    assert mail["Subject"].startswith("Scorecard November 2026: overall ")
    text = mail.get_body(("plain",)).get_content()
    assert "NEAR TARGET (AMBER)" in text and "95.0 against a target of 100.0" in text
    assert "Financial:" in text and "Learning & growth:" in text
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["scorecard.pdf"]
    assert attachments[0].get_content()[:5] == b"%PDF-"
    assert len(smtp.to("marketing@example.com")) == 3
    assert len(hooks.received[SLACK_PATH]) == 3
    assert "Scorecard November 2026" in json.dumps(hooks.received[SLACK_PATH][-1])

    # no secret anywhere: not in files, outputs, messages or the published data ---------------
    outputs = [first, again, retried, third, fourth, digest, status]
    seen = "\n".join(r.stdout + r.stderr for r in outputs)
    seen += _everything_written(root)
    seen += "\n".join(m.as_string() for m in smtp.messages)
    seen += json.dumps(list(hooks.received.values()))  # the bodies (the keys are the paths)
    with duckdb.connect(str(serving), read_only=True) as con:
        seen += str(con.execute("select * from scorecard.publish_log").fetchall())
    for canary in CANARIES:
        assert canary not in seen
    assert smtp.failed_logins == 0


def test_the_digest_schedule_runs_the_digest_job_on_the_demo(demo_copy, tmp_path, monkeypatch):
    """As the daemon would: the schedule's request for 1 December 2026 (a Tuesday, the first
    working day) runs the digest job, which sends the published demo's scores and every red
    KPI with its value (formatted as in the alerts) to a Slack receiver."""
    import dagster as dg

    from orchestration.config import load_config
    from orchestration.defs import build_definitions
    from orchestration.delivery.content import open_served, period_label
    from tests.conftest import DEMO_DIR

    hooks = Webhooks()
    monkeypatch.setenv("DIGEST_SLACK", hooks.url + SLACK_PATH)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    text = (DEMO_DIR / "balanced_scorecard.yml").read_text(encoding="utf-8")
    text += textwrap.dedent(
        """
        channels:
          team_slack: {type: slack, webhook: env:DIGEST_SLACK}
        deliver:
          - {name: monthly, to: [team_slack], page: attach}
        """
    )
    (demo_copy / "scorecard.yml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(demo_copy)  # the demo's paths are relative to the working folder
    config = load_config(demo_copy / "scorecard.yml", base_dir=demo_copy)
    try:
        defs = build_definitions(config, demo=True)
        schedule = defs.resolve_schedule_def("digest_monthly")
        moment = datetime(2026, 12, 1, 8, tzinfo=ZoneInfo(config.timezone))
        [request] = schedule.evaluate_tick(
            dg.build_schedule_context(scheduled_execution_time=moment)
        ).run_requests
        job = defs.resolve_job_def("scorecard_digest")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(run_config=request.run_config, instance=instance)
        assert result.success
        [payload] = hooks.received[SLACK_PATH]
    finally:
        hooks.stop()
    con, served = open_served(config)
    with con:
        month = con.execute(
            "select max(period_start) from scorecard.overall_scores"
            " where grain = 'month' and is_complete"
        ).fetchone()[0]
        reds = served.rows(
            "select * from scorecard.kpi_values where grain = 'month' and period_start = ?"
            " and status in ('red', 'amber')",
            [month],
        )
        expected = [served.item(r) for r in reds]
        perspectives = [
            r[0] for r in con.execute("select name from scorecard.perspectives").fetchall()
        ]
    assert any(r["status"] == "red" for r in reds)  # the demo has red KPIs to report
    blob = json.dumps(payload, ensure_ascii=False)
    label = period_label("month", month)  # the demo was run as of 23 November: October
    assert payload["text"].startswith(f"Scorecard {label}: overall ")
    for item in expected:
        assert f"{item.name} ({label})" in blob.replace("&amp;", "&")
        assert item.figures in blob
        # what owners wrote about the period and their open actions travel with the KPI
        for line in (*item.comments, *item.open_actions):
            assert line[:60] in blob.replace("&amp;", "&")
    assert any(item.comments for item in expected)  # the demo's sheets comment on these
    for name in perspectives:
        assert name.replace("&", "&amp;") in blob
