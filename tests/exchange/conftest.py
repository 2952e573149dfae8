"""Fixtures of the exchange tests: a small value chain with calculated and published footprints,
partners with credentials, and keten servers on loopback ports."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.db import make_engine
from keten.exchange import outbox, service
from keten.exchange.models import FootprintRequest, PublishedFootprint
from keten.exchange.schemas import GrantCreate, PartnerCreate, PartnerRemote
from keten.footprints import service as footprints
from keten.footprints.models import Activity
from keten.migrate import upgrade
from keten.settings import Settings
from tests.conftest import make_user
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


def build_customer(session: Session) -> None:
    """Store the customer's RACK of 2 bought MOD (2 kg aluminium each: 2 × 16.0 = 32.0 kg CO2e
    from secondary data), calculated."""
    footprints.load_factor_csv(session, FACTORS, name="hand", version="1", make_default=True)
    al = make_material(session, code="AL")
    rack = make_part(session, part_number="RACK", kind="product", mass_kg=5.0, category="racks")
    mod = make_part(session, part_number="MOD", mass_kg=2.0, category="bought")
    make_composition(session, part=mod, material=al, mass_kg=2.0)
    make_bom(session, rack, (mod, 2.0))
    session.flush()
    footprints.calculate(session, part_number="RACK")


class Gate:
    """A loopback HTTP proxy in front of a node that holds every call whose path contains
    ``held`` (GetFootprint: "/footprints/", an event: "/events") until ``open()``: while it is
    shut, a call the other node started cannot have reached the node behind it."""

    def __init__(self, target: str, *, held: str) -> None:
        self.target = target
        self.held = held
        self._open = threading.Event()
        self._http = httpx.Client(timeout=60)
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                if gate.held in self.path:
                    gate._open.wait(timeout=60)
                length = int(self.headers.get("content-length") or 0)
                skip = ("host", "content-length")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                answer = gate._http.request(
                    self.command,
                    gate.target + self.path,
                    headers=headers,
                    content=self.rfile.read(length) if length else None,
                )
                self.send_response(answer.status_code)
                hop = ("content-length", "content-encoding", "transfer-encoding", "connection")
                for key, value in answer.headers.items():
                    if key.lower() not in hop:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = _forward
            do_POST = _forward

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def open(self) -> None:
        self._open.set()

    def __enter__(self) -> Gate:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.open()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._http.close()


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


def add_receiver_partner(engine: Engine, base: str, *, version: str = "2") -> None:
    """Add the partner RCV whose PACT API (of ``version``) is at ``base``, with our credentials there."""
    with Session(engine) as session:
        add_partner(session, "RCV")
        service.set_remote(
            session,
            code="RCV",
            remote=PartnerRemote(base_url=base, client_id="us", client_secret="secret", pact_version=version),
        )
        session.commit()


def queue_published(engine: Engine, count: int, *, version: str = "2") -> list[str]:
    """Queue ``count`` Published events for the partner RCV in one transaction; return their ids."""
    with Session(engine) as session:
        partner = service.get_partner(session, code="RCV")
        ids = []
        for n in range(count):
            event = service.make_event(
                version, "published", {"pfIds": [f"00000000-0000-4000-8000-{n:012d}"]}, source="https://us"
            )
            outbox.enqueue_event(session, partner=partner, kind="published", event=event, version=version)
            ids.append(event["id"])
        session.commit()
    return ids


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
    """Serve keten with ``settings`` on a loopback port in a thread, with its outbox worker;
    yield its base URL."""
    app = create_app(settings.model_copy(update={"outbox_worker": True, "outbox_poll_seconds": 0.2}))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
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


def self_signed_certificate(folder: Path) -> tuple[str, str]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return (cert path, key path)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def new_database(folder: Path, name: str) -> tuple[str, Engine]:
    """Return (URL, engine) of a new migrated SQLite database file in ``folder``."""
    url = f"sqlite:///{folder / name}.db"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


@dataclass
class Conformance:
    """The system under test (``host``, HTTPS only) and a second keten node that plays the
    conformance service's part (``tester``): it asks, and receives the answers to its requests."""

    version: str
    host: str
    host_plain: str
    tester: str
    ca: str
    partner: Partner
    outsider: Partner
    host_engine: Engine
    tester_engine: Engine
    tester_token: str
    parts: list[str]

    def http(self) -> httpx.Client:
        return httpx.Client(verify=ssl.create_default_context(cafile=self.ca), timeout=30)

    def token(self, partner: Partner | None = None) -> str:
        with self.http() as client:
            return token_of(self.host, partner or self.partner, client=client)


