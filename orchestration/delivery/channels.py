"""Send a message to one recipient: a Slack or Teams webhook, or e-mail over SMTP.

Sends are retried with exponential backoff (urllib3's `Retry` for webhooks, honouring
`Retry-After`; the same schedule for SMTP), then reported, never raised: a message that cannot
be delivered must not take the scorecard down with it. Webhook URLs and SMTP logins are secrets:
errors name the recipient and the kind of failure, never a URL or a login.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.secrets import redact, resolve_secret
from orchestration.delivery.messages import Message, as_html, as_slack, as_teams, as_text

RETRIED_STATUSES = (408, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Recipient:
    """Where one message goes: a channel (`kind` slack / teams / email) or a person's mail."""

    id: str  # "channel:team_slack", "person:Web team" (stable: the alert ledger keys on it)
    kind: str
    label: str  # what logs and `scorecard status` show
    webhook: str | None = None  # env:NAME
    addresses: tuple[str, ...] = ()


@dataclass
class Delivery:
    recipient: str
    channel: str  # slack, teams or email
    ok: bool
    attempts: int
    error: str | None = None
    sent_at: str | None = None

    def as_dict(self) -> dict:
        return {
            "recipient": self.recipient,
            "channel": self.channel,
            "ok": self.ok,
            "attempts": self.attempts,
            "error": self.error,
            "sent_at": self.sent_at,
        }


class PermanentFailure(Exception):
    """Retrying cannot help (bad login, webhook gone, refused payload)."""


def channel_recipient(config, name: str) -> Recipient:
    channel = config.channels[name]
    if channel.type == "email":
        return Recipient(f"channel:{name}", "email", name, addresses=tuple(channel.to))
    return Recipient(f"channel:{name}", channel.type, name, webhook=channel.webhook)


def person_recipients(config, name: str) -> list[Recipient]:
    """A person's own mail (one message to all their addresses) and their own channels."""
    person = config.people.get(name)
    if person is None:
        return []
    out = []
    if person.email:
        out.append(Recipient(f"person:{name}", "email", name, addresses=tuple(person.email)))
    out += [channel_recipient(config, c) for c in person.channels]
    return out


def send(config, recipient: Recipient, message: Message) -> Delivery:
    retries, backoff = config.alerts.retries, config.alerts.backoff_seconds
    try:
        if recipient.kind == "email":
            attempts = _with_backoff(
                lambda: _send_mail(config, recipient, message), retries, backoff
            )
        else:
            payload = as_slack(message) if recipient.kind == "slack" else as_teams(message)
            attempts = _post(recipient, payload, retries, backoff)
    except Exception as e:  # reported, never raised: see the module docstring
        attempts = getattr(e, "attempts", 1)
        return Delivery(recipient.label, recipient.kind, False, attempts, _describe(e))
    return Delivery(
        recipient.label, recipient.kind, True, attempts, sent_at=datetime.now(UTC).isoformat()
    )


def _post(recipient: Recipient, payload: dict, retries: int, backoff: float) -> int:
    url = resolve_secret(recipient.webhook, key=f"channels.{recipient.label}.webhook")
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=None,  # a webhook POST is the whole point; retry it like a GET
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        try:
            response = session.post(url, json=payload, timeout=30)
        except requests.RequestException as e:
            # the exception's text holds the URL (a secret): keep only what went wrong
            raise _Failed(f"{type(e).__name__} after {retries + 1} attempts", retries + 1) from None
        history = response.raw.retries.history if response.raw.retries else ()
        attempts = len(history) + 1
        if response.status_code >= 400:
            raise _Failed(f"HTTP {response.status_code} after {attempts} attempts", attempts)
        return attempts


def _send_mail(config, recipient: Recipient, message: Message) -> None:
    smtp = config.smtp
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(recipient.addresses)
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[-1].strip("> "))
    mail.set_content(as_text(message))
    mail.add_alternative(as_html(message), subtype="html")
    if message.attachment:
        name, data = message.attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    user = resolve_secret(smtp.username, key="smtp.username")
    password = resolve_secret(smtp.password, key="smtp.password")
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    connect = smtplib.SMTP_SSL if smtp.security == "ssl" else smtplib.SMTP
    kwargs = {"context": context} if smtp.security == "ssl" else {}
    with connect(smtp.host, smtp.port, timeout=smtp.timeout_seconds, **kwargs) as server:
        if smtp.security == "starttls":
            server.starttls(context=context)
        if user:
            try:
                server.login(user, password or "")
            except smtplib.SMTPAuthenticationError as e:
                raise PermanentFailure(
                    f"the SMTP server refused the login ({e.smtp_code})"
                ) from None
        try:
            server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as e:
            raise PermanentFailure(
                f"the SMTP server refused {len(e.recipients)} recipient(s)"
            ) from None


def _with_backoff(send_once, retries: int, backoff: float) -> int:
    for attempt in range(1, retries + 2):
        try:
            send_once()
            return attempt
        except PermanentFailure as e:
            raise _Failed(str(e), attempt) from None
        except (smtplib.SMTPException, OSError) as e:
            if attempt > retries:
                raise _Failed(f"{_smtp_reason(e)} after {attempt} attempts", attempt) from None
            time.sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _smtp_reason(e: BaseException) -> str:
    code = getattr(e, "smtp_code", None)
    return f"{type(e).__name__}" + (f" {code}" if code else "")


class _Failed(Exception):
    def __init__(self, text: str, attempts: int):
        super().__init__(text)
        self.attempts = attempts


def _describe(e: BaseException) -> str:
    if isinstance(e, _Failed):
        return redact(str(e))
    return redact(f"{type(e).__name__}: {e}")
