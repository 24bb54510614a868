"""A local OAuth 2.0 token endpoint (RFC 6749 §6, the refresh-token grant) as Google's
(`https://oauth2.googleapis.com/token`) and LinkedIn's (`/oauth/v2/accessToken`) answer it.

It checks every refresh request — form-encoded POST, `grant_type=refresh_token`, the right
client id, client secret and refresh token — and answers a new access token (`expires_in`
seconds), optionally with LinkedIn's `refresh_token_expires_in`. A wrong request gets
`400 invalid_grant` / `401 invalid_client` like the real endpoints. A fake API accepts exactly
the tokens in `issued` (or the one it was started with) and answers 401 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response


@dataclass
class FakeTokenEndpoint:
    client_id: str
    client_secret: str
    refresh_token: str
    path: str = "/token"
    expires_in: int = 3600
    refresh_token_expires_in: int | None = None  # LinkedIn: seconds the refresh token lives
    issued: list[str] = field(default_factory=list)  # access tokens handed out, in order
    requests: list[dict] = field(default_factory=list)  # every form received
    prefix: str = "renewed-access-token"

    def install(self, httpserver) -> str:
        httpserver.expect_request(self.path, method="POST").respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}{self.path}"

    @property
    def current(self) -> str | None:
        return self.issued[-1] if self.issued else None

    def handle(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        self.requests.append({"form": form, "content_type": request.content_type})
        if not (request.content_type or "").startswith("application/x-www-form-urlencoded"):
            return _error(400, "invalid_request", "form-encoded body required")
        if form.get("grant_type") != "refresh_token":
            return _error(400, "unsupported_grant_type", "only refresh_token is supported")
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _error(401, "invalid_client", "The OAuth client was not found.")
        if form.get("refresh_token") != self.refresh_token:
            return _error(400, "invalid_grant", "Token has been expired or revoked.")
        token = f"{self.prefix}-{len(self.issued) + 1:04d}-x9k2"
        self.issued.append(token)
        body = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        if self.refresh_token_expires_in is not None:
            body["refresh_token"] = self.refresh_token
            body["refresh_token_expires_in"] = self.refresh_token_expires_in
        return Response(json.dumps(body), status=200, content_type="application/json")


def _error(status: int, error: str, description: str) -> Response:
    body = {"error": error, "error_description": description}
    return Response(json.dumps(body), status=status, content_type="application/json")
