"""The GA4 Data API through Google's own client (REST transport), with our retry policy.

Google's client does the wire format and authentication; around each call we add what every
connector gets: a timeout, retries with backoff and jitter on 5xx and timeouts, `Retry-After`
on 429, hourly-quota waits within a budget, and one clear error for each kind of refusal.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.api_core import exceptions as gexc
from google.api_core import retry as google_retry

from connectors.http import (
    AuthError,
    QuotaExhausted,
    RequestError,
    RetryPolicy,
    TransientError,
    retry_after_seconds,
)
from connectors.pagination import OffsetPaginator, PageRequest, walk
from connectors.secrets import remember, resolve_secret

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # Google's OAuth token endpoint
LAST_ZONE = "Etc/GMT+12"  # UTC-12: the last place on earth where a day ends
TRANSIENT = (
    gexc.InternalServerError,
    gexc.BadGateway,
    gexc.ServiceUnavailable,
    gexc.GatewayTimeout,
    gexc.DeadlineExceeded,
)


def _message(error) -> str:
    """Google's error text without the "POST http://...: " it starts with."""
    return re.sub(r"^[A-Z]+ \S+: ", "", str(getattr(error, "message", error)).strip())


def credentials_for(config):
    """A user's refresh token (`oauth`: Google's client fetches and renews the access token
    itself), a ready access token, or a service-account key file (all env: references)."""
    if config.oauth is not None:
        from google.oauth2.credentials import Credentials

        oauth = config.oauth
        return Credentials(
            token=None,
            refresh_token=resolve_secret(oauth.refresh_token, key="oauth.refresh_token"),
            client_id=resolve_secret(oauth.client_id, key="oauth.client_id"),
            client_secret=resolve_secret(oauth.client_secret, key="oauth.client_secret"),
            token_uri=oauth.token_url or TOKEN_URL,
        )
    if config.access_token:
        from google.oauth2.credentials import Credentials

        return Credentials(token=resolve_secret(config.access_token, key="access_token"))
    from google.oauth2 import service_account

    path = Path(resolve_secret(config.credentials, key="credentials"))
    if not path.is_file():
        raise AuthError(
            config.name,
            f"credentials point to {path}, which is not a file; set "
            f"{config.credentials[4:]} to the path of the service account's JSON key",
        )
    try:
        return service_account.Credentials.from_service_account_file(str(path), scopes=[SCOPE])
    except (ValueError, KeyError) as e:
        raise AuthError(
            config.name, f"{path} is not a service-account JSON key ({type(e).__name__})"
        ) from None


class _Attempt:
    """One report call's retry decisions, for google's Retry (predicate and on_error)."""

    def __init__(self, api: GA4Api, property_id: str):
        self.api, self.property_id = api, property_id
        self.transient_retries = 0
        self.quota_refusal: str | None = None  # why a 429 is not retried: the error to raise
        self.wait = 0.0

    def retryable(self, error: Exception) -> bool:
        api, policy = self.api, self.api.policy
        if isinstance(error, gexc.TooManyRequests):
            message = _message(error)
            if "per day" in message.lower():
                self.quota_refusal = (
                    f"GA4 property {self.property_id} has used its daily quota ({message}); the "
                    "run stops here and the next run continues from the same window"
                )
                return False
            headers = getattr(getattr(error, "response", None), "headers", None)
            self.wait = retry_after_seconds(headers) or policy.delay(self.transient_retries + 1)
            if api.quota_waited + self.wait > api.config.quota_wait_seconds:
                self.quota_refusal = (
                    f"GA4 property {self.property_id} is over its hourly quota ({message}) and "
                    f"waiting longer than quota_wait_seconds={api.config.quota_wait_seconds} "
                    "would be needed; the run stops cleanly and the next run continues"
                )
                return False
            return True
        return _is_transient(error) and self.transient_retries < policy.attempts

    def before_retry(self, error: Exception) -> None:
        api = self.api
        if isinstance(error, gexc.TooManyRequests):
            # the server said how long; google's backoff is added on top of it
            api.quota_waited += self.wait
            api.log.warning(
                f"{api.config.name}: GA4 property {self.property_id} throttled (429); "
                f"waiting {self.wait:.1f} s as asked"
            )
            time.sleep(self.wait)
            return
        self.transient_retries += 1
        api.log.warning(
            f"{api.config.name}: GA4 {type(error).__name__} for property {self.property_id}; "
            f"retry {self.transient_retries} of {api.policy.attempts}"
        )

    def error(self, error: Exception) -> Exception:
        """Our error for what the retry gave up on or never retried."""
        api, name = self.api, self.api.config.name
        if isinstance(error, gexc.TooManyRequests) and self.quota_refusal:
            return QuotaExhausted(name, self.quota_refusal)
        if _is_transient(error):
            return TransientError(
                name,
                f"GA4 property {self.property_id} kept failing ({type(error).__name__}: "
                f"{_message(error)}) after {self.transient_retries} retries; try again later",
            )
        from google.auth.exceptions import RefreshError

        if isinstance(error, RefreshError | gexc.Unauthenticated):
            return AuthError(
                name,
                "GA4 rejected the credentials (expired or revoked token, or a disabled service "
                f"account); renew the value of {api._credential_variable()}",
            )
        if isinstance(error, gexc.Unauthorized | gexc.Forbidden | gexc.NotFound | gexc.BadRequest):
            return api._refusal(error, self.property_id)
        return error


