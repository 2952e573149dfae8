"""keten.pagination.page: the body and the RFC 8288 Link header of one page, through a real route."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI, Query, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from keten.pagination import Page, page


class Item(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    mass_kg: float


@dataclass
class Row:
    """A row read by its attributes, as an ORM row is."""

    name: str
    mass_kg: float


# The three kinds of row a service hands a route: the item itself, a dict and an attribute row.
ROWS: list[object] = [
    Item(name="a", mass_kg=1.0),
    {"name": "b", "mass_kg": 2.0},
    Row(name="c", mass_kg=3.0),
    Item(name="d", mass_kg=4.0),
    {"name": "e", "mass_kg": 5.0},
]


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{count}", response_model=Page[Item])
    def items(
        request: Request,
        response: Response,
        count: int,
        q: str | None = None,
        kind: Annotated[list[str] | None, Query()] = None,
        limit: int = 2,
        offset: int = 0,
    ) -> Page[Item]:
        rows = ROWS[:count]
        return page(
            Page[Item],
            request,
            response,
            rows[offset : offset + limit],
            len(rows),
            limit=limit,
            offset=offset,
        )

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_app()) as test_client:
        yield test_client


def _links(response: Any) -> dict[str, dict[str, list[str]]]:
    """Return the Link header as {rel: query parameters of its URL}, checking each URL's path."""
    links = {}
    for link in response.headers["link"].split(", "):
        target, rel = link.split("; ")
        url = urlsplit(target.removeprefix("<").removesuffix(">"))
        assert (url.scheme, url.netloc, url.path) == ("http", "testserver", response.request.url.path)
        links[rel.removeprefix('rel="').removesuffix('"')] = parse_qs(url.query)
    return links


def _offsets(response: Any) -> dict[str, int]:
    """Return {rel: offset} of the Link header, checking every link keeps the page's limit."""
    links = _links(response)
    assert all(query["limit"] == [str(response.json()["limit"])] for query in links.values())
    return {rel: int(query["offset"][0]) for rel, query in links.items()}


def test_the_first_page_links_next_first_and_last_but_no_prev(client: TestClient) -> None:
    first = client.get("/items/5", params={"limit": 2})
    assert first.status_code == 200
    assert first.json() == {
        "items": [{"name": "a", "mass_kg": 1.0}, {"name": "b", "mass_kg": 2.0}],
        "total": 5,
        "limit": 2,
        "offset": 0,
    }
    assert first.headers["link"] == (
        '<http://testserver/items/5?limit=2&offset=2>; rel="next", '
        '<http://testserver/items/5?limit=2&offset=0>; rel="first", '
        '<http://testserver/items/5?limit=2&offset=4>; rel="last"'
    )
    assert first.headers["x-total-count"] == "5"


def test_a_middle_page_links_both_ways_and_reads_every_kind_of_row(client: TestClient) -> None:
    middle = client.get("/items/5", params={"limit": 2, "offset": 2})
    assert middle.json()["items"] == [{"name": "c", "mass_kg": 3.0}, {"name": "d", "mass_kg": 4.0}]
    assert _offsets(middle) == {"next": 4, "prev": 0, "first": 0, "last": 4}


def test_a_page_off_the_grid_goes_back_no_further_than_the_start(client: TestClient) -> None:
    shifted = client.get("/items/5", params={"limit": 2, "offset": 1})
    assert [i["name"] for i in shifted.json()["items"]] == ["b", "c"]
    assert _offsets(shifted) == {"next": 3, "prev": 0, "first": 0, "last": 4}


def test_the_last_page_links_prev_but_no_next(client: TestClient) -> None:
    last = client.get("/items/5", params={"limit": 2, "offset": 4})
    assert last.json()["items"] == [{"name": "e", "mass_kg": 5.0}]
    assert _offsets(last) == {"prev": 2, "first": 0, "last": 4}


def test_a_full_last_page_is_its_own_last(client: TestClient) -> None:
    last = client.get("/items/4", params={"limit": 2, "offset": 2})
    assert [i["name"] for i in last.json()["items"]] == ["c", "d"]
    assert _offsets(last) == {"prev": 0, "first": 0, "last": 2}


def test_an_empty_result_links_first_and_last_to_the_start(client: TestClient) -> None:
    empty = client.get("/items/0", params={"limit": 2})
    assert empty.json() == {"items": [], "total": 0, "limit": 2, "offset": 0}
    assert _offsets(empty) == {"first": 0, "last": 0}
    assert empty.headers["x-total-count"] == "0"


def test_an_offset_beyond_the_end_is_empty_and_steps_back_one_page(client: TestClient) -> None:
    beyond = client.get("/items/5", params={"limit": 2, "offset": 10})
    assert beyond.json() == {"items": [], "total": 5, "limit": 2, "offset": 10}
    # prev is one page back from the offset asked for; last says where the rows end.
    assert _offsets(beyond) == {"prev": 8, "first": 0, "last": 4}


def test_the_links_keep_every_other_query_parameter(client: TestClient) -> None:
    response = client.get(
        "/items/5", params=[("q", "a b&c"), ("kind", "x"), ("kind", "y"), ("limit", "2"), ("offset", "2")]
    )
    links = _links(response)
    assert set(links) == {"next", "prev", "first", "last"}
    for query in links.values():
        assert query["q"] == ["a b&c"] and query["kind"] == ["x", "y"]
        assert len(query["limit"]) == 1 and len(query["offset"]) == 1
    assert _offsets(response) == {"next": 4, "prev": 0, "first": 0, "last": 4}


def test_the_body_is_the_page_type_asked_for() -> None:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("node.example", 80),
            "path": "/items",
            "root_path": "",
            "query_string": b"limit=3",
            "headers": [],
        }
    )
    response = Response()
    body = page(Page[Item], request, response, ROWS[:3], 3, limit=3, offset=0)
    assert type(body) is Page[Item]
    assert [type(i) for i in body.items] == [Item, Item, Item] and body.items[0] is ROWS[0]
    assert response.headers["link"] == (
        '<http://node.example/items?limit=3&offset=0>; rel="first", '
        '<http://node.example/items?limit=3&offset=0>; rel="last"'
    )
