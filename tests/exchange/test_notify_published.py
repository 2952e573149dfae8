"""A supplier node telling its customers that it published footprints, over both PACT versions,
with real keten servers on loopback: each partner whose active grant covers a new footprint gets
one Published event after the publishing transaction, fetches the footprints and stores them as
primary data; every attempt, and every partner left out for want of a remote, is in the
supplier's access log.

The supplier (the sender) runs on the test database (SQLite, and PostgreSQL when configured); the
customer on a SQLite file of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.exchange.models import ExchangePartner, Grant
from keten.exchange.schemas import PartnerRemote
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
    free_port,
    live_server,
    new_database,
    wait_for,
)
from tests.factories import make_part

VERSIONS = ["2", "3"]
HTML = {"Accept": "text/html"}


@dataclass
class Customer:
    """The customer node: its base URL, database, and the supplier's credentials there."""

    base: str
    engine: Engine
    supplier: Partner


@contextmanager
def _customer(folder: Path) -> Iterator[Customer]:
    """Serve a customer node with RACK of 2 bought MOD and a loose BRK, and the supplier SUP as a
    partner (its remote is set once the supplier's address is known)."""
    url, engine = new_database(folder, "customer")
    with Session(engine, expire_on_commit=False) as session:
        build_customer(session)
        make_part(session, part_number="BRK", mass_kg=0.2, category="bought")
        supplier = add_partner(session, "SUP")
        session.commit()
    try:
        with live_server(Settings(database_url=url, node_name="customer")) as base:
            yield Customer(base, engine, supplier)
    finally:
        service.flush_access_log(engine)
        engine.dispose()


def _supplier_data(engine: Engine, *partners: tuple[str, list[dict[str, Any]]]) -> dict[str, Partner]:
    """Store the supplier's chain (MOD, CMP, BRK calculated, not yet published) and its partners
    with their grants; return their credentials by code."""
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session, own="SUPCO", publish=False)
        made = {code: add_partner(session, code, *grants) for code, grants in partners}
        session.commit()
    return made


def _set_remote(engine: Engine, code: str, *, base_url: str, partner: Partner, version: str) -> None:
    with Session(engine) as session:
        service.set_remote(
            session,
            code=code,
            remote=PartnerRemote(
                base_url=base_url,
                client_id=partner.client_id,
                client_secret=partner.secret,
                pact_version=version,
            ),
        )
        session.commit()


def _link(
    supplier: str,
    supplier_engine: Engine,
    customer: Customer,
    *,
    at_supplier: Partner,
    via: str,
    version: str,
) -> None:
    """Let the supplier's partner CUST call the customer (through ``via``) and the customer's SUP
    call the supplier, each with the credentials the other gave it."""
    _set_remote(supplier_engine, "CUST", base_url=via, partner=customer.supplier, version=version)
    _set_remote(customer.engine, "SUP", base_url=supplier, partner=at_supplier, version=version)


def _entries(engine: Engine, partner: str, action: str | None = None) -> list[tuple[str, str, int]]:
    """Return (action, target, status) of ``partner``'s access-log entries, newest first."""
    with Session(engine) as session:
        rows, _ = service.access_log(session, limit=100, offset=0, partner=partner)
    return [(e.action, e.target, e.status) for e, _ in rows if action is None or e.action == action]


def _stored(engine: Engine) -> dict[str, float]:
    """Return the customer's supplier PCFs: kg CO2e per unit by source."""
    with Session(engine) as session:
        return {p.source: p.kg_co2e_per_unit for p in session.scalars(select(SupplierPcf))}


