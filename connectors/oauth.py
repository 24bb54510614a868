"""Access tokens that renew themselves: OAuth 2.0 refresh-token flows (Google, LinkedIn).

A source configured with `oauth: {client_id, client_secret, refresh_token}` (all `env:`
secrets) never needs a person to paste a fresh access token: the first call fetches one from
the platform's token endpoint, a token about to expire is renewed before use, and a call the
API answers 401 (expired or revoked meanwhile) is renewed once and repeated. Every token
handed out is remembered for redaction, so none reaches a log line or an error.

What the token endpoint says about the refresh token's own lifetime (LinkedIn's
`refresh_token_expires_in`) is kept as `expires_at`, which `scorecard status` shows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from pydantic import BaseModel, ConfigDict, Field

from connectors.secrets import EnvRef, remember, resolve_secret

RENEW_BEFORE = timedelta(minutes=5)  # renew a token this long before the platform expires it


class OAuthConfig(BaseModel):
    """The refresh-token flow's keys (every secret as env:NAME)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    client_id: EnvRef = Field(description="env:NAME of the OAuth client id.")
    client_secret: EnvRef = Field(description="env:NAME of the OAuth client secret.")
    refresh_token: EnvRef = Field(description="env:NAME of the refresh token.")
    token_url: str | None = Field(
        default=None, description="Token endpoint override (default: the platform's own)."
    )


@dataclass
class TokenExpiry:
    """What is known about when a source's credentials stop working (for `scorecard status`)."""

    kind: str  # "refresh token", "long-lived token", "access token"
    expires_at: datetime | None  # None: does not expire on a known date
    renews_itself: bool

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "expires_at": self.expires_at.astimezone(UTC).isoformat() if self.expires_at else None,
            "renews_itself": self.renews_itself,
        }


class TokenError(RuntimeError):
    """The token endpoint refused to renew the token (message has no secret in it)."""


class StaticToken:
    """A ready access token from the environment: no renewal possible."""

    renews = False

    def __init__(self, token: str):
        self.token = token

    def header(self) -> str:
        return f"Bearer {self.token}"

    def renew(self) -> None:  # pragma: no cover - never called: renews is False
        raise TokenError("a ready access token cannot be renewed")

    def expiry(self) -> TokenExpiry:
        return TokenExpiry("access token", None, renews_itself=False)


class RefreshingToken:
    """An access token obtained, and renewed, through the refresh-token grant."""

    renews = True

    def __init__(
        self,
        config: OAuthConfig,
        default_token_url: str,
        *,
        timeout: float = 60.0,
        access_token: str | None = None,
    ):
        self.url = config.token_url or default_token_url
        self.client_id = resolve_secret(config.client_id, key="oauth.client_id")
        self.client_secret = resolve_secret(config.client_secret, key="oauth.client_secret")
        self.refresh_token = resolve_secret(config.refresh_token, key="oauth.refresh_token")
        self.timeout = timeout
        self.token = access_token  # a ready token may be given; renewed when refused
        self.valid_until: datetime | None = None
        self.refresh_expires_at: datetime | None = None
        self._lock = threading.Lock()

    def header(self) -> str:
        with self._lock:
            stale = self.valid_until is not None and datetime.now(UTC) >= self.valid_until
            if self.token is None or stale:
                self._renew()
            return f"Bearer {self.token}"

    def renew(self) -> None:
        with self._lock:
            self._renew()

    def expiry(self) -> TokenExpiry:
        return TokenExpiry("refresh token", self.refresh_expires_at, renews_itself=True)

    def _renew(self) -> None:
        try:
            response = requests.post(
                self.url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.refresh_token,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as e:
            raise TokenError(
                f"the token endpoint {self.url} could not be reached ({type(e).__name__})"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or response.reason
            raise TokenError(
                f"the token endpoint {self.url} refused to renew the access token "
                f"({response.status_code}: {reason}); the refresh token may be revoked or "
                "expired — authorise the app again and update the refresh token"
            )
        now = datetime.now(UTC)
        self.token = body["access_token"]
        remember(self.token)
        expires_in = body.get("expires_in")
        if expires_in:
            self.valid_until = now + timedelta(seconds=int(expires_in)) - RENEW_BEFORE
        if body.get("refresh_token"):  # a rotated refresh token replaces the old one
            self.refresh_token = body["refresh_token"]
            remember(self.refresh_token)
        if body.get("refresh_token_expires_in"):
            self.refresh_expires_at = now + timedelta(seconds=int(body["refresh_token_expires_in"]))


def token_source(
    *, access_token: str | None, oauth: OAuthConfig | None, token_url: str, timeout: float = 60.0
) -> StaticToken | RefreshingToken:
    """The token a source authenticates with: renewing itself when `oauth` is configured
    (starting from `access_token` when one is given too), else the ready `access_token`
    (both `env:` references)."""
    ready = resolve_secret(access_token, key="access_token") if access_token else None
    if oauth is not None:
        return RefreshingToken(oauth, token_url, timeout=timeout, access_token=ready)
    if ready is None:
        raise TokenError("neither access_token nor oauth is configured")
    return StaticToken(ready)
