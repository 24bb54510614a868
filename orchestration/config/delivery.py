"""Who hears about the scorecard, and how: channels, people, status-change alerts, digests.

Every key is optional: a config without them alerts nobody and sends no digest. Webhook URLs
and SMTP logins are secrets (`env:NAME`), resolved only when a message is sent.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import ConfigPath
from connectors.periods import GRAINS
from connectors.secrets import EnvRef

ChannelName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Status = Literal["green", "amber", "red"]
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _addresses(v: str | list[str]) -> list[str]:
    values = [v] if isinstance(v, str) else list(v)
    for a in values:
        if not EMAIL.fullmatch(a):
            raise ValueError(f"'{a}' is not an e-mail address like name@example.com")
    return values


class Smtp(_Model):
    """How mail leaves: one SMTP server for every e-mail channel and person."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description="starttls (port 587, the default), ssl (port 465) or none (a local relay).",
    )
    username: EnvRef | None = Field(default=None, description="env:NAME of the login.")
    password: EnvRef | None = Field(default=None, description="env:NAME of the password.")
    sender: str = Field(description="From address, e.g. 'Scorecard <scorecard@example.com>'.")
    ca_file: ConfigPath | None = Field(
        default=None,
        description="PEM file of the CA that signed the server's certificate, when it is not "
        "one the system trusts (a company CA).",
    )
    timeout_seconds: float = Field(default=30, gt=0)


class SlackChannel(_Model):
    type: Literal["slack"]
    webhook: EnvRef = Field(description="env:NAME of a Slack incoming-webhook URL.")


class TeamsChannel(_Model):
    type: Literal["teams"]
    webhook: EnvRef = Field(
        description="env:NAME of a Microsoft Teams workflow webhook URL (Workflows app: "
        "'Post to a channel when a webhook request is received')."
    )


class EmailChannel(_Model):
    type: Literal["email"]
    to: list[str] = Field(min_length=1, description="Addresses (a team list).")

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, v):
        return _addresses(v)


Channel = Annotated[SlackChannel | TeamsChannel | EmailChannel, Field(discriminator="type")]


class Person(_Model):
    """A KPI owner (the `owner:` of a KPI) and where they hear about their KPIs."""

    email: list[str] = Field(default_factory=list)
    channels: list[ChannelName] = Field(
        default_factory=list, description="Channels of their own (a team's Slack channel)."
    )

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v):
        return _addresses(v)


class Alerts(_Model):
    webhook: EnvRef | None = Field(
        default=None,
        description="env:NAME of a Slack-compatible incoming-webhook URL; a failed run posts "
        "one message there (the URL is a secret: it is never logged or sent anywhere else).",
    )
    grains: list[Literal[GRAINS]] = Field(
        default_factory=lambda: ["month"],
        description="The grains whose status changes are alerted (newest settled period).",
    )
    statuses: list[Status] = Field(
        default_factory=lambda: ["green", "amber", "red"],
        description="Alert a change *to* these statuses (drop green to hear only bad news).",
    )
    team: list[ChannelName] = Field(
        default_factory=list, description="Channels that get a summary of every change."
    )
    owners: bool = Field(
        default=True, description="Also tell each KPI owner (people:) about their own KPIs."
    )
    retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed send.")
    backoff_seconds: float = Field(
        default=2.0, ge=0, description="First wait before a retry; doubles each time."
    )


class Digest(_Model):
    """A scheduled message with the scorecard: scores, red and amber KPIs, the page."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    schedule: str = Field(
        default="first_working_day",
        description="first_working_day (of the month), monday (first working day of the "
        "week), or a cron expression.",
    )
    at: str = Field(default="08:00", description="Time of day (business time zone).")
    grain: Literal["week", "month", "quarter", "year"] = "month"
    to: list[ChannelName] = Field(default_factory=list, description="Channels.")
    people: list[str] = Field(default_factory=list, description="People (by name) to e-mail.")
    page: Literal["attach", "link"] = Field(
        default="attach",
        description="attach: the page as PDF on e-mails (chat channels get the link when "
        "report.url is set); link: every message links to report.url.",
    )
    holidays: list[date] = Field(
        default_factory=list, description="Days that are not working days (besides weekends)."
    )

    @field_validator("at")
    @classmethod
    def _at(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError(f"'{v}' is not a time of day like 08:00")
        return v

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        if v not in ("first_working_day", "monday") and not is_cron(v):
            raise ValueError(f"'{v}' is neither first_working_day, monday nor a cron expression")
        return v


def is_cron(text: str) -> bool:
    """A cron expression Dagster accepts (its own check, through its public API)."""
    import dagster as dg

    try:
        dg.ScheduleDefinition(name="check", cron_schedule=text, job_name="check")
    except dg.DagsterInvalidDefinitionError:
        return False
    return True


def delivery_problems(config) -> list[str]:
    """Cross-references between channels, people, alerts and digests."""
    problems = []
    channels = config.channels
    known = ", ".join(channels) or "(none)"
    for name, person in config.people.items():
        for c in person.channels:
            if c not in channels:
                problems.append(f"people.{name}.channels: unknown channel '{c}'; channels: {known}")
    for c in config.alerts.team:
        if c not in channels:
            problems.append(f"alerts.team: unknown channel '{c}'; channels: {known}")
    names = [d.name for d in config.deliver]
    for i, d in enumerate(config.deliver):
        if names.index(d.name) != i:
            problems.append(f"deliver[{i}].name: digest name '{d.name}' is used twice")
        for c in d.to:
            if c not in channels:
                problems.append(f"deliver[{i}].to: unknown channel '{c}'; channels: {known}")
        for p in d.people:
            if p not in config.people:
                problems.append(
                    f"deliver[{i}].people: '{p}' is not in people:; "
                    f"people: {', '.join(config.people) or '(none)'}"
                )
        if not d.to and not d.people:
            problems.append(f"deliver[{i}]: name channels (`to:`) or `people:` to send it to")
        if d.page == "link" and config.report.url is None:
            problems.append(f"deliver[{i}].page: 'link' needs report.url (where readers open it)")
    mails = any(c.type == "email" for c in channels.values()) or any(
        p.email for p in config.people.values()
    )
    if mails and config.smtp is None:
        problems.append("smtp: e-mail channels and people's addresses need an smtp: server")
    return problems
