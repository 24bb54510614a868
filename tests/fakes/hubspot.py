"""A local HubSpot CRM v3 API: object lists (cursor paging), search (with HubSpot's
10,000-result cap), deal pipelines, rate-limit headers and scripted 429s.

Deals carry HubSpot's calculated properties `hs_is_closed` and `hs_is_closed_won` (from the
stage's pipeline metadata), returned when asked for and searchable, as HubSpot computes them.
Records created after the CRM's clock (`now`) do not exist yet. Deal-to-contact associations
are read with the v4 associations batch read (`POST /crm/v4/associations/deals/contacts/batch/
read`): per deal a page of `{toObjectId, associationTypes}` with its own `paging.next.after`, and
a deal without contacts reported in `errors` of a 207 Multi-Status answer, as HubSpot does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from werkzeug.wrappers import Request, Response

DEFAULTS = {
    "contacts": ["createdate", "lastmodifieddate", "hs_object_id"],
    "deals": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
}
# what HubSpot returns for contacts when no `properties` are named
UNNAMED = {
    "contacts": ["firstname", "lastname", "email"],
    "deals": ["dealname", "amount", "dealstage"],
}


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def millis(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


@dataclass
class FakeHubSpot:
    token: str
    objects: dict[str, dict[str, dict]] = field(
        default_factory=lambda: {"deals": {}, "contacts": {}}
    )
    pipelines: list[dict] = field(default_factory=list)
    rate_limited: int = 0  # answer this many calls with 429 first
    requests: list[dict] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # the CRM's clock
    associations: dict[str, list[str]] = field(default_factory=dict)  # deal id -> contact ids
    association_page: int = 500  # associations per deal in one answer (HubSpot: 500)

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(r"^/crm/v[34]/.+")).respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}"

    def associate(self, deal_id: str, *contact_ids: str) -> None:
        self.associations.setdefault(deal_id, []).extend(contact_ids)

    def put(self, obj: str, record_id: str, **properties) -> None:
        self.objects[obj][record_id] = {
            k: (None if v is None else str(v)) for k, v in properties.items()
        }

    def handle(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}") if request.method == "POST" else None
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "args": request.args.to_dict(),
                "body": body,
            }
        )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        if self.rate_limited:
            self.rate_limited -= 1
            return _error(
                429, "You have reached your secondly limit.", "RATE_LIMITS", retry_after="1"
            )
        m = re.fullmatch(r"/crm/v3/objects/(deals|contacts)(/search)?", request.path)
        if m and m.group(2):
            return self.search(m.group(1), body)
        if m:
            return self.list(m.group(1), request.args)
        if request.path == "/crm/v3/pipelines/deals":
            return _json({"results": self.pipelines})
        if request.path == "/crm/v4/associations/deals/contacts/batch/read":
            return self.associations_read(body)
        return _error(404, "Not found", "OBJECT_NOT_FOUND")

    def visible(self, obj) -> dict[str, dict]:
        """The records that exist at the CRM's clock."""
        return {
            i: props
            for i, props in self.objects[obj].items()
            if not props.get("createdate")
            or millis(props["createdate"]) <= self.now.timestamp() * 1000
        }

    def properties(self, obj, record_id) -> dict:
        """Stored properties plus the ones HubSpot calculates for deals."""
        props = dict(self.objects[obj][record_id])
        if obj == "deals":
            closed, won = self.stage_state(props.get("dealstage"))
            props["hs_is_closed"] = str(closed).lower()
            props["hs_is_closed_won"] = str(won).lower()
        return props

    def record(self, obj, record_id, wanted):
        props = self.properties(obj, record_id)
        names = (wanted or UNNAMED[obj]) + DEFAULTS[obj]
        values = {n: props.get(n) for n in names}
        values["hs_object_id"] = record_id
        created = props.get("createdate")
        return {
            "id": record_id,
            "properties": values,
            "createdAt": created,
            "updatedAt": created,
            "archived": False,
        }

    def list(self, obj, args):
        wanted = args["properties"].split(",") if args.get("properties") else None
        ids = sorted(self.visible(obj), key=int)
        after = int(args.get("after", 0))
        limit = min(int(args.get("limit", 10)), 100)
        page = [i for i in ids if int(i) > after][:limit]
        body = {"results": [self.record(obj, i, wanted) for i in page]}
        if page and page[-1] != ids[-1]:
            body["paging"] = {"next": {"after": page[-1], "link": f"?after={page[-1]}"}}
        return _json(body)

    def search(self, obj, body):
        after = int(body.get("after", 0))
        limit = min(int(body.get("limit", 10)), 200)
        if after + limit > 10_000:
            return _error(400, "There was a problem with the request.", "VALIDATION_ERROR")
        [group] = body.get("filterGroups", [{}]) or [{"filters": []}]
        matches = [
            i
            for i in self.visible(obj)
            if all(self.passes(obj, i, self.properties(obj, i), f) for f in group["filters"])
        ]
        [sort] = body.get("sorts", [{"propertyName": "hs_object_id", "direction": "ASCENDING"}])
        matches.sort(key=lambda i: (self.sort_key(obj, i, sort["propertyName"]), int(i)))
        page = matches[after : after + limit]
        out = {
            "total": len(matches),
            "results": [self.record(obj, i, body.get("properties")) for i in page],
        }
        if after + limit < len(matches):
            out["paging"] = {"next": {"after": str(after + limit)}}
        return _json(out)

    def associations_read(self, body):
        results, errors = [], []
        for item in body["inputs"]:
            deal = str(item["id"])
            linked = self.associations.get(deal, [])
            if not linked:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"No contacts are associated with deal {deal}.",
                        "context": {"fromObjectId": [deal]},
                    }
                )
                continue
            start = int(item.get("after", 0))
            page = linked[start : start + self.association_page]
            result = {
                "from": {"id": deal},
                "to": [
                    {
                        "toObjectId": int(c),
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}
                        ],
                    }
                    for c in page
                ],
            }
            if start + len(page) < len(linked):
                result["paging"] = {"next": {"after": str(start + len(page)), "link": None}}
            results.append(result)
        answer = {"status": "COMPLETE", "results": results, "startedAt": stamp(self.now)}
        answer["completedAt"] = answer["startedAt"]
        if errors:
            answer |= {"numErrors": len(errors), "errors": errors}
        return _json(answer, status=207 if errors else 200)

    def sort_key(self, obj, record_id, prop):
        if prop == "hs_object_id":
            return int(record_id)
        return millis(self.objects[obj][record_id][prop])

    def passes(self, obj, record_id, props, f):
        name, op, value = f["propertyName"], f["operator"], f.get("value")
        if name in ("hs_is_closed", "hs_is_closed_won"):  # booleans, compared as text
            return {"EQ": props[name] == value, "NEQ": props[name] != value}[op]
        actual = int(record_id) if name == "hs_object_id" else millis(props[name])
        value = int(value)
        return {
            "GTE": actual >= value,
            "GT": actual > value,
            "LT": actual < value,
            "EQ": actual == value,
        }[op]

    def stage_state(self, stage_id) -> tuple[bool, bool]:
        """(closed, won) of a stage: closed by its metadata, won when closed at probability 1."""
        for pipeline in self.pipelines:
            for stage in pipeline["stages"]:
                if stage["id"] == stage_id:
                    meta = stage["metadata"]
                    closed = meta["isClosed"] == "true"
                    return closed, closed and float(meta.get("probability") or 0) >= 1.0
        return False, False


