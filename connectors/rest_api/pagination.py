"""The pages of one endpoint, in whichever of the five common styles it pages: the style's
config names a paginator (`connectors.pagination`), and `HttpClient.paginate` walks it with the
guards every style shares (a server that never advances, `max_pages`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.http import HttpClient, SourceError
from connectors.pagination import PageRequest, lookup
from connectors.rest_api.config import Endpoint


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
    """The records of each page, in order, as the endpoint's pagination style says."""
    for page in client.paginate(
        PageRequest(endpoint.path, dict(params)),
        endpoint.pagination.paginator(),
        records=lambda body: records_of(body, endpoint, client.source),
        max_pages=endpoint.max_pages,
        what=f"endpoint {endpoint.name}",
    ):
        yield page.records
