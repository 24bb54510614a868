"""A local Marketing API for Meta Ads: ad accounts, campaign insights and report jobs.

It answers in Meta's documented wire format:

- `GET /act_{id}?fields=currency,timezone_name,name` — the account, its currency and IANA zone;
- `GET /act_{id}/insights?level=campaign&time_increment=1&time_range={"since","until"}&fields=…`
  — one row per campaign and account-local day with delivery (days without delivery are
  absent), every number a string (`"spend": "12.34"`, `"impressions": "1000"`), conversions
  as `actions` / `action_values` lists of `{"action_type", "value"}` (left out when empty),
  only the fields asked for plus `date_start` / `date_stop`; cursor-paged (`paging.cursors`
  and a `paging.next` URL that carries the access token, as Meta's does), at most `max_page`
  rows a page;
- `POST /act_{id}/insights` (same parameters, form-encoded) starts a report job and answers
  `{"report_run_id"}`; `GET /{report_run_id}` answers `async_status` — "Job Not Started",
  then "Job Running" with `async_percent_completion` for `job_polls` polls, then
  `job_outcome` ("Job Completed", "Job Failed", "Job Skipped"; None: running for ever);
  `GET /{report_run_id}/insights` pages the rows once the job is completed (code 100 before);
- a clock `now`: a day has insights only once it is over in the account's own time zone;
- `throttle_next`: error codes answered to the next insights calls (reports and their
  results) — 80004 (the ads-insights business use-case limit, with
  `X-Business-Use-Case-Usage`) or 17 (user request limit, with `X-App-Usage`), after
  `throttle_after` calls answered normally;
- `sync_max_days`: a synchronous request over more days fails as Meta fails one asking too
  much ("Please reduce the amount of data you're asking for", code 1);
- `/debug_token` as in tests/fakes/meta.py (`token_info`, `refuse_debug_token`; an expired or
  invalid token is refused by every other call with code 190).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from tests.fakes.meta import _error, answer_debug_token, token_refusal


def spend_day(
    spend: str,
    impressions: int,
    clicks: int,
    *,
    actions: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict:
    """A campaign's day: spend as Meta's decimal string, actions by type (value strings)."""
    return {
        "spend": spend,
        "impressions": impressions,
        "clicks": clicks,
        "actions": actions or {},
        "action_values": values or {},
    }


@dataclass
class FakeAdAccount:
    id: str  # digits
    currency: str
    timezone_name: str
    name: str = ""
    campaigns: dict[str, str] = field(default_factory=dict)  # campaign id -> name
    days: dict[tuple[str, date], dict] = field(default_factory=dict)  # (campaign, day) -> spend_day

    def is_over(self, day: date, now: datetime) -> bool:
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(self.timezone_name))
        return end <= now


@dataclass
class FakeJob:
    id: str
    account: str
    args: dict
    polls: int = 0


def cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def offset(value: str | None) -> int:
    return int(base64.b64decode(value).decode().split(":")[1]) if value else 0


@dataclass
class FakeMetaAds:
    token: str
    version: str = "v24.0"
    accounts: dict[str, FakeAdAccount] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    max_page: int = 25
    throttle_next: list[int] = field(default_factory=list)
    throttle_after: int = 0  # insights calls answered before throttle_next starts
    job_polls: int = 2
    job_outcome: str | None = "Job Completed"
    sync_max_days: int | None = None
    token_info: dict[str, dict] = field(default_factory=dict)
    refuse_debug_token: bool = False
    requests: list[dict] = field(default_factory=list)
    token_checks: list[dict] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(rf"^/{self.version}/.+")).respond_with_handler(
            self.handle
        )
        self.base = f"http://{httpserver.host}:{httpserver.port}"
        return self.base

    def add(self, account: str, campaign: str, name: str, day: date, values: dict) -> None:
        self.accounts[account].campaigns[campaign] = name
        self.accounts[account].days[(campaign, day)] = values

    # ── requests ─────────────────────────────────────────────────────────────────────
    def handle(self, request: Request) -> Response:
        args = {**request.args.to_dict(), **request.form.to_dict()}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        token = token or args.get("access_token", "")
        parts = request.path.split("/")[2:]
        checking = parts == ["debug_token"]
        record = {"method": request.method, "path": request.path, "args": args}
        (self.token_checks if checking else self.requests).append(record)
        if token != self.token:
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if checking:
            return answer_debug_token(
                self.token_info, self.now, request.args, refuse=self.refuse_debug_token
            )
        why = token_refusal(self.token_info.get(token, {}), self.now)
        if why:
            return _error(400, 190, why)
        node, edge = parts[0], (parts[1] if len(parts) > 1 else None)
        if edge == "insights" and self.throttle_next:
            if self.throttle_after > 0:
                self.throttle_after -= 1
            else:
                return self.throttled(self.throttle_next.pop(0), node)
        if node.startswith("act_"):
            account = self.accounts.get(node[4:])
            if account is None:
                return _error(
                    400,
                    100,
                    f"Unsupported get request. Object with ID '{node}' does not exist, cannot "
                    "be loaded due to missing permissions, or does not support this operation",
                )
            if edge is None:
                return self.answer_account(account, args)
            if edge == "insights" and request.method == "POST":
                return self.start_job(account, args)
            if edge == "insights":
                return self.answer_insights(account, args, request, sync=True)
        elif node in self.jobs:
            job = self.jobs[node]
            if edge is None:
                return self.answer_job(job)
            if edge == "insights":
                if self.status(job)[0] != "Job Completed":
                    return _error(400, 100, "(#100) The report is not ready yet")
                return self.answer_insights(self.accounts[job.account], job.args, request)
        return _error(400, 100, f"(#100) Unknown path {request.path}")

    def throttled(self, code: int, node: str) -> Response:
        if code == 17:
            headers = {"X-App-Usage": json.dumps({"call_count": 100, "total_time": 20})}
            message = "(#17) User request limit reached"
        else:
            usage = {
                "type": "ads_insights",
                "call_count": 100,
                "total_cputime": 40,
                "total_time": 60,
                "estimated_time_to_regain_access": 0,
            }
            headers = {"X-Business-Use-Case-Usage": json.dumps({node: [usage]})}
            message = f"({code}) There have been too many calls to this ad-account"
        response = _error(400, code, message)
        response.headers.update(headers)
        return response

    def answer_account(self, account: FakeAdAccount, args: dict) -> Response:
        wanted = args.get("fields", "").split(",")
        body = {
            "currency": account.currency,
            "timezone_name": account.timezone_name,
            "name": account.name,
        }
        body = {"id": f"act_{account.id}", **{k: v for k, v in body.items() if k in wanted}}
        return Response(json.dumps(body), content_type="application/json")

    # ── insights ─────────────────────────────────────────────────────────────────────
    def rows(self, account: FakeAdAccount, args: dict) -> list[dict] | Response:
        if args.get("level") != "campaign" or str(args.get("time_increment")) != "1":
            return _error(400, 100, "(#100) this fake answers level=campaign, time_increment=1")
        span = json.loads(args["time_range"])
        since, until = date.fromisoformat(span["since"]), date.fromisoformat(span["until"])
        wanted = set(args.get("fields", "").split(","))
        out = []
        for (campaign, day), values in sorted(account.days.items(), key=lambda i: i[0][::-1]):
            if not since <= day <= until or not account.is_over(day, self.now):
                continue
            item = {
                "account_id": account.id,
                "campaign_id": campaign,
                "campaign_name": account.campaigns[campaign],
                "spend": values["spend"],
                "impressions": str(values["impressions"]),
                "clicks": str(values["clicks"]),
            }
            for key in ("actions", "action_values"):
                if values[key]:  # Meta leaves out a list with nothing in it
                    item[key] = [{"action_type": t, "value": v} for t, v in values[key].items()]
            item = {k: v for k, v in item.items() if k in wanted}
            out.append({**item, "date_start": day.isoformat(), "date_stop": day.isoformat()})
        return out

    def answer_insights(self, account, args: dict, request: Request, sync: bool = False):
        if sync and self.sync_max_days is not None:
            span = json.loads(args["time_range"])
            days = (date.fromisoformat(span["until"]) - date.fromisoformat(span["since"])).days
            if days + 1 > self.sync_max_days:
                return _error(
                    500,
                    1,
                    "Please reduce the amount of data you're asking for, then retry your request",
                )
        rows = self.rows(account, args)
        if isinstance(rows, Response):
            return rows
        start = offset(request.args.get("after"))
        size = min(int(request.args.get("limit", 25)), self.max_page)
        page = rows[start : start + size]
        body: dict = {"data": page}
        if page:
            body["paging"] = {"cursors": {"before": cursor(start), "after": cursor(start + size)}}
        if start + size < len(rows):
            query = {**request.args.to_dict(), "after": cursor(start + size)}
            query["access_token"] = self.token  # Meta's next links carry the token
            body["paging"]["next"] = f"{self.base}{request.path}?{urlencode(query)}"
        return Response(json.dumps(body), content_type="application/json")

    # ── report jobs ──────────────────────────────────────────────────────────────────
    def start_job(self, account: FakeAdAccount, args: dict) -> Response:
        run_id = str(6120000000000 + len(self.jobs) + 1)
        job_args = {k: v for k, v in args.items() if k != "access_token"}
        self.jobs[run_id] = FakeJob(run_id, account.id, job_args)
        return Response(json.dumps({"report_run_id": run_id}), content_type="application/json")

    def status(self, job: FakeJob) -> tuple[str, int]:
        if job.polls == 0:
            return "Job Not Started", 0
        if job.polls <= self.job_polls or self.job_outcome is None:
            return "Job Running", min(95, 100 * job.polls // (self.job_polls + 1))
        done = 100 if self.job_outcome == "Job Completed" else 40
        return self.job_outcome, done

    def answer_job(self, job: FakeJob) -> Response:
        state, percent = self.status(job)
        job.polls += 1
        span = json.loads(job.args["time_range"])
        body = {
            "id": job.id,
            "account_id": job.account,
            "time_ref": 1749513600,
            "async_status": state,
            "async_percent_completion": percent,
            "date_start": span["since"],
            "date_stop": span["until"],
        }
        return Response(json.dumps(body), content_type="application/json")