def _json(body, status: int = 200) -> Response:
    headers = {
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Remaining": "180",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Daily-Remaining": "249000",
    }
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


def _error(status: int, message: str, category: str, retry_after: str | None = None) -> Response:
    body = {"status": "error", "message": message, "category": category, "correlationId": "c0ffee"}
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


PIPELINES = [
    {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "stages": [
            {
                "id": "appointmentscheduled",
                "label": "Appointment Scheduled",
                "displayOrder": 0,
                "metadata": {"isClosed": "false", "probability": "0.2"},
            },
            {
                "id": "contractsent",
                "label": "Contract Sent",
                "displayOrder": 1,
                "metadata": {"isClosed": "false", "probability": "0.9"},
            },
            {
                "id": "closedwon",
                "label": "Closed Won",
                "displayOrder": 2,
                "metadata": {"isClosed": "true", "probability": "1.0"},
            },
            {
                "id": "closedlost",
                "label": "Closed Lost",
                "displayOrder": 3,
                "metadata": {"isClosed": "true", "probability": "0.0"},
            },
        ],
    },
    {
        "id": "7613042",
        "label": "Partner deals",
        "displayOrder": 1,
        "stages": [
            {
                "id": "7613043",
                "label": "Intro",
                "displayOrder": 0,
                "metadata": {"isClosed": "false", "probability": "0.1"},
            },
            {
                "id": "7613045",
                "label": "Signed",
                "displayOrder": 1,
                "metadata": {"isClosed": "true", "probability": "1.0"},
            },
            {
                "id": "7613046",
                "label": "No deal",
                "displayOrder": 2,
                "metadata": {"isClosed": "true", "probability": "0.0"},
            },
        ],
    },
]
