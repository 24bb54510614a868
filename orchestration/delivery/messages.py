"""What a message says, once, and how each channel spells it: plain text and HTML for e-mail,
Block Kit for Slack, an Adaptive Card for Teams.

A status is always written as a word (Off target, Near target, On target) next to any colour,
so it reads in greyscale, in plain-text mail and to a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestration.report.formats import STATUS_WORDS

TEMPLATES = Path(__file__).parent / "templates"
STATUS_MARKS = {"green": "●", "amber": "▲", "red": "■", "no_data": "○", "no_target": "○"}
SLACK_STATUS = {
    "green": ":large_green_circle:",
    "amber": ":large_orange_diamond:",
    "red": ":red_square:",
}
TEAMS_COLOURS = {"green": "Good", "amber": "Warning", "red": "Attention"}


def status_word(status: str | None) -> str:
    return STATUS_WORDS.get(status or "no_data", status or "")


@dataclass(frozen=True)
class Item:
    """One KPI in a message: a status change, or a red or amber KPI in a digest."""

    kpi_id: str
    name: str
    period: str  # "November 2026"
    status: str
    value: str
    target: str
    owner: str | None = None
    previous_status: str | None = None
    note: str = ""  # "corrected: was alerted as Off target", "provisional"
    actions: tuple[str, ...] = ()  # the standing playbook (config actions:)
    open_actions: tuple[str, ...] = ()  # from the actions sheet, with due dates
    comments: tuple[str, ...] = ()  # from the comments sheet: "author: text"

    @property
    def headline(self) -> str:
        change = (
            f"{status_word(self.previous_status)} → {status_word(self.status)}"
            if self.previous_status
            else status_word(self.status)
        )
        return f"{self.name} ({self.period}): {change}"

    @property
    def figures(self) -> str:
        return f"{self.value} against a target of {self.target}"


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass
class Message:
    subject: str
    intro: str
    sections: list[Section] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # scores: label, value
    link: str | None = None
    attachment: tuple[str, bytes] | None = None  # file name, PDF bytes
    footer: str = ""


def as_text(message: Message) -> str:
    lines = [message.subject, "", message.intro]
    if message.facts:
        lines += ["", *[f"{label}: {value}" for label, value in message.facts]]
    for section in message.sections:
        lines += ["", section.title.upper()]
        for item in section.items:
            lines.append(f"{STATUS_MARKS.get(item.status, '')} {item.headline}")
            lines.append(f"    {item.figures}" + (f" — {item.note}" if item.note else ""))
            if item.owner:
                lines.append(f"    Owner: {item.owner}")
            lines += [f"    Comment: {c}" for c in item.comments]
            lines += [f"    Action: {a}" for a in item.open_actions]
            lines += [f"    Playbook: {a}" for a in item.actions]
    if message.link:
        lines += ["", f"Open the scorecard: {message.link}"]
    if message.footer:
        lines += ["", message.footer]
    return "\n".join(lines) + "\n"


def as_html(message: Message) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]))
    return env.get_template("email.html.j2").render(
        message=message, status_word=status_word, marks=STATUS_MARKS
    )


def as_slack(message: Message) -> dict:
    """Incoming-webhook payload: `text` is the notification fallback, `blocks` the message."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(message.intro)}},
    ]
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(k)}*\n{_slack_escape(v)}"}
                    for k, v in message.facts[:10]
                ],
            }
        )
    for section in message.sections:
        if not section.items:
            continue
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{_slack_escape(section.title)}*"},
            }
        )
        for item in section.items[:20]:  # Slack allows 50 blocks
            text = [
                f"{SLACK_STATUS.get(item.status, '')} *{_slack_escape(item.headline)}*",
                _slack_escape(item.figures + (f" — {item.note}" if item.note else "")),
            ]
            if item.owner:
                text.append(f"Owner: {_slack_escape(item.owner)}")
            text += [f"> {_slack_escape(c)}" for c in item.comments]
            text += [f"• {_slack_escape(a)}" for a in (*item.open_actions, *item.actions)[:4]]
            blocks.append(
                {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(text)[:2900]}}
            )
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the scorecard"},
                        "url": message.link,
                    }
                ],
            }
        )
    if message.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _slack_escape(message.footer)}],
            }
        )
    return {"text": message.subject, "blocks": blocks}


def as_teams(message: Message) -> dict:
    """Workflow-webhook payload: one message with an Adaptive Card (schema 1.4)."""
    body: list[dict] = [
        {
            "type": "TextBlock",
            "text": message.subject,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": message.intro, "wrap": True},
    ]
    if message.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in message.facts]}
        )
    for section in message.sections:
        if not section.items:
            continue
        body.append(
            {
                "type": "TextBlock",
                "text": section.title,
                "weight": "Bolder",
                "separator": True,
                "wrap": True,
            }
        )
        for item in section.items:
            body.append(
                {
                    "type": "TextBlock",
                    "text": f"{STATUS_MARKS.get(item.status, '')} {item.headline}",
                    "color": TEAMS_COLOURS.get(item.status, "Default"),
                    "weight": "Bolder",
                    "wrap": True,
                }
            )
            facts = [{"title": "Value", "value": item.figures}]
            if item.note:
                facts.append({"title": "Note", "value": item.note})
            if item.owner:
                facts.append({"title": "Owner", "value": item.owner})
            facts += [{"title": "Comment", "value": c} for c in item.comments]
            facts += [{"title": "Action", "value": a} for a in (*item.open_actions, *item.actions)]
            body.append({"type": "FactSet", "facts": facts})
    if message.footer:
        body.append({"type": "TextBlock", "text": message.footer, "isSubtle": True, "wrap": True})
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the scorecard", "url": message.link}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters; text from config and sheets is data
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
