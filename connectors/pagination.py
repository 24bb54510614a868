"""Paginators: how an API says where the next page is, written once for every connector.

A paginator sets up the first request and reads from each page what the next request is, or
that the data has ended (dlt's RESTClient paginators and Airbyte's `next_page_token` are the
model). `walk` drives any of them over any transport — `HttpClient.paginate` over HTTP, GA4's
own client over its reports — and owns the two guards every style needs: a request that would
repeat an earlier one (a server that never advances) and a page budget; both are errors, never a
silent truncation. A consumer that has read enough (posts older than the window) simply stops
iterating, and no further page is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

_MISSING = object()


def lookup(data: Any, path: str | None, default: Any = _MISSING) -> Any:
    """`a.b.0.c` in nested objects and lists; `default` (or KeyError) when absent."""
    if path is None:
        return data
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif (
            isinstance(current, list)
            and part.lstrip("-").isdigit()
            and -len(current) <= int(part) < len(current)
        ):
            current = current[int(part)]
        else:
            if default is _MISSING:
                raise KeyError(path)
            return default
    return current


@dataclass(frozen=True)
class PageRequest:
    """One page's request. `params` go in the query string, or — with `in_body` paginators —
    the paginator's fields go in `json` (HubSpot's search, GA4's report request)."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    method: str = "GET"

    def with_field(self, name: str, value: Any, *, in_body: bool) -> PageRequest:
        if in_body:
            return replace(self, json={**(self.json or {}), name: value})
        return replace(self, params={**self.params, name: value})

    def field(self, name: str, *, in_body: bool, default: Any = None) -> Any:
        return (self.json or {}).get(name, default) if in_body else self.params.get(name, default)

    def identity(self) -> str:
        return f"{self.method} {self.url} {sorted(self.params.items())} {self.json!r}"


@dataclass(frozen=True)
class Page:
    """What came back for one request: the transport's response, its body, its records."""

    request: PageRequest
    response: Any
    body: Any
    records: list


class Paginator:
    """No paging: the first page is the only one."""

    style = "none"

    def first(self, request: PageRequest) -> PageRequest:
        return request

    def next(self, page: Page) -> PageRequest | None:
        return None


@dataclass
class CursorPaginator(Paginator):
    """The body names the next page's cursor (`paging.next.after`); it is sent back as a
    parameter. An empty cursor or an empty page ends the data."""

    cursor_path: str
    cursor_param: str = "cursor"
    in_body: bool = False
    style = "cursor"

    def next(self, page: Page) -> PageRequest | None:
        cursor = lookup(page.body, self.cursor_path, None)
        if cursor in (None, "") or not page.records:
            return None
        return page.request.with_field(self.cursor_param, cursor, in_body=self.in_body)


@dataclass
class CappedCursorPaginator(CursorPaginator):
    """A cursor the API honours for `cap` records only (HubSpot's search stops at 10,000):
    paging stops before a page would pass the cap, and `capped` says the data went on."""

    cap: int = 10_000
    page_size: int = 100
    capped: bool = False

    def first(self, request: PageRequest) -> PageRequest:
        self.capped, self._fetched = False, 0
        return request

    def next(self, page: Page) -> PageRequest | None:
        self._fetched += len(page.records)
        following = super().next(page)
        if following is not None and self._fetched + self.page_size > self.cap:
            self.capped = True
            return None
        return following


@dataclass
class OffsetPaginator(Paginator):
    """`offset=0&limit=100`, then `offset=100`: until a short page, or until `total(page)`
    records (GA4's `rowCount`) have come back."""

    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    total: Callable[[Page], int | None] | None = None
    in_body: bool = False
    style = "offset"

    def first(self, request: PageRequest) -> PageRequest:
        offset = request.field(self.offset_param, in_body=self.in_body, default=0)
        request = request.with_field(self.limit_param, self.limit, in_body=self.in_body)
        return request.with_field(self.offset_param, offset, in_body=self.in_body)

    def next(self, page: Page) -> PageRequest | None:
        offset = int(page.request.field(self.offset_param, in_body=self.in_body)) + len(
            page.records
        )
        total = self.total(page) if self.total else None
        if not page.records or (total is None and len(page.records) < self.limit):
            return None
        if total is not None and offset >= total:
            return None
        return page.request.with_field(self.offset_param, offset, in_body=self.in_body)


@dataclass
class PageNumberPaginator(Paginator):
    """`page=1`, `page=2`, …: until an empty page, or a short one when the size is known."""

    page_param: str = "page"
    start_page: int = 1
    size_param: str | None = None
    size: int | None = None
    style = "page"

    def first(self, request: PageRequest) -> PageRequest:
        request = request.with_field(
            self.page_param, request.params.get(self.page_param, self.start_page), in_body=False
        )
        if self.size_param:
            request = request.with_field(self.size_param, self.size, in_body=False)
        return request

    def next(self, page: Page) -> PageRequest | None:
        if not page.records or (self.size is not None and len(page.records) < self.size):
            return None
        number = int(page.request.params[self.page_param]) + 1
        return page.request.with_field(self.page_param, number, in_body=False)


class LinkHeaderPaginator(Paginator):
    """RFC 8288 `Link: <…>; rel="next"`; the link carries the whole query."""

    style = "link_header"

    def next(self, page: Page) -> PageRequest | None:
        link = page.response.links.get("next", {}).get("url")
        if not link:
            return None
        return replace(page.request, url=urljoin(page.response.url, link), params={})


@dataclass
class NextUrlPaginator(Paginator):
    """The body holds the next page's whole URL (`paging.next`); without one, or (unless told
    otherwise) after an empty page, the data has ended."""

    next_url_path: str = "next"
    stop_on_empty: bool = True
    style = "next_url"

    def next(self, page: Page) -> PageRequest | None:
        link = lookup(page.body, self.next_url_path, None)
        if not link or (self.stop_on_empty and not page.records):
            return None
        return replace(page.request, url=urljoin(page.response.url, str(link)), params={})


class PagingError(RuntimeError):
    """The API did not page as its paginator says (it never advanced, or pages never end)."""


def walk(
    fetch: Callable[[PageRequest], tuple[Any, Any]],
    request: PageRequest,
    paginator: Paginator,
    *,
    records: Callable[[Any], list],
    max_pages: int = 100_000,
    what: str = "",
) -> Iterator[Page]:
    """Every page: `fetch(request)` returns (response, body); `records(body)` the page's list."""
    request = paginator.first(request)
    seen: set[str] = set()
    label = f"{what}: " if what else ""
    for number in range(1, max_pages + 1):
        identity = request.identity()
        if identity in seen:
            raise PagingError(
                f"{label}page {number} would repeat an earlier request; the API does not "
                f"advance with pagination style '{paginator.style}'"
            )
        seen.add(identity)
        response, body = fetch(request)
        page = Page(request, response, body, records(body))
        yield page
        following = paginator.next(page)
        if following is None:
            return
        request = following
    raise PagingError(
        f"{label}more than max_pages ({max_pages}) pages; raise max_pages or check the "
        "pagination settings"
    )
