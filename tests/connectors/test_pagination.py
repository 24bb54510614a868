"""Paginators driven by `walk` over a stand-in transport (a function answering requests), and
the guards `walk` owns for every style. The five REST styles also run over HTTP in
test_rest_api.py; Graph, HubSpot, LinkedIn and GA4 paging in their connectors' tests."""

from __future__ import annotations

import pytest

from connectors.pagination import (
    CappedCursorPaginator,
    OffsetPaginator,
    PageRequest,
    PagingError,
    walk,
)

RECORDS = list(range(1, 24))  # 23 records


def offset_api(request: PageRequest):
    """An API paging by offset/limit in the JSON body, reporting the total (like GA4)."""
    body = request.json
    offset, limit = body.get("offset", 0), body["limit"]
    return None, {"rows": RECORDS[offset : offset + limit], "rowCount": len(RECORDS)}


def test_offset_in_the_body_until_the_reported_total():
    paginator = OffsetPaginator(limit=10, total=lambda page: page.body["rowCount"], in_body=True)
    pages = list(
        walk(
            offset_api, PageRequest("report", json={"q": 1}), paginator, records=lambda b: b["rows"]
        )
    )
    assert [p.request.json["offset"] for p in pages] == [0, 10, 20]
    assert [r for p in pages for r in p.records] == RECORDS


def test_offset_stops_at_the_total_even_when_the_last_page_is_full():
    """23 records in pages of 23: the total says it is over; no empty page is asked for."""
    paginator = OffsetPaginator(limit=23, total=lambda page: page.body["rowCount"], in_body=True)
    pages = list(
        walk(offset_api, PageRequest("r", json={}), paginator, records=lambda b: b["rows"])
    )
    assert len(pages) == 1


def cursor_api(request: PageRequest):
    """A search whose cursor is an offset in the body, like HubSpot's (`paging.next.after`)."""
    after = int(request.json.get("after", 0))
    page = list(range(after, min(after + 100, 25_000)))
    body = {"results": page}
    if after + 100 < 25_000:
        body["paging"] = {"next": {"after": str(after + 100)}}
    return None, body


def test_a_capped_cursor_stops_before_the_cap_and_says_so():
    paginator = CappedCursorPaginator(
        "paging.next.after", "after", in_body=True, cap=10_000, page_size=100
    )
    request = PageRequest("search", json={}, method="POST")
    records = [r for p in walk(cursor_api, request, paginator, records=lambda b: b["results"]) for r in p.records]  # fmt: skip
    assert len(records) == 10_000 and paginator.capped  # the 101st page would pass the cap
    # a fresh walk with the same paginator starts uncapped
    short = CappedCursorPaginator("paging.next.after", "after", in_body=True, cap=10_000)
    few = PageRequest("search", json={"after": "24900"}, method="POST")
    assert len(list(walk(cursor_api, few, short, records=lambda b: b["results"]))) == 1
    assert not short.capped


def test_a_page_budget_and_a_request_that_repeats_are_errors():
    def stuck(request):  # an API that ignores the offset it is sent
        return None, {"rows": [1, 2], "rowCount": 10}

    moving = OffsetPaginator(limit=2, total=lambda page: page.body["rowCount"], in_body=True)
    with pytest.raises(PagingError, match=r"more than max_pages \(3\) pages"):
        list(
            walk(stuck, PageRequest("r", json={}), moving, records=lambda b: b["rows"], max_pages=3)
        )

    class Frozen(OffsetPaginator):
        def next(self, page):  # a next page that is the page just asked for
            return page.request

    with pytest.raises(PagingError, match="ep: page 2 would repeat an earlier request"):
        list(walk(stuck, PageRequest("r"), Frozen(), records=lambda b: b["rows"], what="ep"))