def _publish(base: str, token: str, part_number: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/exchange/footprints/{part_number}/publish",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_publishing_tells_the_granted_customer_which_fetches_and_stores_the_footprint(
    version: str, tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    partners = _supplier_data(engine, ("ACME", []), ("CUST", [{"category": "modules"}]))
    editor = make_user(engine, "editor")
    # A generous timeout: the gate holds the supplier's event on purpose.
    node = Settings(database_url=settings.database_url, node_name="supplier", pact_timeout_seconds=60)
    with (
        _customer(tmp_path) as customer,
        live_server(node) as supplier,
        Gate(customer.base, held="/events") as gate,
    ):
        _link(supplier, engine, customer, at_supplier=partners["CUST"], via=gate.base, version=version)
        # ACME has no grant but could be called: were it told, its entry would come before CUST's.
        _set_remote(engine, "ACME", base_url=gate.base, partner=customer.supplier, version=version)
        answer = _publish(supplier, editor, "MOD")
        assert answer.status_code == 201, answer.text
        pf_id = answer.json()["id"]
        # The owner has the answer while the event is held at the gate: publishing does not
        # wait for the partner, and the partner has not been told yet.
        assert _entries(engine, "CUST") == []
        assert _stored(customer.engine) == {}
        gate.open()
        stored = wait_for(lambda: _stored(customer.engine))
        # The supplier's MOD: 2 × 4.0 (components) + 10 kWh × 0.3 = 11.0 kg CO2e per unit.
        assert stored == {"pact:SUP:MOD": pytest.approx(11.0)}
        sent = wait_for(lambda: _entries(engine, "CUST", service.NOTIFY_ACTION))
        assert sent == [(service.NOTIFY_ACTION, f"to CUST, 1 footprint: {pf_id}", 200)]
        assert _entries(engine, "ACME") == []
        fetched = wait_for(lambda: _entries(customer.engine, "SUP", service.FETCH_ACTION))
        assert fetched == [(service.FETCH_ACTION, "fetched 1 of 1; stored MOD; recalculated RACK", 200)]
        assert _entries(customer.engine, "SUP", "event")[0][2] == 200
        with Session(customer.engine) as session:
            rack = footprints.latest(session, part_number="RACK")
        assert rack.total_kg_co2e == pytest.approx(22.0)
        assert (rack.primary_data_share or 0.0) > 0.0


def _keten(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "KETEN_NODE_NAME": "supplier", "COLUMNS": "200"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_publishing_several_parts_from_the_command_line_sends_one_event_per_granted_partner(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    partners = _supplier_data(
        engine,
        ("CUST", [{"category": "modules"}, {"part_number": "BRK"}]),
        ("GONE", [{"category": "modules"}]),
        ("LAPSED", [{"part_number": "MOD"}, {"category": "brackets", "expires_at": datetime(2099, 1, 1)}]),
        ("NOGRANT", []),
        ("NOREMOTE", [{"category": "brackets"}]),
    )
    now = datetime.now(UTC)
    with Session(engine) as session:
        lapsed = session.scalar(select(ExchangePartner.id).where(ExchangePartner.code == "LAPSED"))
        for grant in session.scalars(select(Grant).where(Grant.partner_id == lapsed)):
            # One grant revoked, the other expired (a grant cannot be made with a past expiry).
            if grant.part_id is not None:
                grant.revoked_at = now
            else:
                grant.expires_at = now - timedelta(days=1)
        service.revoke_partner(session, code="GONE")
        session.commit()
    with (
        _customer(tmp_path) as customer,
        live_server(Settings(database_url=settings.database_url)) as supplier,
    ):
        _link(supplier, engine, customer, at_supplier=partners["CUST"], via=customer.base, version="3")
        for code in ("GONE", "LAPSED", "NOGRANT"):
            _set_remote(engine, code, base_url=customer.base, partner=customer.supplier, version="3")
        done = _keten("exchange", "publish", "MOD", "BRK", "CMP", url=settings.database_url)
        assert done.returncode == 0, done.stderr
        assert "notified CUST of 2 footprints" in done.stdout
        assert "not notified NOREMOTE: no remote configured" in done.stdout
        for code in ("GONE", "LAPSED", "NOGRANT"):
            assert code not in done.stdout + done.stderr
            assert _entries(engine, code) == []
        mod, brk = (_published_id(engine, n) for n in ("MOD", "BRK"))
        assert _entries(engine, "CUST", service.NOTIFY_ACTION) == [
            (service.NOTIFY_ACTION, f"to CUST, 2 footprints: {mod}, {brk}", 200)
        ]
        assert _entries(engine, "NOREMOTE") == [
            (
                service.UNNOTIFIED_ACTION,
                f"NOREMOTE not notified: no remote configured; 1 footprint: {brk}",
                200,
            )
        ]
        # One event named both: one fetch of two footprints at the customer.
        fetched = wait_for(lambda: _entries(customer.engine, "SUP", service.FETCH_ACTION))
        assert fetched == [(service.FETCH_ACTION, "fetched 2 of 2; stored MOD, BRK; recalculated RACK", 200)]
        assert set(_stored(customer.engine)) == {"pact:SUP:MOD", "pact:SUP:BRK"}


def _published_id(engine: Engine, part_number: str) -> str:
    with Session(engine) as session:
        published = service.active_published(session, part_number=part_number)
        assert published is not None
        return published.id


@pytest.mark.parametrize("version", VERSIONS)
def test_a_partner_that_cannot_be_told_is_logged_and_the_publish_still_succeeds(
    version: str, tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    _supplier_data(engine, ("DOWN", [{"category": "modules"}]), ("REFUSED", [{"part_number": "MOD"}]))
    editor = make_user(engine, "editor")
    nobody = f"http://127.0.0.1:{free_port()}"
    node = Settings(database_url=settings.database_url, pact_retries=1)
    with _customer(tmp_path) as customer, live_server(node) as supplier:
        _set_remote(engine, "DOWN", base_url=nobody, partner=customer.supplier, version=version)
        wrong = Partner("SUP", customer.supplier.client_id, "not-the-secret")
        _set_remote(engine, "REFUSED", base_url=customer.base, partner=wrong, version=version)
        answer = _publish(supplier, editor, "MOD")
        assert answer.status_code == 201, answer.text
        pf_id = answer.json()["id"]
        assert _published_id(engine, "MOD") == pf_id
        [(action, target, status)] = wait_for(lambda: _entries(engine, "DOWN"))
        assert (action, status) == (service.NOTIFY_ACTION, 502)
        assert target.startswith(
            f"to DOWN failed: POST {nobody}/auth/token failed after 2 attempts (ConnectError"
        )
        assert target.endswith(f"; 1 footprint: {pf_id}")
        [(action, target, status)] = wait_for(lambda: _entries(engine, "REFUSED"))
        assert (action, status) == (service.NOTIFY_ACTION, 401)
        assert target.startswith("to REFUSED failed: token: HTTP 401 ") and "invalid_client" in target
        assert _stored(customer.engine) == {}


def test_publishing_on_the_exchange_page_logs_a_granted_partner_without_a_remote(
    client_as: Any, engine: Engine
) -> None:
    _supplier_data(engine, ("OEM", [{"part_number": "BRK"}]))
    editor = client_as("editor")
    page = editor.post(
        "/exchange/publish",
        data={"part_number": "BRK"},
        headers=HTML,
        follow_redirects=False,
    )
    assert page.status_code == 303
    brk = _published_id(engine, "BRK")
    # The test client runs the page's background task before it returns.
    assert _entries(engine, "OEM") == [
        (service.UNNOTIFIED_ACTION, f"OEM not notified: no remote configured; 1 footprint: {brk}", 200)
    ]