def _is_transient(error: Exception) -> bool:
    """5xx, timeouts and dropped connections: worth another try."""
    import requests
    from google.auth.exceptions import TransportError

    return isinstance(
        error,
        (
            *TRANSIENT,
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            TransportError,
        ),
    )


class GA4Api:
    def __init__(self, config, *, log: logging.Logger, policy: RetryPolicy | None = None):
        from google.analytics.data_v1beta import BetaAnalyticsDataClient

        self.config = config
        self.log = log
        self.policy = policy or RetryPolicy()
        self.credentials = credentials_for(config)
        options = {"api_endpoint": config.api_endpoint} if config.api_endpoint else None
        self.client = BetaAnalyticsDataClient(
            transport="rest", credentials=self.credentials, client_options=options
        )
        self.quota_waited = 0.0

    def run_report(self, request: dict, property_id: str):
        """One page of one report. Google's own retry object does all the retrying, on our
        policy: transient failures with backoff, and GA4's hourly quota for as long as the
        server asks (`Retry-After`) within `quota_wait_seconds`. What it gives up on, or never
        retries, is raised as one of our errors, saying what to do."""
        attempt = _Attempt(self, property_id)
        retry = google_retry.Retry(
            predicate=attempt.retryable,
            initial=self.policy.backoff,
            maximum=self.policy.max_backoff,
            multiplier=2.0,
            timeout=None,  # the predicate counts retries and the quota budget
            on_error=attempt.before_retry,
        )
        try:
            response = self.client.run_report(
                request=request, retry=retry, timeout=self.policy.timeout
            )
        except Exception as e:
            raise attempt.error(e) from None
        remember(getattr(self.credentials, "token", None))
        return response

    def _refusal(self, error, property_id: str):
        message = _message(error)
        if isinstance(error, gexc.Unauthorized):
            return AuthError(
                self.config.name,
                f"GA4 rejected the credentials ({message}); renew the value of "
                f"{self._credential_variable()}",
            )
        if isinstance(error, gexc.Forbidden):
            return AuthError(
                self.config.name,
                f"GA4 refused access to property {property_id} ({message}); give the service "
                "account or user the Viewer role in GA4 Admin > Property access management, "
                "and check the property id",
            )
        if isinstance(error, gexc.NotFound):
            return RequestError(
                self.config.name,
                f"GA4 property {property_id} was not found ({message}); check property_ids",
            )
        return RequestError(
            self.config.name,
            f"GA4 refused a report for property {property_id} ({message}); check "
            "daily_metrics / period_metrics for retired or misspelt metric names",
        )

    def _credential_variable(self) -> str:
        if self.config.oauth is not None:
            refresh = self.config.oauth.refresh_token[4:]
            return f"{refresh} with a new refresh token (authorise the app again)"
        return (self.config.access_token or self.config.credentials)[4:]

    def time_zone(self, property_id: str, day) -> str:
        """The property's reporting time zone, from the metadata of a one-row report."""
        response = self.run_report(
            {
                "property": f"properties/{property_id}",
                "metrics": [{"name": "sessions"}],
                "date_ranges": [{"start_date": day.isoformat(), "end_date": day.isoformat()}],
                "limit": 1,
            },
            property_id,
        )
        zone = response.metadata.time_zone
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            # unknown: assume the zone where days end last, so no partial day is ever landed
            self.log.warning(
                f"{self.config.name}: GA4 property {property_id} reported time zone {zone!r}, "
                f"which is not an IANA zone; its days are taken as ending at {LAST_ZONE}"
            )
            return LAST_ZONE
        return zone

    def pages(self, spec, property_id: str, page_size: int):
        """Every page of a report: limit/offset until `rowCount` rows have come back."""
        paginator = OffsetPaginator(
            limit=page_size, total=lambda page: page.body.row_count, in_body=True
        )
        request = PageRequest(f"properties/{property_id}", json=spec.request(property_id))
        for page in walk(
            lambda req: (None, self.run_report(req.json, property_id)),
            request,
            paginator,
            records=lambda response: list(response.rows),
        ):
            yield page.body
