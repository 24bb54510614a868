"""A local LinkedIn Advertising API: ad accounts, the campaign search and adAnalytics.

Like LinkedIn it insists on the `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`
headers and on a bearer token it knows (the one it was started with, or one the token endpoint
issued; anything else is 401). It reads the Rest.li 2.0 query the way LinkedIn does — structure
from the raw query string, values percent-decoded — so a URN whose `:` is not encoded inside
`List(...)` is refused (400), as is a malformed `dateRange=(start:(year:…,month:…,day:…),end:(…))`.

adAnalytics (`q=analytics`, `pivot=CAMPAIGN`, `timeGranularity=DAILY`) answers one element per
campaign and UTC day with delivery — `pivotValues`, `dateRange` and only the `fields` asked for —
refuses more than 20 fields (400) and ranges reaching past the days it keeps (`history_days`,
400), answers nothing for a day not over yet on its clock (`now`), and like LinkedIn is not paged:
beyond 15,000 elements the rest is cut off silently. It can answer 429 a number of times first.

The campaign search (`/rest/adAccounts/{id}/adCampaigns?q=search&search=(status:(values:List(…)))`)
returns the campaigns of the statuses asked for, paged with `pageSize` and `pageToken` (the next
token in `metadata.nextPageToken`); `page_size_cap` makes pages smaller than asked for, so a few
campaigns exercise the paging.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from tests.fakes.oauth import FakeTokenEndpoint

MAX_FIELDS = 20
MAX_ELEMENTS = 15_000
KNOWN_FIELDS = {
    "dateRange",
    "pivotValues",
    "costInLocalCurrency",
    "costInUsd",
    "impressions",
    "clicks",
    "externalWebsiteConversions",
    "conversionValueInLocalCurrency",
    "oneClickLeads",
    "landingPageClicks",
    "likes",
    "shares",
    "comments",
    "follows",
    "videoViews",
    "videoCompletions",
    "opens",
    "sends",
    "totalEngagements",
    "approximateMemberReach",
    "externalWebsitePostClickConversions",
    "externalWebsitePostViewConversions",
}
METRICS = (
    "costInLocalCurrency",
    "impressions",
    "clicks",
    "externalWebsiteConversions",
    "conversionValueInLocalCurrency",
)


class RestliError(ValueError):
    pass


def restli(raw: str):
    """A Rest.li 2.0 query value from its raw (still encoded) form: `(k:v,…)` an object,
    `List(…)` a list, anything else a leaf, percent-decoded. A reserved character left
    unencoded in a leaf (a URN's `:`) is an error, as on LinkedIn."""
    try:
        value, end = _value(raw, 0)
    except IndexError:
        raise RestliError(f"unbalanced brackets in {raw!r}") from None
    if end != len(raw):
        raise RestliError(f"unexpected {raw[end:]!r} in {raw!r}")
    return value


def _value(s: str, i: int):
    if s.startswith("List(", i):
        i += 5
        items: list = []
        if s[i] == ")":
            return items, i + 1
        while True:
            item, i = _value(s, i)
            items.append(item)
            if s[i] == ",":
                i += 1
            elif s[i] == ")":
                return items, i + 1
            else:
                raise RestliError(f"expected , or ) at {s[i:]!r}")
    if s[i] == "(":
        i += 1
        obj: dict = {}
        if s[i] == ")":
            return obj, i + 1
        while True:
            colon = s.index(":", i)
            key = s[i:colon]
            if not re.fullmatch(r"[A-Za-z0-9_.]+", key):
                raise RestliError(f"bad key {key!r}")
            obj[key], i = _value(s, colon + 1)
            if s[i] == ",":
                i += 1
            elif s[i] == ")":
                return obj, i + 1
            else:
                raise RestliError(f"expected , or ) at {s[i:]!r}")
    end = i
    while end < len(s) and s[end] not in ",)":
        end += 1
    leaf = s[i:end]
    if not leaf or any(c in leaf for c in "(:'"):
        raise RestliError(f"{leaf!r}: a value's reserved characters must be percent-encoded")
    return unquote(leaf), end


def raw_params(query: str) -> dict[str, str]:
    """The query's parameters with their values still encoded (Rest.li reads them so)."""
    out = {}
    for pair in query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out[unquote(key)] = value
    return out


def ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


@dataclass
class FakeCampaign:
    id: str
    name: str
    status: str = "ACTIVE"
    starts: date | None = None  # runSchedule (none: the campaign search leaves it out)
    ends: date | None = None


@dataclass
class FakeAdAccount:
    id: str
    currency: str
    name: str = ""
    campaigns: list[FakeCampaign] = field(default_factory=list)
    # (campaign id, UTC day) -> the day's numbers, by LinkedIn's field names (money as strings)
    days: dict[tuple[str, date], dict] = field(default_factory=dict)


@dataclass
class FakeLinkedInAds:
    now: datetime  # the platform's clock: a UTC day has analytics once it is over
    token: str | None  # the access token accepted besides those `oauth` issued
    accounts: dict[str, FakeAdAccount] = field(default_factory=dict)
    oauth: FakeTokenEndpoint | None = None
    forbidden: set[str] = field(default_factory=set)  # ad accounts answered 403
    throttle: int = 0  # adAnalytics calls answered 429 before the next one is answered
    retry_after: str = "0"
    page_size_cap: int = 1000  # LinkedIn's largest campaign search page
    history_days: int = 730  # how far back adAnalytics answers
    echo_token: bool = False  # a careless platform that repeats the token in its errors
    requests: list[dict] = field(default_factory=list)
    analytics_calls: list[dict] = field(default_factory=list)  # parsed adAnalytics requests

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(r"^/rest/.+")).respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}"

    def account(self, id: str, currency: str, name: str = "") -> FakeAdAccount:
        self.accounts[id] = FakeAdAccount(id, currency, name)
        return self.accounts[id]

    def accepted(self) -> set[str]:
        return {t for t in (self.token, *(self.oauth.issued if self.oauth else ())) if t}

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        self.requests.append(
            {
                "path": request.path,
                "query": request.query_string.decode(),
                "authorization": auth,
                "headers": dict(request.headers),
            }
        )
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or token not in self.accepted():
            said = f" ({token})" if self.echo_token else ""
            return _error(401, f"The token used in the request has expired{said}", 65601)
        if not re.fullmatch(r"\d{6}", request.headers.get("LinkedIn-Version", "")):
            return _error(426, "A version header is required", 0, "VERSION_MISSING")
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return _error(400, "Rest.li protocol 2.0.0 is required", 0)
        path = request.path
        try:
            raw = raw_params(request.query_string.decode())
            if path == "/rest/adAnalytics":
                return self.answer_analytics(raw)
            m = re.fullmatch(r"/rest/adAccounts/(\d+)(/adCampaigns)?", path)
            if not m:
                return _error(404, f"Resource {path} does not exist", 0, "NOT_FOUND")
            account = self.accounts.get(m.group(1))
            if account is None:
                return _error(404, f"Ad account {m.group(1)} does not exist", 0, "NOT_FOUND")
            if account.id in self.forbidden:
                said = f" with token {token}" if self.echo_token else ""
                return _error(
                    403,
                    f"Not enough permissions to access adAccounts {account.id}{said}",
                    100,
                    "ACCESS_DENIED",
                )
            if m.group(2):
                return self.answer_campaigns(account, raw)
            return _json(
                {
                    "id": int(account.id),
                    "name": account.name,
                    "currency": account.currency,
                    "status": "ACTIVE",
                    "type": "BUSINESS",
                    "test": False,
                    "reference": "urn:li:organization:2414183",
                }
            )
        except RestliError as e:
            return _error(400, f"Invalid query parameters passed to request: {e}", 0)

    def answer_campaigns(self, account: FakeAdAccount, raw: dict[str, str]) -> Response:
        if raw.get("q") != "search":
            return _error(400, "q=search is required", 0)
        statuses = None
        if "search" in raw:
            criteria = restli(raw["search"])
            statuses = set(criteria.get("status", {}).get("values", []))
        size = int(raw.get("pageSize", 100))
        if not 1 <= size <= 1000:
            return _error(400, "pageSize must be between 1 and 1000", 0)
        size = min(size, self.page_size_cap)
        offset = 0
        if "pageToken" in raw:
            offset = int(base64.urlsafe_b64decode(unquote(raw["pageToken"])).decode())
        found = [c for c in account.campaigns if statuses is None or c.status in statuses]
        page = found[offset : offset + size]
        elements = [
            {
                "id": int(c.id),
                "name": c.name,
                "account": f"urn:li:sponsoredAccount:{account.id}",
                "status": c.status,
                "type": "SPONSORED_UPDATES",
                "costType": "CPC",
                **(
                    {
                        "runSchedule": {
                            "start": ms(c.starts),
                            **({"end": ms(c.ends + timedelta(days=1)) - 1} if c.ends else {}),
                        }
                    }
                    if c.starts
                    else {}
                ),
            }
            for c in page
        ]
        metadata = {}
        if offset + size < len(found):
            metadata["nextPageToken"] = base64.urlsafe_b64encode(
                str(offset + size).encode()
            ).decode()
        return _json({"elements": elements, "metadata": metadata, "paging": {"links": []}})

    def answer_analytics(self, raw: dict[str, str]) -> Response:
        if self.throttle > 0:
            self.throttle -= 1
            return _error(
                429,
                "Resource level throttle limit reached",
                0,
                "TOO_MANY_REQUESTS",
                headers={"Retry-After": self.retry_after},
            )
        wanted = {"q": "analytics", "pivot": "CAMPAIGN", "timeGranularity": "DAILY"}
        for key, value in wanted.items():
            if raw.get(key) != value:
                return _error(400, f"{key}={value} expected, got {raw.get(key)!r}", 0)
        fields = unquote(raw.get("fields", "")).split(",")
        if len(fields) > MAX_FIELDS:
            return _error(400, f"Too many fields requested: {len(fields)} (max {MAX_FIELDS})", 0)
        unknown = [f for f in fields if f not in KNOWN_FIELDS]
        if unknown:
            return _error(400, f"Unknown fields {unknown}", 0)
        date_range = restli(raw.get("dateRange", ""))
        start = _date(date_range["start"])
        end = _date(date_range["end"]) if "end" in date_range else None
        accounts = restli(raw.get("accounts", ""))
        if not isinstance(accounts, list) or not accounts:
            return _error(400, "accounts must be List(urn:li:sponsoredAccount:…)", 0)
        ids = []
        for urn in accounts:
            m = re.fullmatch(r"urn:li:sponsoredAccount:(\d+)", urn)
            if not m:
                return _error(400, f"Invalid account URN {urn!r}", 0)
            ids.append(m.group(1))
        self.analytics_calls.append(
            {**raw, "start": start, "end": end, "accounts": ids, "fields": fields}
        )
        today = self.now.astimezone(UTC).date()
        if start < today - timedelta(days=self.history_days):
            return _error(400, "Requested dateRange start is beyond the data retention", 0)
        last = min(end or today, today - timedelta(days=1))  # the running day has no data
        elements = []
        for account_id in ids:
            account = self.accounts.get(account_id)
            if account is None or account_id in self.forbidden:
                continue  # LinkedIn answers nothing for an account it will not report on
            for (campaign, day), numbers in sorted(
                account.days.items(), key=lambda kv: (kv[0][1], int(kv[0][0]))
            ):
                if not start <= day <= last:
                    continue
                element = {
                    "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
                    "dateRange": {"start": _restli_day(day), "end": _restli_day(day)},
                    **dict.fromkeys(METRICS, 0),
                    **numbers,
                }
                elements.append({k: v for k, v in element.items() if k in fields})
        paging = {"count": len(elements), "start": 0, "links": []}
        return _json({"paging": paging, "elements": elements[:MAX_ELEMENTS]})


def _date(value: dict) -> date:
    return date(int(value["year"]), int(value["month"]), int(value["day"]))


def _restli_day(day: date) -> dict:
    return {"year": day.year, "month": day.month, "day": day.day}


def _json(body) -> Response:
    return Response(
        json.dumps(body),
        content_type="application/json",
        headers={"x-restli-protocol-version": "2.0.0"},
    )


def _error(
    status: int, message: str, service_code: int, code: str = "", headers: dict | None = None
) -> Response:
    body = {"status": status, "serviceErrorCode": service_code, "message": message}
    if code:
        body["code"] = code
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )
