"""A local Google Ads API (REST `googleAds:searchStream`), enough for our connector.

It speaks the documented wire format: `POST /{version}/customers/{id}/googleAds:searchStream`
with a JSON body `{"query": GAQL}`, answered by a JSON **array of result batches**
(`[{"results": [...], "fieldMask": ..., "requestId": ...}, ...]`, `batch_size` rows each) in
proto3 JSON — camelCase names, int64 values as strings, and fields holding their default value
(0, "") left out. Errors are `{"error": {code, message, status, details: [GoogleAdsFailure]}}`.

It checks what Google checks: the `developer-token` header, the bearer token (`tokens`, plus
every token the `token_endpoint` issued; others get 401 UNAUTHENTICATED, `expired` ones
OAUTH_TOKEN_EXPIRED), and, for accounts reached through a manager (`manager`), the
`login-customer-id` header. It reads GAQL enough to answer the `customer` query and the
`campaign` query with its `segments.date BETWEEN` dates.

It has a clock (`now`) read in each account's own time zone and answers as Google does: a
query reaching a day that is not over in the account's zone gets that day's numbers so far
(the share of the day elapsed, rounded down) and nothing for later days; `partial_asks`
records such queries, so a test can prove the connector never asked for a running day.

Scripted trouble: `throttle` 429 RESOURCE_EXHAUSTED answers (with `Retry-After`),
`approved=False` (developer token for test accounts only: 403 DEVELOPER_TOKEN_NOT_APPROVED),
`denied` customers (403 USER_PERMISSION_DENIED), `break_stream` (an error inside a 200 stream).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.wrappers import Request, Response

PATH = re.compile(r"^/(v\d+)/customers/([^/]+)/googleAds:searchStream$")
QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<resource>\w+)(?:\s+WHERE\s+(?P<where>.+?))?\s*$",
    re.I | re.S,
)
BETWEEN = re.compile(
    r"^segments\.date\s+BETWEEN\s+'(\d{4}-\d{2}-\d{2})'\s+AND\s+'(\d{4}-\d{2}-\d{2})'$", re.I
)
INT64 = {
    "customer.id",
    "campaign.id",
    "metrics.cost_micros",
    "metrics.impressions",
    "metrics.clicks",
}
FIELDS = {
    "customer": {
        "customer.id",
        "customer.descriptive_name",
        "customer.currency_code",
        "customer.time_zone",
    },
    "campaign": {
        "campaign.id",
        "campaign.name",
        "segments.date",
        "metrics.cost_micros",
        "metrics.impressions",
        "metrics.clicks",
        "metrics.conversions",
        "metrics.conversions_value",
    },
}
FAILURE = "type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure"


def zone(name: str) -> ZoneInfo:
    """An account's zone; one Python's tz database lacks counts as UTC-12 (Google knows it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Etc/GMT+12")


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


@dataclass
class FakeAccount:
    """A customer account: campaign id -> name, and (campaign id, day) -> metrics by their
    GAQL names (cost_micros, impressions, clicks, conversions, conversions_value; missing: 0)."""

    id: str
    currency: str
    time_zone: str
    name: str = ""
    manager: bool = False  # a manager account: asking it for metrics is refused
    campaigns: dict[str, str] = field(default_factory=dict)
    days: dict[tuple[str, date], dict[str, float]] = field(default_factory=dict)


@dataclass
class FakeGoogleAds:
    developer_token: str
    now: datetime  # the platform's clock
    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)  # access tokens accepted
    expired: set[str] = field(default_factory=set)  # refused as OAUTH_TOKEN_EXPIRED
    token_endpoint: object | None = None  # a FakeTokenEndpoint: its issued tokens are accepted
    manager: str | None = None  # accounts reachable only with login-customer-id: this
    version: str = "v22"
    batch_size: int = 2  # rows per streamed batch
    throttle: int = 0  # the next this many calls answer 429 RESOURCE_EXHAUSTED
    retry_after: str | None = "0"
    approved: bool = True  # False: the developer token is for test accounts only
    denied: set[str] = field(default_factory=set)  # customers the user has no access to
    break_stream: bool = False  # the next stream ends in an error after its first batch
    requests: list[dict] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # the status of every answer
    partial_asks: list[tuple[str, str]] = field(default_factory=list)  # (customer, end day)

    def install(self, httpserver) -> str:
        httpserver.expect_request(PATH, method="POST").respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}"

    def add(self, account: FakeAccount) -> FakeAccount:
        self.accounts[account.id] = account
        return account

    def handle(self, request: Request) -> Response:
        response = self.answer(request)
        self.answers.append(response.status_code)
        return response

    def accepted(self) -> set[str]:
        issued = set(getattr(self.token_endpoint, "issued", None) or ())
        return (self.tokens | issued) - self.expired

    def answer(self, request: Request) -> Response:
        version, customer = PATH.match(request.path).groups()
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = {}
        self.requests.append(
            {
                "customer": customer,
                "query": body.get("query"),
                "headers": dict(request.headers),
                "content_type": request.content_type,
            }
        )
        if version != self.version:
            return Response("Not Found", status=404)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.expired:
            return self.error(
                401,
                "UNAUTHENTICATED",
                {"authenticationError": "OAUTH_TOKEN_EXPIRED"},
                "OAuth token in the header has expired.",
            )
        if token not in self.accepted():
            return self.error(
                401,
                "UNAUTHENTICATED",
                {"authenticationError": "OAUTH_TOKEN_INVALID"},
                "OAuth token in the header is not valid.",
            )
        if request.headers.get("developer-token") != self.developer_token:
            return self.error(
                401,
                "UNAUTHENTICATED",
                {"authenticationError": "DEVELOPER_TOKEN_INVALID"},
                "The developer token is invalid.",
            )
        if not re.fullmatch(r"\d{10}", customer):
            return self.error(
                400,
                "INVALID_ARGUMENT",
                {"authenticationError": "CLIENT_CUSTOMER_ID_INVALID"},
                "Client customer ID is not a number.",
            )
        if not (request.content_type or "").startswith("application/json") or not body.get("query"):
            return self.error(
                400, "INVALID_ARGUMENT", {"requestError": "INVALID_INPUT"}, "A query is required."
            )
        if self.throttle > 0:
            self.throttle -= 1
            return self.error(
                429,
                "RESOURCE_EXHAUSTED",
                {"quotaError": "RESOURCE_EXHAUSTED"},
                "Too many requests. Retry in 1 seconds.",
                details={
                    "quotaErrorDetails": {
                        "rateScope": "DEVELOPER",
                        "rateName": "Number of operations for basic access",
                        "retryDelay": "1s",
                    }
                },
                headers={"Retry-After": self.retry_after} if self.retry_after else {},
            )
        if not self.approved:
            return self.error(
                403,
                "PERMISSION_DENIED",
                {"authorizationError": "DEVELOPER_TOKEN_NOT_APPROVED"},
                "The developer token is only approved for use with test accounts. To access non-test accounts, apply for Basic or Standard access.",
            )
        login = request.headers.get("login-customer-id")
        if self.manager is not None and login not in (None, self.manager):
            return self.error(
                403,
                "PERMISSION_DENIED",
                {"authorizationError": "INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION"},
                "The login customer specified does not have access to the account specified, so the request is invalid.",
            )
        if customer in self.denied or (self.manager is not None and login is None):
            return self.error(
                403,
                "PERMISSION_DENIED",
                {"authorizationError": "USER_PERMISSION_DENIED"},
                "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer ID must be set in the 'login-customer-id' header.",
            )
        account = self.accounts.get(customer)
        if account is None:
            return self.error(
                400,
                "INVALID_ARGUMENT",
                {"authenticationError": "CUSTOMER_NOT_FOUND"},
                "No customer found for the provided customer id.",
            )
        return self.search(account, body["query"])

    def search(self, account: FakeAccount, gaql: str) -> Response:
        m = QUERY.match(gaql)
        if not m:
            return self.query_error("QUERY_ERROR", f"Error in query: {gaql!r}.")
        resource = m.group("resource").lower()
        fields = [f.strip() for f in m.group("fields").split(",")]
        unknown = [f for f in fields if f not in FIELDS.get(resource, ())]
        if unknown:
            return self.query_error(
                "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{unknown[0]}'."
            )
        if resource == "customer":
            if m.group("where"):
                return self.query_error(
                    "UNEXPECTED_WHERE_CLAUSE", "The fake answers customer queries without WHERE."
                )
            rows = [self.row(account, fields, None, None)]
        else:
            between = BETWEEN.match((m.group("where") or "").strip())
            if not between or "segments.date" not in fields:
                return self.query_error(
                    "EXPECTED_FILTERS_ON_DATE_RANGE",
                    "Filters on segments.date with BETWEEN are expected.",
                )
            if account.manager:
                return self.query_error(
                    "REQUESTED_METRICS_FOR_MANAGER",
                    "Metrics cannot be requested for a manager account. To retrieve metrics, issue separate requests against each client account under the manager account.",
                )
            start, end = (date.fromisoformat(d) for d in between.groups())
            if start > end:
                return self.query_error(
                    "INVALID_VALUE_WITH_BETWEEN_OPERATOR",
                    "The first value must not be after the second.",
                )
            local = self.now.astimezone(zone(account.time_zone))
            today = local.date()
            if end >= today:
                self.partial_asks.append((account.id, end.isoformat()))
            keys = sorted(
                ((c, d) for c, d in account.days if start <= d <= min(end, today)),
                key=lambda k: (k[1], k[0]),
            )
            # the running day holds what has happened so far
            elapsed = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)) / (
                timedelta(days=1)
            )
            rows = [
                self.row(account, fields, c, d, share=elapsed if d == today else 1.0)
                for c, d in keys
            ]
        return self.stream(rows, fields)

    def row(
        self,
        account: FakeAccount,
        fields: list[str],
        campaign: str | None,
        day: date | None,
        share: float = 1.0,
    ) -> dict:
        metrics = account.days.get((campaign, day), {}) if campaign else {}
        if share < 1.0:  # a day still running: its numbers so far
            metrics = {k: int(v * share) for k, v in metrics.items()}
        values = {
            "customer.id": account.id,
            "customer.descriptive_name": account.name,
            "customer.currency_code": account.currency,
            "customer.time_zone": account.time_zone,
            "campaign.id": campaign,
            "campaign.name": account.campaigns.get(campaign, "") if campaign else "",
            "segments.date": day.isoformat() if day else "",
        }
        row: dict = {}
        for name in fields:
            resource, attribute = name.split(".", 1)
            value = metrics.get(attribute, 0) if resource == "metrics" else values[name]
            if resource in ("customer", "campaign"):
                path = f"customers/{account.id}" + (
                    f"/campaigns/{campaign}" if resource == "campaign" else ""
                )
                row.setdefault(resource, {"resourceName": path})
            if not value:  # proto3 JSON leaves default values out (a row of zeros: no metrics)
                continue
            if name in INT64:
                value = str(int(value))
            row.setdefault(resource, {})[camel(attribute)] = value
        return row

    def stream(self, rows: list[dict], fields: list[str]) -> Response:
        mask = ",".join(camel(f) for f in fields)
        request_id = f"fake-{len(self.requests):06d}"
        chunks = [rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size)]
        batches = [
            {"results": chunk, "fieldMask": mask, "requestId": request_id} for chunk in chunks
        ]
        if not batches:
            batches = [{"fieldMask": mask, "requestId": request_id}]
        batches[-1]["queryResourceConsumption"] = str(10 * len(rows) + 1)
        if self.break_stream:
            self.break_stream = False
            batches = [
                *batches[:1],
                self.failure(
                    500,
                    "INTERNAL",
                    {"internalError": "INTERNAL_ERROR"},
                    "Internal error encountered.",
                ),
            ]
        return Response(json.dumps(batches), content_type="application/json")

    def query_error(self, code: str, message: str) -> Response:
        return self.error(400, "INVALID_ARGUMENT", {"queryError": code}, message)

    def failure(
        self, code: int, status: str, error_code: dict, message: str, details: dict | None = None
    ) -> dict:
        error = {"errorCode": error_code, "message": message}
        if details:
            error["details"] = details
        return {
            "error": {
                "code": code,
                "message": "The caller does not have permission" if code == 403 else message,
                "status": status,
                "details": [
                    {
                        "@type": FAILURE.format(version=self.version),
                        "errors": [error],
                        "requestId": f"fake-{len(self.requests):06d}",
                    }
                ],
            }
        }

    def error(
        self,
        code: int,
        status: str,
        error_code: dict,
        message: str,
        *,
        details: dict | None = None,
        headers: dict | None = None,
    ) -> Response:
        body = self.failure(code, status, error_code, message, details)
        return Response(
            json.dumps(body), status=code, headers=headers or {}, content_type="application/json"
        )
