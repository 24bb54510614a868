"""Walk the pages of one endpoint, in whichever of the five common styles it pages.

Every style stops at its own end-of-data signal; all share two guards: a page that would be
requested twice (a server that never advances) and `max_pages`, both errors, never a silent
truncation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import requests

from connectors.http import HttpClient, SourceError
from connectors.rest_api.config import (
    CursorPagination,
    Endpoint,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PagePagination,
)
from connectors.rest_api.records import lookup


def records_of(body: Any, endpoint: Endpoint, source: str) -> list:
    try:
        records = lookup(body, endpoint.records_path)
    except KeyError:
        keys = ", ".join(sorted(body)) if isinstance(body, dict) else type(body).__name__
        raise SourceError(
            source,
            f"endpoint {endpoint.name}: records_path '{endpoint.records_path}' is not in the "
            f"response (its top-level keys: {keys})",
        ) from None
    if records is None:
        return []
    if not isinstance(records, list):
        where = f"records_path '{endpoint.records_path}'" if endpoint.records_path else "the body"
        raise SourceError(
            source,
            f"endpoint {endpoint.name}: {where} holds a {type(records).__name__}, not a list of "
            "records; set records_path to the list",
        )
    return records


def pages(client: HttpClient, endpoint: Endpoint, params: dict[str, Any]) -> Iterator[list]:
    """The records of each page, in order."""
    style = endpoint.pagination
    url: str = endpoint.path
    query = dict(params)
    seen: set[str] = set()
    for number in range(1, endpoint.max_pages + 1):
        if isinstance(style, OffsetPagination):
            query[style.limit_param] = style.limit
            query.setdefault(style.offset_param, 0)
        elif isinstance(style, PagePagination):
            query.setdefault(style.page_param, style.start_page)
            if style.size_param:
                query[style.size_param] = style.size
        request_id = f"{url}?{sorted(query.items())}"
        if request_id in seen:
            raise SourceError(
                client.source,
                f"endpoint {endpoint.name}: page {number} would repeat an earlier request; "
                f"the API does not advance with pagination style '{style.style}'",
            )
        seen.add(request_id)
        response = client.request("GET", url, params=query)
        body = response.json()
        records = records_of(body, endpoint, client.source)
        yield records
        following = _next(style, response, body, records, url, query)
        if following is None:
            return
        url, query = following
    raise SourceError(
        client.source,
        f"endpoint {endpoint.name}: more than max_pages ({endpoint.max_pages}) pages; "
        "raise max_pages or check the pagination settings",
    )


def _next(
    style, response: requests.Response, body: Any, records: list, url: str, query: dict
) -> tuple[str, dict] | None:
    """The next request (url, query), or None at the end of the data."""
    if isinstance(style, CursorPagination):
        cursor = lookup(body, style.cursor_path, None)
        if cursor in (None, "") or not records:
            return None
        return url, {**query, style.cursor_param: cursor}
    if isinstance(style, OffsetPagination):
        if len(records) < style.limit:
            return None
        offset = int(query[style.offset_param]) + len(records)
        return url, {**query, style.offset_param: offset}
    if isinstance(style, PagePagination):
        if not records or (style.size is not None and len(records) < style.size):
            return None
        page = int(query[style.page_param]) + 1
        return url, {**query, style.page_param: page}
    if isinstance(style, LinkHeaderPagination):
        link = response.links.get("next", {}).get("url")
        # the next link carries the whole query already
        return (urljoin(response.url, link), {}) if link else None
    if isinstance(style, NextUrlPagination):
        link = lookup(body, style.next_url_path, None)
        return (urljoin(response.url, str(link)), {}) if link else None
    return None
