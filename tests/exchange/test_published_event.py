"""A supplier's Published event at a customer's node, over both PACT versions, with real keten
servers on loopback: the customer fetches the named footprints after answering and stores them as
primary data, or says in its access log why it did not.

The customer node runs on the test database (SQLite, and PostgreSQL when configured); the
supplier node on a SQLite file of its own. The error answers to unknown event types are checked
against the text of the specifications."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange import client as pact_client
from keten.exchange import service
from keten.exchange.schemas import PartnerCreate, PartnerRemote
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import (
    Gate,
    Partner,
    add_partner,
    build_chain,
    build_customer,
    live_server,
    new_database,
    token_of,
    wait_for,
)

VERSIONS = ["2", "3"]


@dataclass
class Nodes:
    """The customer node (its base URL, database and an admin token) and the supplier's
    credentials at the customer; ``pf_id`` is the supplier's published footprint of MOD."""

    customer: str
    customer_engine: Engine
    admin: str
    supplier_at_customer: Partner
    pf_id: str


def _supplier_at_customer(engine: Engine, remote: PartnerRemote | None) -> Partner:
    with Session(engine) as session:
        partner, secret = service.create_partner(
            session, data=PartnerCreate(code="SUP", name="Supplier GmbH", remote=remote)
        )
        session.commit()
        return Partner("SUP", partner.client_id, secret)


@contextmanager
def _supplier(folder: Path) -> Iterator[tuple[str, str, Partner]]:
    """Serve a supplier node that published MOD (11.0 kg CO2e) and granted it to the customer;
    yield its base URL, the footprint's id and the customer's credentials there."""
    url, engine = new_database(folder, "supplier")
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session, own="SUPCO")
        customer = add_partner(session, "CUST", {"category": "modules"})
        published = service.active_published(session, part_number="MOD")
        assert published is not None
        pf_id = published.id
        session.commit()
    try:
        with live_server(Settings(database_url=url, node_name="supplier")) as base:
            yield base, pf_id, customer
    finally:
        service.flush_access_log(engine)
        engine.dispose()


@contextmanager
def _customer(
    settings: Settings, engine: Engine, remote: PartnerRemote | None, pf_id: str
) -> Iterator[Nodes]:
    with Session(engine) as session:
        build_customer(session)
        session.commit()
    supplier = _supplier_at_customer(engine, remote)
    # A generous timeout: the gated test holds the customer's GetFootprint call on purpose.
    node = Settings(database_url=settings.database_url, node_name="customer", pact_timeout_seconds=60)
    with live_server(node) as base:
        yield Nodes(base, engine, make_user(engine, "admin"), supplier, pf_id)


def _publish_event(nodes: Nodes, version: str, pf_ids: list[str]) -> None:
    """Send the Published event as the supplier's node does: keten's PACT client, with the
    credentials the customer gave the supplier."""
    event = service.make_event(version, "published", {"pfIds": pf_ids}, source="https://supplier.example")
    with pact_client.PactClient(
        base_url=nodes.customer,
        client_id=nodes.supplier_at_customer.client_id,
        client_secret=nodes.supplier_at_customer.secret,
        version=version,
        allow_http=True,
    ) as sender:
        sender.post_event(event)


