"""The PACT client against a live keten node, and through a flaky front server on loopback that
answers 503 or stalls before it passes calls on: retries with backoff, timeouts, token refresh,
pagination, and a report of what failed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from keten.exchange import client, service
from keten.exchange.schemas import PartnerCreate, PartnerRemote
from keten.footprints.models import SupplierPcf
from keten.settings import Settings
from tests.exchange.conftest import add_partner, build_chain, free_port, live_server, new_database


@contextmanager
def flaky_front(target: str, *, fail_first: int = 0, stall_s: float = 0.0) -> Iterator[tuple[str, list[int]]]:
    """Serve a proxy of ``target`` that answers 503 to the first ``fail_first`` footprint lists and
    stalls every footprint list by ``stall_s``; yield its URL and the statuses of the lists."""
    answered: list[int] = []

    async def forward(request: Request) -> Response:
        is_list = request.url.path.endswith("/footprints")
        if is_list and stall_s:
            await asyncio.sleep(stall_s)
        if is_list and fail_first > len([s for s in answered if s == 503]):
            answered.append(503)
            return Response(status_code=503)
        async with httpx.AsyncClient() as http:
            upstream = await http.request(
                request.method,
                f"{target}{request.url.path}",
                params=request.query_params,
                content=await request.body(),
                headers={
                    k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")
                },
            )
        if is_list:
            answered.append(upstream.status_code)
        # Links point at the node itself; the client follows them there.
        headers = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "link")}
        return Response(upstream.content, status_code=upstream.status_code, headers=headers)

    app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the front did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", answered
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[str, Session, Session]]:
    """Yield the base URL of a supplier node with three granted footprints, and sessions on the
    supplier's and the customer's databases (the customer has the parts, without footprints)."""
    supplier_url, supplier = new_database(tmp_path, "supplier")
    customer_url, customer = new_database(tmp_path, "customer")
    with Session(supplier, expire_on_commit=False) as s, Session(customer, expire_on_commit=False) as c:
        build_chain(s, own="SUPCO")
        credentials = add_partner(s, "CUSTOMER", {"category": "components"}, {"category": "brackets"})
        s.commit()
        build_chain(c, own="CUSTCO", publish=False)
        service.create_partner(
            c,
            data=PartnerCreate(
                code="SUPPLIER",
                name="Supplier",
                remote=PartnerRemote(client_id=credentials.client_id, client_secret=credentials.secret),
            ),
        )
        c.commit()
        with live_server(Settings(database_url=supplier_url)) as base:
            yield base, s, c
    supplier.dispose()
    customer.dispose()
    assert customer_url


def _point(customer: Session, base: str) -> None:
    partner = service.get_partner(customer, code="SUPPLIER")
    partner.base_url = base
    customer.flush()


def test_a_pull_retries_503_answers_with_backoff_and_stores_what_matches(
    nodes: tuple[str, Session, Session],
) -> None:
    base, _supplier, customer = nodes
    with flaky_front(base, fail_first=2) as (front, answered):
        _point(customer, front)
        result = client.pull(
            customer, partner_code="SUPPLIER", options=client.CallOptions(retries=3, allow_http=True)
        )
    assert answered[:3] == [503, 503, 200]
    assert result.failures == []
    assert sorted(result.stored) == ["BRK", "CMP"]
    assert result.recalculated == ["BRK", "CMP", "MOD"]
    sources = customer.scalars(select(SupplierPcf.source).order_by(SupplierPcf.source)).all()
    assert sources == ["pact:SUPPLIER:BRK", "pact:SUPPLIER:CMP"]


def test_a_pull_that_keeps_failing_reports_it_and_stores_nothing(nodes: tuple[str, Session, Session]) -> None:
    base, _supplier, customer = nodes
    with flaky_front(base, fail_first=100) as (front, answered):
        _point(customer, front)
        result = client.pull(
            customer, partner_code="SUPPLIER", options=client.CallOptions(retries=2, allow_http=True)
        )
    assert answered == [503, 503, 503]
    assert len(result.failures) == 1 and "failed after 3 attempts (HTTP 503)" in result.failures[0]
    assert result.stored == [] and customer.scalars(select(SupplierPcf)).first() is None


def test_a_stalled_partner_times_out(nodes: tuple[str, Session, Session]) -> None:
    base, _supplier, customer = nodes
    with flaky_front(base, stall_s=1.0) as (front, _answered):
        _point(customer, front)
        result = client.pull(
            customer,
            partner_code="SUPPLIER",
            options=client.CallOptions(timeout_s=0.2, retries=1, allow_http=True),
        )
    assert result.failures and "ReadTimeout" in result.failures[0]


def test_an_expired_token_is_refreshed_and_pages_are_followed(nodes: tuple[str, Session, Session]) -> None:
    base, supplier, customer = nodes
    partner = service.get_partner(customer, code="SUPPLIER")
    assert partner.remote_client_id and partner.remote_client_secret
    expired = service.issue_token(
        supplier,
        client_id=partner.remote_client_id,
        client_secret=partner.remote_client_secret,
        issuer=base,
        lifetime_s=-60,
    )["access_token"]
    supplier.commit()
    with client.PactClient(
        base, partner.remote_client_id, partner.remote_client_secret, allow_http=True
    ) as pact:
        pact._token = expired
        pages = list(pact.pages(limit=1))
        assert pact._token != expired
    assert [len(page) for page in pages] == [1, 1]
    wrong = client.PactClient(base, partner.remote_client_id, "wrong", retries=0, allow_http=True)
    with pytest.raises(client.PactCallFailed, match="token: HTTP 401"), wrong:
        wrong.token()
