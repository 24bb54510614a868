"""A local JSON API that pages in each of the five styles the `rest_api` source reads.

One collection of records per path; each path pages its own way, exactly as the common public
APIs do (Stripe-like cursors, offset/limit, page numbers, GitHub-like `Link` headers, JSON:API
`links.next`). `?updated_since=YYYY-MM-DD` returns only records updated on or after that day.
Every request must carry the configured credential, else 401.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

STYLES = ("none", "cursor", "offset", "page", "link_header", "next_url")


@dataclass
class FakeApi:
    # how the credential must arrive: ("bearer", token) | ("header", name, key) | ("query", name, key)
    auth: tuple
    collections: dict[str, list[dict]] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)
    page_size: int = 3  # the server's own page size, where the client does not choose one
    requests: list[dict] = field(default_factory=list)

    def install(self, httpserver) -> str:
        httpserver.expect_request(re.compile(r"^/api/.+")).respond_with_handler(self.handle)
        return f"http://{httpserver.host}:{httpserver.port}/api"

    def add(self, path: str, style: str, records: list[dict]) -> None:
        assert style in STYLES
        self.collections[path] = records
        self.styles[path] = style

    def authorised(self, request: Request) -> bool:
        kind, *rest = self.auth
        if kind == "bearer":
            return request.headers.get("Authorization") == f"Bearer {rest[0]}"
        if kind == "header":
            return request.headers.get(rest[0]) == rest[1]
        return request.args.get(rest[0]) == rest[1]

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix("/api/")
        args = dict(request.args)
        self.requests.append({"path": path, "args": args})
        if not self.authorised(request):
            return _json({"error": {"message": "invalid credentials"}}, 401)
        if path not in self.collections:
            return _json({"error": {"message": f"no such path {path}"}}, 404)
        records = self.collections[path]
        if "updated_since" in args:
            records = [r for r in records if r["updated_at"][:10] >= args["updated_since"]]
        style = self.styles[path]
        base = f"{request.host_url}api/{path}"
        if style == "none":
            return _json({"data": records})
        if style == "cursor":
            start = int(args.get("starting_after") or 0)
            page = records[start : start + self.page_size]
            more = start + self.page_size < len(records)
            cursor = str(start + self.page_size) if more else None
            return _json({"data": page, "meta": {"next_cursor": cursor}})
        if style == "offset":
            offset, limit = int(args.get("offset", 0)), int(args.get("limit", 10))
            return _json({"results": records[offset : offset + limit], "total": len(records)})
        if style == "page":
            number, size = int(args.get("page", 1)), int(args.get("per_page", self.page_size))
            return _json({"items": records[(number - 1) * size : number * size], "page": number})
        start = int(args.get("after", 0))
        page = records[start : start + self.page_size]
        more = start + self.page_size < len(records)
        following = {k: v for k, v in args.items() if k not in self.auth}
        following["after"] = start + self.page_size
        if style == "link_header":
            response = _json(page)
            if more:
                response.headers["Link"] = (
                    f'<{base}?{urlencode(following)}>; rel="next", <{base}>; rel="first"'
                )
            return response
        # next_url: JSON:API style, a path relative to the server
        nxt = f"/api/{path}?{urlencode(following)}" if more else None
        return _json({"records": page, "links": {"next": nxt}})


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