def _log_entry(nodes: Nodes, action: str) -> dict[str, Any] | None:
    """Return the newest entry of ``action`` in the owner's view of the supplier's access log."""
    response = httpx.get(
        f"{nodes.customer}/api/exchange/access-log",
        params={"partner": "SUP"},
        headers={"Authorization": f"Bearer {nodes.admin}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return next((e for e in response.json()["items"] if e["action"] == action), None)


def _log_page(nodes: Nodes) -> str:
    response = httpx.get(
        f"{nodes.customer}/exchange/log",
        params={"partner": "SUP"},
        headers={"Authorization": f"Bearer {nodes.admin}"},
        timeout=30,
    )
    assert response.status_code == 200
    return response.text


def _stored(engine: Engine) -> list[SupplierPcf]:
    with Session(engine) as session:
        return list(session.scalars(select(SupplierPcf)))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_published_footprint_is_fetched_after_the_answer_and_stored_as_primary_data(
    version: str, tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    with (
        _supplier(tmp_path) as (supplier, pf_id, customer_at_supplier),
        Gate(supplier, held="/footprints/") as gate,
    ):
        remote = PartnerRemote(
            base_url=gate.base,
            client_id=customer_at_supplier.client_id,
            client_secret=customer_at_supplier.secret,
            pact_version=version,
        )
        with _customer(settings, engine, remote, pf_id) as nodes:
            _publish_event(nodes, version, [pf_id])
            # The event was answered while the fetch it started is held at the gate: the answer
            # does not wait for the supplier, and nothing is stored yet.
            assert _stored(engine) == []
            assert _log_entry(nodes, service.FETCH_ACTION) is None
            gate.open()
            entry = wait_for(lambda: _log_entry(nodes, service.FETCH_ACTION))
            assert entry["status"] == 200
            assert entry["target"] == "fetched 1 of 1; stored MOD; recalculated RACK"
            [pcf] = _stored(engine)
            assert pcf.source == "pact:SUP:MOD"
            # The supplier's MOD: 2 × 4.0 (components) + 10 kWh × 0.3 = 11.0 kg CO2e per unit.
            assert pcf.kg_co2e_per_unit == pytest.approx(11.0)
            with Session(engine) as session:
                rack = footprints.latest(session, part_number="RACK")
            assert rack.total_kg_co2e == pytest.approx(22.0)
            assert (rack.primary_data_share or 0.0) > 0.0
            assert "recalculated RACK" in _log_page(nodes)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_published_event_without_a_remote_is_acknowledged_and_shown_as_not_fetched(
    version: str, settings: Settings, engine: Engine
) -> None:
    pf_id = str(uuid.uuid4())
    with _customer(settings, engine, None, pf_id) as nodes:
        _publish_event(nodes, version, [pf_id, pf_id])
        entry = _log_entry(nodes, service.UNFETCHED_ACTION)
        assert entry is not None
        assert (entry["status"], entry["target"]) == (200, f"not fetched: no remote configured; {pf_id}")
        assert _log_entry(nodes, "event") is not None
        assert _stored(engine) == []
        assert f"not fetched: no remote configured; {pf_id}" in _log_page(nodes)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_failing_supplier_api_is_recorded_for_the_owner_and_nothing_is_stored(
    version: str, tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    with _supplier(tmp_path) as (supplier, pf_id, customer_at_supplier):
        remote = PartnerRemote(
            base_url=supplier,
            client_id=customer_at_supplier.client_id,
            client_secret="not-the-secret",
            pact_version=version,
        )
        with _customer(settings, engine, remote, pf_id) as nodes:
            _publish_event(nodes, version, [pf_id])
            entry = wait_for(lambda: _log_entry(nodes, service.FETCH_ACTION))
            assert entry["status"] == 502
            assert entry["target"].startswith("fetched 0 of 1; failed: token: HTTP 401 ")
            assert "invalid_client" in entry["target"]
            assert _stored(engine) == []
            assert "failed: token: HTTP 401" in _log_page(nodes)


def _pact_headers(client: TestClient, partner: Partner) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token_of('', partner, client=client)}",
        "Content-Type": "application/cloudevents+json; charset=UTF-8",
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unknown_event_type_gets_the_specifications_error(
    version: str, anonymous_client: TestClient, engine: Engine
) -> None:
    """v2.3.0 section 8.9 (Error responses), Error Codes Table: ``NotImplemented`` has HTTP status
    400, and the body is ``{"code", "message"}`` as application/json. v3.0.0 section 5.8 (Action
    Events): a host system MUST validate the event and answer an invalid one with a 4xx status;
    section 5.8.5 gives the events' 4xx as 400 with an Error object, whose ``code`` (section 4.13)
    is one of BadRequest, AccessDenied, TokenExpired, NotFound, InternalError, NotImplemented."""
    with Session(engine) as session:
        partner = add_partner(session, "SUP")
        session.commit()
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "//supplier.example/events",
        "time": "2026-05-19T10:30:00Z",
        "type": "org.wbcsd.pact.ProductFootprint.SomethingElse.3",
        "data": {"pfIds": [str(uuid.uuid4())]},
    }
    answer = anonymous_client.post(
        f"/{version}/events", content=json.dumps(event), headers=_pact_headers(anonymous_client, partner)
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"code", "message"} and body["code"] == "NotImplemented"
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_published_event_naming_no_footprint_is_a_bad_request(
    version: str, anonymous_client: TestClient, engine: Engine
) -> None:
    """v2.3.0 section 8.8.3: PfIds MUST be the non-empty list of the updated footprints' ids."""
    with Session(engine) as session:
        partner = add_partner(session, "SUP")
        session.commit()
    event = service.make_event(version, "published", {"pfIds": []}, source="//supplier.example")
    answer = anonymous_client.post(
        f"/{version}/events", content=json.dumps(event), headers=_pact_headers(anonymous_client, partner)
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "BadRequest")
    assert "pfIds" in answer.json()["message"]


def test_the_summary_of_a_fetch_puts_failures_first() -> None:
    result = service.PullResult(
        partner="SUP", fetched=1, stored=["MOD"], unmatched=["x"], failures=["token: HTTP 401"]
    )
    assert service.pull_summary(result, asked=2) == (
        "fetched 1 of 2; failed: token: HTTP 401; stored MOD; unmatched x"
    )
