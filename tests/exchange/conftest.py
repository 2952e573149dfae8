"""Fixtures of the exchange tests: a small value chain with calculated and published footprints,
partners with credentials, and keten servers on loopback ports."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.exchange import service
from keten.exchange.schemas import GrantCreate, PartnerCreate
from keten.footprints import service as footprints
from keten.footprints.models import Activity
from keten.settings import Settings
from tests.factories import make_bom, make_composition, make_material, make_org, make_part, make_site

FACTORS = """kind,code,unit,kg_co2e_per_unit,secondary_kg_co2e_per_unit,quality,source,licence
material,AL,kg,8,,3,hand,CC0-1.0
material,CU,kg,3,1,3,hand,CC0-1.0
electricity,NL,kWh,0.3,,2,hand,CC0-1.0
"""


def build_chain(session: Session, *, own: str = "OWN", prefix: str = "", publish: bool = True) -> list[str]:
    """Store a product MOD (2 kg, category 'modules') of 2 CMP (0.5 kg AL each, 'components') and
    a loose part BRK ('brackets'), calculate and publish all three; return their part numbers.

    By hand: CMP 0.5 × 8 = 4.0; MOD 2 × 4.0 + 10 kWh × 0.3 = 11.0; BRK 0.2 × 3 = 0.6 kg CO2e.
    """
    footprints.load_factor_csv(session, FACTORS, name="hand", version="1", make_default=True)
    al, cu = make_material(session, code="AL"), make_material(session, code="CU")
    org = make_org(
        session, code=own, name=f"{own} B.V.", role="own", country="NL", lei="724500ABCDEFGHIJKL12"
    )
    site = make_site(session, organization=org, code=f"{own}-FAB", country="NL")
    mod = make_part(session, part_number=f"{prefix}MOD", kind="product", mass_kg=2.0, category="modules")
    cmp_ = make_part(session, part_number=f"{prefix}CMP", mass_kg=0.5, category="components")
    brk = make_part(session, part_number=f"{prefix}BRK", mass_kg=0.2, category="brackets")
    make_bom(session, mod, (cmp_, 2.0))
    make_composition(session, part=cmp_, material=al, mass_kg=0.5)
    make_composition(session, part=brk, material=cu, mass_kg=0.2)
    session.add(Activity(part_id=mod.id, kind="electricity", site_id=site.id, amount=10.0, primary_share=1.0))
    session.flush()
    numbers = [mod.part_number, cmp_.part_number, brk.part_number]
    for number in numbers:
        footprints.calculate(session, part_number=number)
        if publish:
            service.publish(session, part_number=number)
    return numbers


@dataclass
class Partner:
    code: str
    client_id: str
    secret: str


def add_partner(session: Session, code: str, *grants: dict[str, Any]) -> Partner:
    """Create a partner with grants (each a dict of GrantCreate fields); return its credentials."""
    partner, secret = service.create_partner(session, data=PartnerCreate(code=code, name=f"{code} GmbH"))
    for grant in grants:
        service.create_grant(
            session, data=GrantCreate(partner=code, purpose="tests", **grant), username="tests"
        )
    return Partner(code, partner.client_id, secret)


@pytest.fixture
def chain(engine: Engine) -> list[str]:
    """Return the part numbers of a stored, calculated and published chain."""
    with Session(engine, expire_on_commit=False) as session:
        numbers = build_chain(session)
        session.commit()
    return numbers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(settings: Settings, **config: Any) -> Iterator[str]:
    """Serve keten with ``settings`` on a loopback port in a thread; yield its base URL."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    scheme = "https" if "ssl_certfile" in config else "http"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the keten server did not start")
        time.sleep(0.02)
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def token_of(base: str, partner: Partner, **kwargs: Any) -> str:
    """Return an access token of ``partner`` from the server at ``base``."""
    response = httpx.post(
        f"{base}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(partner.client_id, partner.secret),
        **kwargs,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