def token_of(base: str, partner: Partner, client: httpx.Client | None = None) -> str:
    """Return an access token of ``partner`` from the server at ``base``."""
    own = client or httpx.Client(timeout=30)
    try:
        response = own.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(partner.client_id, partner.secret),
        )
    finally:
        if client is None:
            own.close()
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@contextmanager
def conformance_nodes(folder: Path, version: str) -> Iterator[Conformance]:
    """Start the host (HTTPS, plus a plain-HTTP twin that must refuse) and the tester node."""
    cert, key = self_signed_certificate(folder)
    host_url, host_engine = new_database(folder, "host")
    tester_url, tester_engine = new_database(folder, "tester")
    with Session(host_engine, expire_on_commit=False) as session:
        parts = build_chain(session, own="HOSTCO")
        partner = add_partner(
            session, "TESTER", {"category": "modules"}, {"category": "components"}, {"category": "brackets"}
        )
        outsider = add_partner(session, "OUTSIDER")
        session.commit()
    with Session(tester_engine, expire_on_commit=False) as session:
        make_org(session, code="TESTCO", name="Tester B.V.", role="own", country="DE")
        make_part(session, part_number="CMP", mass_kg=0.5)
        at_tester = add_partner(session, "HOST")
        session.commit()
    tester_token = make_user(tester_engine, "editor")
    host_settings = Settings(database_url=host_url, node_name="host", pact_allow_http=False)
    tester_settings = Settings(database_url=tester_url, node_name="tester", pact_ca_bundle=cert)
    with (
        live_server(host_settings, ssl_certfile=cert, ssl_keyfile=key) as host,
        live_server(host_settings) as host_plain,
        live_server(tester_settings) as tester,
    ):
        with Session(host_engine) as session:
            service.set_remote(
                session,
                code="TESTER",
                remote=PartnerRemote(
                    base_url=tester,
                    client_id=at_tester.client_id,
                    client_secret=at_tester.secret,
                    pact_version=version,
                ),
            )
            session.commit()
        with Session(tester_engine) as session:
            service.set_remote(
                session,
                code="HOST",
                remote=PartnerRemote(
                    base_url=host,
                    client_id=partner.client_id,
                    client_secret=partner.secret,
                    pact_version=version,
                ),
            )
            session.commit()
        yield Conformance(
            version,
            host,
            host_plain,
            tester,
            cert,
            partner,
            outsider,
            host_engine,
            tester_engine,
            tester_token,
            parts,
        )
    service.flush_access_log()
    host_engine.dispose()
    tester_engine.dispose()


@pytest.fixture(scope="module")
def http(pact: Conformance) -> Iterator[httpx.Client]:
    """An HTTP client that trusts the conformance node's certificate (the module's ``pact``)."""
    with pact.http() as client:
        yield client


@pytest.fixture(scope="module")
def bearer(pact: Conformance) -> dict[str, str]:
    """A valid bearer token of the module's conformance partner."""
    return {"Authorization": f"Bearer {pact.token()}"}


def published_ids(pact: Conformance) -> list[str]:
    """Return the ids of the host's published footprints, oldest first."""
    with Session(pact.host_engine) as session:
        return list(
            session.scalars(
                select(PublishedFootprint.id).order_by(PublishedFootprint.created_at, PublishedFootprint.id)
            )
        )


def answered_request(pact: Conformance, event_id: str) -> FootprintRequest:
    """Return the tester's request ``event_id`` once the host's answer (queued in its outbox and
    sent by its worker) has reached it."""

    def answered() -> FootprintRequest | None:
        with Session(pact.tester_engine) as session:
            ours = session.scalars(
                select(FootprintRequest).where(FootprintRequest.event_id == event_id)
            ).one()
            return ours if ours.status != "pending" else None

    found: FootprintRequest = wait_for(answered)
    return found


