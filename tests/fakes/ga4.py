"""A local GA4 Data API (v1beta runReport over REST/JSON), enough for our connector.

It speaks what Google's REST transport sends and expects: `POST /v1beta/properties/{id}:runReport`
with a camelCase JSON body (64-bit numbers as strings), and a RunReportResponse with
dimensionHeaders, metricHeaders, rows, rowCount, metadata and propertyQuota. Data comes from a
dict the test controls; failures can be scripted (429 with Retry-After, 500, 403).

It accepts its own `token`, the access tokens a local OAuth token endpoint issued
(`issued_by`, for the refresh-token flow) unless `revoked`, and service-account JWTs.

Like GA4, it has a clock (`now`) read in the property's time zone: today's numbers are
intraday (partial: the share of the day gone by) and later days have no rows at all.

Breakdown dimensions (sessionDefaultChannelGroup, ...) split each day's numbers over the
members the test declares (`members`), in whole units, so members add up to the totals as in a
session-scoped GA4 report; past `other_after` members, GA4's cardinality limit, the smallest
are folded into one `(other)` row and the metadata says `dataLossFromOtherRow`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

PATH = re.compile(r"^/v1beta/properties/(\d+):runReport$")
OVERLAP = 0.6  # distinct users of several days: fewer than the sum of daily users


@dataclass
class Failure:
    status: int
    message: str
    retry_after: str | None = None


@dataclass
class FakeGA4:
    token: str
    # property -> day -> metric -> value
    data: dict[str, dict[date, dict[str, float]]] = field(default_factory=dict)
    time_zone: str = "Europe/Copenhagen"
    currency: str = "DKK"
    thresholded: set[str] = field(default_factory=set)  # properties flagged as thresholded
    forbidden: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    # service accounts authenticate with self-signed JWTs: key id -> public key (PEM)
    service_accounts: dict[str, str] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # the platform's clock
    # GA4 dimension -> (member, share of the day's numbers); shares add up to 1
    members: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    other_after: int | None = None  # members kept before the rest fold into "(other)"
    # (dimension, member) -> added to that member's sessions: a report that does not add up
    skew: dict[tuple[str, str], float] = field(default_factory=dict)
    # a FakeTokenEndpoint (tests/fakes/oauth.py): the access tokens it issued are accepted too
    # (an OAuth refresh-token flow), except those revoked since
    issued_by: object | None = None
    revoked: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, httpserver) -> str:
        httpserver.expect_request(PATH, method="POST").respond_with_handler(self.handle)
        httpserver.expect_request("/token", method="POST").respond_with_handler(self.token_grant)
        return f"http://{httpserver.host}:{httpserver.port}"

    def fail_next(self, status: int, message: str, retry_after: str | None = None) -> None:
        self.failures.append(Failure(status, message, retry_after))

    # ── the API ────────────────────────────────────────────────────────────────
    def handle(self, request: Request) -> Response:
        property_id = PATH.match(request.path).group(1)
        body = json.loads(request.get_data() or b"{}")
        with self._lock:
            self.requests.append(
                {"property": property_id, "body": body, "headers": dict(request.headers)}
            )
            self.request_times.append(time.monotonic())
            if not self.authorized(request.headers.get("Authorization", "")):
                return _error(
                    401, "Request had invalid authentication credentials.", "UNAUTHENTICATED"
                )
            if property_id in self.forbidden:
                return _error(
                    403,
                    "User does not have sufficient permissions for this property.",
                    "PERMISSION_DENIED",
                )
            if self.failures:
                f = self.failures.pop(0)
                status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(
                    f.status, "UNKNOWN"
                )
                return _error(f.status, f.message, status, f.retry_after)
        return Response(json.dumps(self.report(property_id, body)), content_type="application/json")

    def authorized(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        if token in self.revoked:
            return False
        if token == self.token:
            return True
        if self.issued_by is not None and token in self.issued_by.issued:
            return True
        if self.service_accounts and token.count(".") == 2:
            from google.auth import jwt

            try:
                jwt.decode(token, certs=self.service_accounts, verify=True)  # checks the signature
            except ValueError:
                return False
            return True
        return False

    def report(self, property_id: str, body: dict) -> dict:
        dims = [d["name"] for d in body.get("dimensions", [])]
        metrics = [m["name"] for m in body.get("metrics", [])]
        [date_range] = body["dateRanges"]
        start = date.fromisoformat(date_range["startDate"])
        end = date.fromisoformat(date_range["endDate"])
        days = self.as_of_now(self.data.get(property_id, {}))
        breakdown = next((d for d in dims if d in self.members), None)
        time_dims = [d for d in dims if d != breakdown]
        groups: dict[str, list[date]] = defaultdict(list)
        d = start
        while d <= min(end, self.today()):  # days that have not begun have no rows
            groups[_dimension_value(time_dims[0], d) if time_dims else ""].append(d)
            d += timedelta(days=1)
        folded = False
        rows = []
        for key in sorted(groups):
            if breakdown:
                members, folded = self.member_totals(days, groups[key], metrics, breakdown)
            else:
                members = {None: [self.total(days, groups[key], m) for m in metrics]}
            for member in sorted(members, key=lambda m: m or ""):
                values = members[member]
                if breakdown and not any(values):
                    continue  # GA4 leaves members without data out
                if not body.get("keepEmptyRows") and not any(values):
                    continue
                if not dims and not any(days.get(x) for x in groups[key]):
                    continue
                dimension_values = [
                    {"value": member if name == breakdown else key} for name in dims
                ]
                rows.append(
                    {
                        "dimensionValues": dimension_values,
                        "metricValues": [{"value": _number(v)} for v in values],
                    }
                )
        offset = int(body.get("offset", 0))
        limit = int(body.get("limit", 10000))
        response = {
            "dimensionHeaders": [{"name": n} for n in dims],
            "metricHeaders": [{"name": n, "type": "TYPE_INTEGER"} for n in metrics],
            "rows": rows[offset : offset + limit],
            "rowCount": len(rows),
            "metadata": {
                "currencyCode": self.currency,
                "timeZone": self.time_zone,
                **({"subjectToThresholding": True} if property_id in self.thresholded else {}),
                **({"dataLossFromOtherRow": True} if folded else {}),
            },
            "kind": "analyticsData#runReport",
        }
        if body.get("returnPropertyQuota"):
            used = len(self.requests)
            response["propertyQuota"] = {
                "tokensPerDay": {"consumed": 10, "remaining": 200000 - 10 * used},
                "tokensPerHour": {"consumed": 10, "remaining": 40000 - 10 * used},
                "concurrentRequests": {"remaining": 10},
                "serverErrorsPerProjectPerHour": {"remaining": 10},
                "potentiallyThresholdedRequestsPerHour": {"remaining": 120},
                "tokensPerProjectPerHour": {"consumed": 10, "remaining": 14000},
            }
        if not response["rows"]:
            del response["rows"]  # proto JSON leaves empty repeated fields out
        return response

    def member_day(self, day_values: dict, metric: str, dimension: str) -> dict[str, float]:
        """One day's metric split over the dimension's members in whole units (largest
        remainder), so they add up to the day's total."""
        total = day_values.get(metric, 0.0)
        members = self.members[dimension]
        raw = [total * share for _, share in members]
        out = [float(int(r)) for r in raw]
        rest = round(total - sum(out))
        for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[:rest]:
            out[i] += 1
        values = {name: out[i] for i, (name, _) in enumerate(members)}
        if metric == "sessions":
            for (skewed, member), extra in self.skew.items():
                if skewed == dimension and member in values:
                    values[member] += extra
        return values

    def member_totals(self, days, dates, metrics, dimension):
        """Each member's metrics over `dates` (users of several days with the overlap, per
        member), and whether members were folded into `(other)`."""
        names = [name for name, _ in self.members[dimension]]
        by_member = {name: [] for name in names}
        for metric in metrics:
            sums = dict.fromkeys(names, 0.0)
            for d in dates:
                for name, value in self.member_day(days.get(d, {}), metric, dimension).items():
                    sums[name] += value
            for name in names:
                value = sums[name]
                if metric == "totalUsers" and len(dates) > 1:
                    value = float(round(value * OVERLAP))
                by_member[name].append(value)
        if self.other_after is None or len(names) <= self.other_after:
            return by_member, False
        ranked = sorted(names, key=lambda n: -dict(self.members[dimension])[n])
        kept = {n: by_member[n] for n in ranked[: self.other_after]}
        kept["(other)"] = [
            sum(by_member[n][i] for n in ranked[self.other_after :]) for i in range(len(metrics))
        ]
        return kept, True

    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.time_zone)).date()

    def as_of_now(self, days: dict) -> dict:
        """The data as GA4 shows it at `now`: today's numbers only as far as the day has gone."""
        today = self.today()
        if today not in days:
            return days
        local = self.now.astimezone(ZoneInfo(self.time_zone))
        gone = (local.hour * 3600 + local.minute * 60 + local.second) / 86400
        return {**days, today: {m: float(round(v * gone)) for m, v in days[today].items()}}

    @staticmethod
    def total(days, dates, metric) -> float:
        values = [days.get(d, {}).get(metric, 0.0) for d in dates]
        if metric == "totalUsers" and len(dates) > 1:
            return float(round(sum(values) * OVERLAP))
        return float(sum(values))

    # ── OAuth token endpoint for service-account credentials ──────────────────
    def token_grant(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not form.get(
            "assertion"
        ):
            return Response(
                json.dumps({"error": "invalid_grant"}), status=400, content_type="application/json"
            )
        return Response(
            json.dumps({"access_token": self.token, "expires_in": 3600, "token_type": "Bearer"}),
            content_type="application/json",
        )


def _dimension_value(name: str, d: date) -> str:
    if name == "date":
        return d.strftime("%Y%m%d")
    if name == "isoYearIsoWeek":
        year, week, _ = d.isocalendar()
        return f"{year}{week:02d}"
    if name == "yearMonth":
        return d.strftime("%Y%m")
    if name == "year":
        return str(d.year)
    if name == "":
        return ""
    raise ValueError(f"dimension {name} not supported by the fake")


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _error(code: int, message: str, status: str, retry_after: str | None = None) -> Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    body = {"error": {"code": code, "message": message, "status": status}}
    return Response(json.dumps(body), status=code, headers=headers, content_type="application/json")


def daily_data(start: date, end: date, base: float) -> dict[date, dict[str, float]]:
    """Simple hand-checkable data: sessions grow by one per day from `base`."""
    out = {}
    d, i = start, 0
    while d <= end:
        sessions = base + i
        out[d] = {
            "sessions": sessions,
            "engagedSessions": sessions // 2,
            "keyEvents": float(i % 3),
            "totalRevenue": 10.0 * (i % 3),
            "totalUsers": sessions - 10,
        }
        d += timedelta(days=1)
        i += 1
    return out


__all__ = ["FakeGA4", "daily_data", "datetime"]
