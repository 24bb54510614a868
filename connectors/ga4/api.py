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

from connectors.http import (
    AuthError,
    QuotaExhausted,
    RequestError,
    RetryPolicy,
    TransientError,
    retry_after_seconds,
)
from connectors.secrets import remember, resolve_secret

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
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
    """A ready access token, or a service-account key file (both named by env: references)."""
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
        """One page of one report; retried as the policy says, refused errors explained."""
        retries = 0
        while True:
            try:
                response = self.client.run_report(
                    request=request, retry=None, timeout=self.policy.timeout
                )
                remember(getattr(self.credentials, "token", None))
                return response
            except gexc.TooManyRequests as e:
                delay = self._quota_delay(e, property_id, retries)
            except TRANSIENT as e:
                delay = self._transient_delay(e, property_id, retries)
            except (gexc.Unauthorized, gexc.Forbidden, gexc.NotFound, gexc.BadRequest) as e:
                raise self._refusal(e, property_id) from None
            except Exception as e:
                delay = self._other_delay(e, property_id, retries)
            retries += 1
            time.sleep(delay)

    def _quota_delay(self, error, property_id: str, retries: int) -> float:
        message = _message(error)
        if "per day" in message.lower():
            raise QuotaExhausted(
                self.config.name,
                f"GA4 property {property_id} has used its daily quota ({message}); the "
                "run stops here and the next run continues from the same window",
            )
        headers = getattr(getattr(error, "response", None), "headers", None)
        delay = retry_after_seconds(headers) or self.policy.delay(retries + 1)
        if self.quota_waited + delay > self.config.quota_wait_seconds:
            raise QuotaExhausted(
                self.config.name,
                f"GA4 property {property_id} is over its hourly quota ({message}) and "
                f"waiting longer than quota_wait_seconds={self.config.quota_wait_seconds} would "
                "be needed; the run stops cleanly and the next run continues",
            )
        self.quota_waited += delay
        self.log.warning(
            f"{self.config.name}: GA4 property {property_id} throttled (429); "
            f"waiting {delay:.1f} s as asked"
        )
        return delay

    def _transient_delay(self, error, property_id: str, retries: int) -> float:
        if retries >= self.policy.attempts:
            raise TransientError(
                self.config.name,
                f"GA4 property {property_id} kept failing ({type(error).__name__}: "
                f"{_message(error)}) after {retries} retries; try again later",
            ) from None
        delay = self.policy.delay(retries + 1)
        self.log.warning(
            f"{self.config.name}: GA4 {type(error).__name__} for property {property_id}; "
            f"retry {retries + 1} of {self.policy.attempts} in {delay:.1f} s"
        )
        return delay

    def _other_delay(self, error, property_id: str, retries: int) -> float:
        import requests
        from google.auth.exceptions import RefreshError, TransportError

        if isinstance(error, RefreshError | gexc.Unauthenticated):
            raise AuthError(
                self.config.name,
                "GA4 rejected the credentials (expired or revoked token, or a disabled service "
                f"account); renew the value of {self._credential_variable()}",
            ) from None
        if isinstance(
            error,
            requests.exceptions.ConnectionError | requests.exceptions.Timeout | TransportError,
        ):
            return self._transient_delay(error, property_id, retries)
        raise error

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
        offset = 0
        while True:
            response = self.run_report(
                spec.request(property_id, offset=offset, limit=page_size), property_id
            )
            yield response
            offset += len(response.rows)
            if not response.rows or offset >= response.row_count:
                return