def cloud_event(version: str, kind: str, data: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """Return a PACT event of ``kind`` for API ``version`` as a CloudEvents body."""
    return {
        "type": service.EVENT_TYPES[version][kind],
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "https://tester.example",
        "time": "2026-05-19T10:30:00Z",
        "data": data,
    }


def wait_for(check: Any, timeout: float = 20.0) -> Any:
    """Return ``check()`` once it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the awaited state did not come")


def supplier_document(part_number: str, version: str) -> dict[str, Any]:
    """Return a supplier's Active footprint of ``part_number`` in PACT ``version``: 1.0 kg CO2e a
    piece (v2: 0.5 per kg of 2 kg; v3: 1.0 fossil and 0.2 biogenic), DQR 2 (v2) or 4 (v3), no
    primary data share."""
    base: dict[str, Any] = {
        "id": "3f1c1d1e-8a50-4d6a-9a62-3a4b7c1e2f10",
        "created": "2026-01-01T00:00:00Z",
        "status": "Active",
        "validityPeriodStart": "2026-01-01T00:00:00Z",
        "validityPeriodEnd": "2029-01-01T00:00:00Z",
        "companyName": "Supplier",
        "companyIds": ["urn:lei:1234"],
        "productDescription": "component",
        "productIds": [f"urn:pathfinder:product:customcode:vendor-assigned:{part_number}"],
        "productNameCompany": part_number,
    }
    period = {"referencePeriodStart": "2025-01-01T00:00:00Z", "referencePeriodEnd": "2026-01-01T00:00:00Z"}
    if version == "2":
        return base | {
            "specVersion": "2.3.0",
            "version": 1,
            "productCategoryCpc": "4449",
            "comment": "",
            "pcf": period
            | {
                "declaredUnit": "kilogram",
                "unitaryProductAmount": "2",
                "pCfExcludingBiogenic": "0.5",
                "fossilGhgEmissions": "0.5",
                "fossilCarbonContent": "0",
                "biogenicCarbonContent": "0",
                "characterizationFactors": "AR6",
                "ipccCharacterizationFactorsSources": ["AR6"],
                "crossSectoralStandardsUsed": ["ISO Standard 14067"],
                "boundaryProcessesDescription": "cradle to gate",
                "exemptedEmissionsPercent": 0,
                "exemptedEmissionsDescription": "",
                "packagingEmissionsIncluded": False,
                "dqi": {
                    "coveragePercent": 100,
                    "technologicalDQR": 2,
                    "temporalDQR": 2,
                    "geographicalDQR": 2,
                    "completenessDQR": 2,
                    "reliabilityDQR": 2,
                },
            },
        }
    return base | {
        "specVersion": "3.0.0",
        "pcf": period
        | {
            "declaredUnitOfMeasurement": "piece",
            "declaredUnitAmount": "1",
            "productMassPerDeclaredUnit": "2",
            "pcfExcludingBiogenicUptake": "1.2",
            "pcfIncludingBiogenicUptake": "1.2",
            "fossilGhgEmissions": "1.0",
            "biogenicNonCO2Emissions": "0.2",
            "fossilCarbonContent": "0",
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["ISO14067"],
            "exemptedEmissionsPercent": "0",
            "dqi": {"technologicalDQR": "4", "geographicalDQR": "4", "temporalDQR": "4"},
        },
    }


class Receiver:
    """A partner's PACT API reduced to what receiving events needs, on a loopback port: a token
    endpoint that gives any caller a new token (``t1``, ``t2``, …, valid until ``revoke``, with
    ``expires_in`` when given), and events endpoints of both versions that refuse a token it did
    not give or revoked with 401, record each event's path, id and token, answer ``status`` after
    ``delay_s``, and count repeats by id. ``connections`` counts the connections it accepted."""

    def __init__(self, *, delay_s: float = 0.0, status: int = 200, expires_in: int | None = None) -> None:
        self.delay_s = delay_s
        self.status = status
        self.expires_in = expires_in
        self.received: list[tuple[str, str]] = []
        self.tokens: list[str] = []
        self.bearers: list[str] = []
        self.refused = 0
        self.connections = 0
        self._valid: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with receiver._lock:
                    receiver.connections += 1

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(404, b'{"code":"NotFound","message":"no discovery"}')

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path == "/auth/token":
                    with receiver._lock:
                        token = f"t{len(receiver.tokens) + 1}"
                        receiver.tokens.append(token)
                        receiver._valid.add(token)
                    answer: dict[str, Any] = {"access_token": token, "token_type": "bearer"}
                    if receiver.expires_in is not None:
                        answer["expires_in"] = receiver.expires_in
                    self._answer(200, json.dumps(answer).encode())
                    return
                bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ")
                with receiver._lock:
                    known = bearer in receiver._valid
                    receiver.refused += 0 if known else 1
                if not known:
                    self._answer(401, b'{"code":"AccessDenied","message":"unknown token"}')
                    return
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                event_id = json.loads(body)["id"]
                with receiver._lock:
                    receiver.received.append((self.path, event_id))
                    receiver.bearers.append(bearer)
                self._answer(receiver.status)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def revoke(self) -> None:
        """Refuse every token given so far, as a partner whose tokens expired does."""
        with self._lock:
            self._valid.clear()

    def ids(self) -> list[str]:
        """Return the event ids received, in their order, repeats included."""
        with self._lock:
            return [event_id for _, event_id in self.received]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
