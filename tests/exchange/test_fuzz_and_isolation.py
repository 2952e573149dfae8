"""Fuzzing the exchange endpoints from keten's own OpenAPI description with schemathesis against a
live node (no answer may be a 5xx), and isolation: no partner sees another partner's or the
owner's ungranted footprints through any endpoint, filter or error message."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.exchange import service
from keten.exchange.models import PublishedFootprint
from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import Partner, add_partner, build_chain, live_server, new_database, token_of


class Node:
    def __init__(self, base: str, partner: Partner, other: Partner, admin: str, ids: dict[str, str]) -> None:
        self.base, self.partner, self.other, self.admin, self.ids = base, partner, other, admin, ids


@contextmanager
def _serve_node(folder: Path) -> Iterator[Node]:
    """Serve a node whose partner ALPHA is granted the modules, BETA the brackets, nobody the components."""
    url, engine = new_database(folder, "node")
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session)
        partner = add_partner(session, "ALPHA", {"category": "modules"})
        other = add_partner(session, "BETA", {"category": "brackets"})
        session.commit()
        rows = session.execute(select(PublishedFootprint.id, PublishedFootprint.product_ids)).all()
        ids = {products[0].rsplit(":", 1)[1].upper(): pf_id for pf_id, products in rows}
    admin = make_user(engine, "admin")
    with live_server(Settings(database_url=url)) as base:
        yield Node(base, partner, other, admin, ids)
    engine.dispose()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A node for the fuzzers, which may revoke, rotate and grant whatever they like."""
    with _serve_node(tmp_path_factory.mktemp("fuzz")) as served:
        yield served


@pytest.fixture
def clean_node(tmp_path: Path) -> Iterator[Node]:
    with _serve_node(tmp_path) as served:
        yield served


def _operations(pattern: str) -> list[Any]:
    """Return the operations of keten's own OpenAPI description whose path matches ``pattern``."""
    app = create_app(Settings(database_url="sqlite://"))
    document = app.openapi()
    app.state.engine.dispose()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if re.search(pattern, op.path)]


def _fuzz(operations: list[Any], base: str, headers: Any, check: Any) -> int:
    """Call every operation with generated cases; return how many calls were made."""
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            nonlocal calls
            case.headers = {**(case.headers or {}), **headers(case)}
            response = case.call(base_url=base)
            calls += 1
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
            check(case, response)

        run()
    return calls


def test_fuzzing_the_pact_api_gives_no_5xx(node: Node) -> None:
    operations = _operations(r"^/(2|3)/|^/auth/token$")
    assert {op.path for op in operations} >= {"/2/footprints", "/3/events", "/auth/token"}
    token = token_of(node.base, node.partner)

    def headers(case: Any) -> dict[str, str]:
        return {} if case.path == "/auth/token" else {"Authorization": f"Bearer {token}"}

    def check(case: Any, response: Any) -> None:
        if response.status_code >= 400 and case.path != "/auth/token":
            assert set(response.json()) == {"code", "message"}

    assert _fuzz(operations, node.base, headers, check) > 50


def test_fuzzing_the_owner_s_exchange_api_gives_no_5xx(node: Node) -> None:
    operations = _operations(r"^/api/exchange")
    assert len(operations) >= 15

    def headers(case: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {node.admin}"}

    assert _fuzz(operations, node.base, headers, lambda case, response: None) > 100


def _all_ids_seen(node: Node, partner: Partner) -> tuple[set[str], list[str]]:
    """Return every footprint id ``partner`` can reach, and every text it was answered."""
    bearer = {"Authorization": f"Bearer {token_of(node.base, partner)}"}
    seen: set[str] = set()
    texts: list[str] = []
    queries: list[dict[str, str]] = [
        {},
        {"limit": "1"},
        {"limit": "1", "offset": "2"},
        {"$filter": "created ge '2000-01-01T00:00:00Z'"},
        {"$filter": "status eq 'Active'"},
        {"$filter": "productIds/any(p:(p eq 'urn:pathfinder:product:customcode:vendor-assigned:BRK'))"},
        {"status": "Active"},
        {"status": "Deprecated"},
        {"productId": service.product_urn("BRK")},
        {"productId": service.product_urn("CMP")},
        {"geography": "NL"},
        {"validBefore": "2200-01-01T00:00:00Z"},
    ]
    with httpx.Client(headers=bearer, timeout=30) as http:
        for version in ("2", "3"):
            for query in queries:
                response = http.get(f"{node.base}/{version}/footprints", params=query)
                texts.append(response.text)
                if response.status_code == 200:
                    seen.update(pf["id"] for pf in response.json()["data"])
                    nxt = response.links.get("next", {}).get("url")
                    if nxt:
                        texts.append(http.get(nxt).text)
            for pf_id in node.ids.values():
                response = http.get(f"{node.base}/{version}/footprints/{pf_id}")
                texts.append(response.text)
                if response.status_code == 200:
                    seen.add(response.json()["data"]["id"])
                else:
                    assert response.status_code == 404
    return seen, texts


def test_no_partner_sees_another_s_or_ungranted_footprints_anywhere(clean_node: Node) -> None:
    node = clean_node
    alpha, alpha_texts = _all_ids_seen(node, node.partner)
    beta, beta_texts = _all_ids_seen(node, node.other)
    assert alpha == {node.ids["MOD"]}
    assert beta == {node.ids["BRK"]}
    # The component is granted to nobody: its id appears in no answer to anyone.
    for text in alpha_texts + beta_texts:
        assert node.ids["CMP"] not in text
    for text in alpha_texts:
        assert node.ids["BRK"] not in text
    for text in beta_texts:
        assert node.ids["MOD"] not in text
    # The error for an ungranted footprint is word for word the one for a footprint that never was.
    bearer = {"Authorization": f"Bearer {token_of(node.base, node.partner)}"}
    hidden = httpx.get(f"{node.base}/2/footprints/{node.ids['BRK']}", headers=bearer)
    never = httpx.get(f"{node.base}/2/footprints/00000000-0000-4000-8000-000000000000", headers=bearer)
    assert (hidden.status_code, hidden.json()) == (never.status_code, never.json())
    # A partner's token does not open the owner's API, which lists grants and the access log.
    for path in ("/api/exchange/grants", "/api/exchange/access-log", "/api/exchange/partners"):
        assert httpx.get(f"{node.base}{path}", headers=bearer).status_code == 401
    # And the access log records who read what.
    log = httpx.get(
        f"{node.base}/api/exchange/access-log",
        params={"partner": "ALPHA", "limit": 1000},
        headers={"Authorization": f"Bearer {node.admin}"},
    ).json()
    assert {"get footprint", "list footprints", "token"} <= {e["action"] for e in log["items"]}
    assert all(e["partner"] == "ALPHA" for e in log["items"])
    assert json.dumps(log).count(node.ids["MOD"]) >= 1
