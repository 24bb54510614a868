"""Delivery without a pipeline run: the digest schedules, config checks, how each channel spells a
message, and sending through a real SMTP server and local webhooks (retries, refusals, secrets)."""

from __future__ import annotations

import json
import textwrap
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.config import load_config
from orchestration.config.loader import ConfigFileError
from orchestration.defs import build_definitions
from orchestration.delivery.channels import channel_recipient, person_recipients, send
from orchestration.delivery.digest import is_first_working_day
from orchestration.delivery.messages import Item, Message, Section, as_slack, as_teams, as_text
from tests.fakes.smtp import start_smtp
from tests.fakes.webhooks import Webhooks

CPH = ZoneInfo("Europe/Copenhagen")
BASE = """
timezone: Europe/Copenhagen
objectives: [{id: grow, perspective: financial, name: Grow}]
sources:
  - {name: team, type: manual_metrics, path: inbox, metrics: {leads: sum}}
kpis:
  - {id: leads, name: Leads, objective: grow, type: metric, metric: manual.leads, target: 10,
     owner: Web team}
"""


def config_from(tmp_path, extra: str):
    path = tmp_path / "scorecard.yml"
    path.write_text(textwrap.dedent(BASE) + textwrap.dedent(extra), encoding="utf-8")
    return load_config(path)


DIGESTS = """
report: {url: "https://bi.example.com/scorecard"}
channels:
  team_slack: {type: slack, webhook: env:SLACK_URL}
deliver:
  - {name: monthly, to: [team_slack], page: link, holidays: [2027-01-01]}
  - {name: weekly, schedule: monday, at: "07:30", grain: week, to: [team_slack], page: link}
"""


@pytest.mark.parametrize(
    ("day", "sends"),
    [
        (date(2026, 11, 1), False),  # a Sunday
        (date(2026, 11, 2), True),  # Monday: November's first working day
        (date(2026, 11, 3), False),
        (date(2026, 12, 1), True),  # a Tuesday
        (date(2027, 1, 1), False),  # New Year's Day, a holiday
        (date(2027, 1, 4), True),  # the Monday after
    ],
)
def test_the_monthly_digest_goes_out_on_the_first_working_day(tmp_path, day, sends):
    defs = build_definitions(config_from(tmp_path, DIGESTS))
    schedule = defs.resolve_schedule_def("digest_monthly")
    assert schedule.cron_schedule == "0 8 1-7 * *"
    assert schedule.execution_timezone == "Europe/Copenhagen"
    moment = datetime(day.year, day.month, day.day, 8, tzinfo=CPH)
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=moment))
    if not sends:
        assert result.run_requests == [] and result.skip_message
        return
    [request] = result.run_requests
    assert request.run_key == f"monthly-{day.isoformat()}"  # once per day, however late
    assert request.run_config == {"ops": {"send_digest": {"config": {"digest": "monthly"}}}}
    assert request.job_name in (None, "scorecard_digest")
    assert defs.resolve_job_def("scorecard_digest") is not None


def test_the_weekly_digest_goes_out_on_the_weeks_first_working_day(tmp_path):
    defs = build_definitions(config_from(tmp_path, DIGESTS))
    schedule = defs.resolve_schedule_def("digest_weekly")
    assert schedule.cron_schedule == "30 7 * * 1-5"
    assert is_first_working_day(date(2026, 11, 30), "monday")
    assert not is_first_working_day(date(2026, 12, 1), "monday")
    # Easter Monday 2027 off: the Tuesday is the week's first working day
    assert is_first_working_day(date(2027, 3, 30), "monday", (date(2027, 3, 29),))


def test_without_deliver_there_is_no_digest_job_nor_alerts_step(tmp_path):
    defs = build_definitions(config_from(tmp_path, ""))
    assert [j.name for j in defs.jobs] == ["nightly_refresh", "scorecard_backfill"]
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey(["serving", "status_alerts"]) not in keys
    alerting = config_from(tmp_path, DIGESTS + "alerts: {team: [team_slack]}\n")
    graph = build_definitions(alerting).resolve_asset_graph()
    alerts = graph.get(dg.AssetKey(["serving", "status_alerts"]))
    assert alerts.parent_keys == {dg.AssetKey(["serving", "scorecard"])}


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("alerts: {team: [nowhere]}", "alerts.team: unknown channel 'nowhere'"),
        ("people: {Web team: {email: web@example.com}}", "smtp: e-mail channels and people"),
        ("people: {Web team: {email: not-an-address}}", "'not-an-address' is not an e-mail"),
        (
            "channels: {s: {type: slack, webhook: https://hooks.slack.com/x}}",
            "must be written as env:NAME",
        ),
        (
            "channels: {s: {type: slack, webhook: env:S}}\ndeliver: [{name: m, to: [s], page: link}]",
            "deliver[0].page: 'link' needs report.url",
        ),
        (
            "channels: {s: {type: slack, webhook: env:S}}\ndeliver: [{name: m, to: [s], at: '8am'}]",
            "'8am' is not a time of day",
        ),
    ],
)
def test_delivery_config_mistakes_are_named(tmp_path, extra, problem):
    with pytest.raises(ConfigFileError) as error:
        config_from(tmp_path, extra + "\n")
    assert problem in str(error.value)


