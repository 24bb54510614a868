"""A real SMTP server (aiosmtpd) that demands STARTTLS and a login, as a company relay or
Office 365's submission port does, and keeps every message it accepted."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services.postgres import free_port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class FakeSmtp:
    login: str
    password: str
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    failed_logins: int = 0
    refuse_next: int = 0  # answer this many DATA commands with a temporary 451

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.login
            and auth_data.password.decode() == self.password
        )
        if not ok:
            self.failed_logins += 1
        # handled=False: aiosmtpd answers the failure itself (535), as a real server does
        return AuthResult(success=ok, handled=ok)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m, r in zip(self.messages, self.recipients, strict=True) if address in r]


def start_smtp(folder: Path, login: str, password: str):
    """(server, controller, port, ca_file): stop the controller when done."""
    cert, key = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = FakeSmtp(login, password)
    port = free_port()
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
        authenticator=server.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    return server, controller, port, cert
