"""Limit/offset pagination shared by every list endpoint: a page body and an RFC 8288 Link header."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Offset",
    "Page",
    "RowId",
    "count",
    "page",
    "set_link_header",
]

T = TypeVar("T")
PageT = TypeVar("PageT", bound="Page[Any]")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1
"""Far beyond any list, and within the 64-bit integers both databases take for OFFSET."""

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Items to skip, at most {MAX_OFFSET}.")]
"""The ``offset`` parameter of every list."""

RowId = Annotated[int, Path(ge=1, le=MAX_OFFSET, description="Number of the record.")]
"""A record addressed by its number in a path: within the integer columns of both databases."""


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many there are in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int


def count(session: Session, statement: Select[*tuple[Any, ...]]) -> int:
    """Return how many rows ``statement`` selects, without its ordering."""
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def set_link_header(request: Request, response: Response, *, total: int, limit: int, offset: int) -> None:
    """Add rel="next", "prev", "first" and "last" links for this page to ``response``."""
    links = []

    def url(at: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=max(at, 0)))

    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(offset - limit)}>; rel="prev"')
    links.append(f'<{url(0)}>; rel="first"')
    last = max(((total - 1) // limit) * limit, 0) if total else 0
    links.append(f'<{url(last)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
    response.headers["X-Total-Count"] = str(total)


def page(
    kind: type[PageT],
    request: Request,
    response: Response,
    rows: Iterable[object],
    total: int,
    *,
    limit: int,
    offset: int,
) -> PageT:
    """Return ``rows`` as one ``kind`` (a ``Page[X]``), its Link and X-Total-Count set on ``response``.

    Each row becomes an ``X`` as ``X.model_validate`` reads it: an ``X`` as it is, a dict by its
    keys, an ORM row by its attributes (where ``X`` reads from attributes), so a route hands over its
    service's rows as they come.
    """
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return kind.model_validate({"items": list(rows), "total": total, "limit": limit, "offset": offset})