def message() -> Message:
    item = Item(
        kpi_id="leads",
        name="Leads <b>&</b>",
        period="November 2026",
        status="red",
        value="80.0",
        target="100.0",
        owner="Web team",
        previous_status="green",
        actions=("Review the landing pages",),
        open_actions=("Fix the form (Ann, due 2026-12-15)",),
        comments=("Ann: the form broke on 12 November",),
    )
    return Message(
        subject="Scorecard: Leads",
        intro="One KPI has changed status.",
        sections=[Section("Changed status", (item,))],
        link="https://bi.example.com/scorecard",
    )


def test_each_channel_spells_the_same_message():
    text = as_text(message())
    assert "■ Leads <b>&</b> (November 2026): On target → Off target" in text  # word and shape
    assert "80.0 against a target of 100.0" in text
    assert "Comment: Ann: the form broke on 12 November" in text
    slack = as_slack(message())
    assert slack["text"] == "Scorecard: Leads"
    blob = json.dumps(slack["blocks"], ensure_ascii=False)
    assert "Leads &lt;b&gt;&amp;&lt;/b&gt;" in blob  # mrkdwn control characters are data
    assert slack["blocks"][-1]["elements"][0]["url"] == "https://bi.example.com/scorecard"
    [attachment] = as_teams(message())["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["actions"][0]["url"] == "https://bi.example.com/scorecard"
    facts = [f for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert {"title": "Value", "value": "80.0 against a target of 100.0"} in facts


SENDING = """
smtp:
  host: localhost
  port: {port}
  username: env:T_SMTP_USER
  password: env:T_SMTP_PASSWORD
  sender: "Scorecard <scorecard@example.com>"
  ca_file: {ca}
channels:
  hook: {{type: slack, webhook: env:T_HOOK}}
people:
  Web team: {{email: [web@example.com, lead@example.com]}}
alerts: {{retries: 2, backoff_seconds: 0.05}}
"""


@pytest.fixture
def sending(tmp_path, monkeypatch):
    smtp, controller, port, ca = start_smtp(tmp_path, "bot", "canary-pw-77aa11")
    hooks = Webhooks()
    monkeypatch.setenv("T_SMTP_USER", "bot")
    monkeypatch.setenv("T_SMTP_PASSWORD", "canary-pw-77aa11")
    monkeypatch.setenv("T_HOOK", hooks.url + "/hook/canary-hook-33bb22")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    config = config_from(tmp_path, SENDING.format(port=port, ca=ca))
    try:
        yield config, smtp, hooks
    finally:
        controller.stop()
        hooks.stop()


def test_mail_goes_over_starttls_with_a_login_and_a_plain_and_html_part(sending):
    config, smtp, _ = sending
    [person] = person_recipients(config, "Web team")
    delivery = send(config, person, message())
    assert delivery.ok and delivery.attempts == 1
    [mail] = smtp.messages
    assert smtp.recipients == [["web@example.com", "lead@example.com"]]
    assert mail["From"] == "Scorecard <scorecard@example.com>"
    assert "On target → Off target" in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Leads &lt;b&gt;&amp;&lt;/b&gt;" in html  # escaped, not markup


def test_a_temporary_refusal_is_retried_and_a_bad_login_is_not(sending, monkeypatch):
    config, smtp, _ = sending
    [person] = person_recipients(config, "Web team")
    smtp.refuse_next = 1
    delivery = send(config, person, message())
    assert delivery.ok and delivery.attempts == 2 and len(smtp.messages) == 1
    monkeypatch.setenv("T_SMTP_PASSWORD", "canary-wrong-99cc88")
    refused = send(config, person, message())
    assert not refused.ok and refused.attempts == 1  # retrying a bad login cannot help
    assert "refused the login" in refused.error and "canary" not in refused.error
    assert smtp.failed_logins == 2  # smtplib tries PLAIN, then LOGIN, on the one connection


def test_a_webhook_that_keeps_failing_is_reported_without_its_url(sending):
    config, _, hooks = sending
    hooks.fail["/hook/canary-hook-33bb22"] = 10
    delivery = send(config, channel_recipient(config, "hook"), message())
    assert not delivery.ok and delivery.attempts == 3  # the first try and two retries
    assert delivery.error == "HTTP 500 after 3 attempts"
    hooks.stop()  # nobody listening any more: a connection error, still without the URL
    gone = send(config, channel_recipient(config, "hook"), message())
    assert not gone.ok and "canary" not in gone.error and "127.0.0.1" not in gone.error
