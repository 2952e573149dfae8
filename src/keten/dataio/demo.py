"""The demo value chain shipped in data/demo: a wafer-stage module of a lithography machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.dataio import service
from keten.footprints import service as footprints_service
from keten.passports import service as passports_service
from keten.problems import Problem

__all__ = [
    "DEMO_ADMIN",
    "DEMO_DIR",
    "DEMO_GTIN",
    "DEMO_PARTNER",
    "admin_password",
    "history_document",
    "load",
    "load_exchange",
    "load_history",
    "pact_credentials",
    "welcome_lines",
]

DEMO_ADMIN = "demo"

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "demo"


def load(session: Session, *, passports: bool = False, resolver: str | None = None) -> service.ImportReport:
    """Import the demo value chain (again: a second load changes nothing) and return the report.

    With ``passports``, also store the WS-1000 footprint and issue its passports (see
    :func:`load_passports`), with Digital Link URIs on ``resolver``.
    """
    if not DEMO_DIR.is_dir():
        raise FileNotFoundError(f"demo data not found at {DEMO_DIR}")
    report = service.import_tables(session, service.read_path(DEMO_DIR), username="demo")
    footprints_service.load_demo(session, DEMO_DIR / "footprints")
    if passports:
        load_passports(session, resolver)
    return report


DEMO_SERIALS = ("WS1000-0001", "WS1000-0002", "WS1000-0003")


def load_passports(session: Session, resolver: str | None = None) -> None:
    """Give WS-1000 its passport input, a footprint, a model passport and three serialized machines;
    on a later load, revise the model passport if its data changed."""
    from keten.passports.models import PassportRecord
    from keten.settings import get_settings

    resolver = resolver or get_settings().resolver_url
    passports_service.import_inputs(session, passports_service.read_inputs(DEMO_DIR / "passports"))
    try:
        footprints_service.latest(session, part_number="WS-1000")
    except Problem:
        footprints_service.calculate(session, part_number="WS-1000")
    model = session.scalar(
        select(PassportRecord).where(PassportRecord.part_number == "WS-1000", PassportRecord.level == "model")
    )
    if model is None:
        passports_service.issue(
            session,
            part_number="WS-1000",
            level="item",
            serials=DEMO_SERIALS,
            resolver=resolver,
            username="demo",
        )
    else:
        passports_service.revise(session, passport_id=model.uid, resolver=resolver, username="demo")
    load_history(session)


DEMO_GTIN = "08712345001001"
_OEM = "urn:epc:id:sgln:8712345.00001.0"
_FAB = "urn:epc:id:sgln:8712345.00002.0"


def _demo_event(kind: str, when: str, step: str, where: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "eventTime": when,
        "eventTimeZoneOffset": "+01:00",
        "bizStep": step,
        "bizLocation": {"id": where},
        **fields,
    }


def _machine(serial: str) -> str:
    return f"https://id.gs1.org/01/{DEMO_GTIN}/21/{serial}"


def _chuck(serial: str) -> str:
    # The SiC wafer chuck CH-2400 of a machine, as an individual asset (GIAI).
    return f"https://id.gs1.org/8004/8712345CH2400-{serial[-4:]}"


def _delivered(serial: str, day: int) -> list[dict[str, Any]]:
    machine = _machine(serial)
    return [
        _demo_event(
            "ObjectEvent",
            f"2025-03-{day:02d}T09:00:00+01:00",
            "commissioning",
            _OEM,
            action="ADD",
            epcList=[machine],
        ),
        _demo_event(
            "AggregationEvent",
            f"2025-03-{day:02d}T10:00:00+01:00",
            "installing",
            _OEM,
            action="ADD",
            parentID=machine,
            childEPCs=[_chuck(serial)],
        ),
        _demo_event(
            "ObjectEvent",
            f"2025-03-{day + 9:02d}T09:00:00+01:00",
            "shipping",
            _OEM,
            action="OBSERVE",
            epcList=[machine],
        ),
        _demo_event(
            "ObjectEvent",
            f"2025-04-{day:02d}T09:00:00+01:00",
            "installing",
            _FAB,
            action="OBSERVE",
            epcList=[machine],
        ),
    ]


def history_document() -> dict[str, Any]:
    """Return the demo machines' history as an EPCISDocument: WS1000-0001 repaired in the field,
    WS1000-0003 decommissioned and its wafer chuck harvested, WS1000-0002 refurbished at the OEM
    with that harvested chuck in place of its own."""
    one, two, three = DEMO_SERIALS
    refurbishing = "https://keten.dev/ns/lifecycle/BizStep-refurbishing"
    harvesting = "https://keten.dev/ns/lifecycle/BizStep-harvesting"
    events = [*_delivered(one, 1), *_delivered(two, 2), *_delivered(three, 3)]
    events += [
        _demo_event(
            "ObjectEvent",
            "2025-10-01T09:00:00+01:00",
            "inspecting",
            _FAB,
            action="OBSERVE",
            epcList=[_machine(one)],
        ),
        _demo_event(
            "ObjectEvent",
            "2026-02-10T09:00:00+01:00",
            "repairing",
            _FAB,
            action="OBSERVE",
            epcList=[_machine(one)],
            disposition="in_progress",
        ),
        _demo_event(
            "ObjectEvent",
            "2026-02-12T16:00:00+01:00",
            "repairing",
            _FAB,
            action="OBSERVE",
            epcList=[_machine(one)],
            disposition="active",
        ),
        _demo_event(
            "ObjectEvent",
            "2026-01-05T09:00:00+01:00",
            "decommissioning",
            _FAB,
            action="OBSERVE",
            epcList=[_machine(three)],
        ),
        _demo_event(
            "TransformationEvent",
            "2026-01-10T09:00:00+01:00",
            harvesting,
            _OEM,
            inputEPCList=[_machine(three)],
            outputEPCList=[_chuck(three)],
        ),
        _demo_event(
            "ObjectEvent",
            "2026-01-15T09:00:00+01:00",
            "receiving",
            _OEM,
            action="OBSERVE",
            epcList=[_machine(two)],
        ),
        _demo_event(
            "AggregationEvent",
            "2026-01-20T09:00:00+01:00",
            "replacing",
            _OEM,
            action="DELETE",
            parentID=_machine(two),
            childEPCs=[_chuck(two)],
        ),
        _demo_event(
            "AggregationEvent",
            "2026-01-21T09:00:00+01:00",
            "replacing",
            _OEM,
            action="ADD",
            parentID=_machine(two),
            childEPCs=[_chuck(three)],
        ),
        _demo_event(
            "ObjectEvent",
            "2026-01-25T09:00:00+01:00",
            refurbishing,
            _OEM,
            action="OBSERVE",
            epcList=[_machine(two)],
        ),
        _demo_event(
            "ObjectEvent",
            "2026-02-15T09:00:00+01:00",
            "installing",
            _FAB,
            action="OBSERVE",
            epcList=[_machine(two)],
        ),
    ]
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-02-16T09:00:00+01:00",
        "epcisBody": {"eventList": events},
    }


def load_history(session: Session) -> None:
    """Capture the demo machines' history (again: each event is stored once); their passports follow."""
    from keten.lifecycle import service as lifecycle

    lifecycle.capture_document(session, document=history_document(), caller=lifecycle.Caller(username="demo"))


DEMO_PARTNER = "DEMO-OEM"
"""The demo's PACT customer: its credentials are printed at start, so the PACT API can be tried."""


def load_exchange(session: Session, *, node_name: str = "keten") -> None:
    """Give the demo a PACT customer that is granted WS-1000's published footprint and has asked
    for the footprint of one of its modules (an incoming request); a later load adds nothing."""
    from keten.exchange import service as exchange
    from keten.exchange.models import ExchangePartner, FootprintRequest
    from keten.exchange.schemas import GrantCreate, PartnerCreate

    partner = session.scalar(select(ExchangePartner).where(ExchangePartner.code == DEMO_PARTNER))
    if partner is None:
        partner, _ = exchange.create_partner(
            session, data=PartnerCreate(code=DEMO_PARTNER, name="Demo OEM (a customer trying the PACT API)")
        )
        exchange.create_grant(
            session,
            data=GrantCreate(
                partner=DEMO_PARTNER,
                part_number="WS-1000",
                purpose="product carbon footprint of supplied modules",
            ),
            username="demo",
        )
    if exchange.active_published(session, part_number="WS-1000") is None:
        exchange.publish(session, part_number="WS-1000", node_name=node_name)
    asked = session.scalar(
        select(FootprintRequest.id).where(
            FootprintRequest.partner_id == partner.id, FootprintRequest.direction == "incoming"
        )
    )
    if asked is None:
        # The asked-for module has a footprint of its own, so the request can be fulfilled at once.
        footprints_service.calculate(session, part_number="WS-1100")
        event = exchange.make_event(
            "2",
            "created",
            {
                "pf": {"productIds": [exchange.product_urn("WS-1100")]},
                "comment": "Please share the footprint of the long-stroke X stage for our 2026 report.",
            },
            source="https://pact.demo-oem.example/2/events",
        )
        exchange.handle_event(session, partner=partner, version="2", event=event)


def pact_credentials(session: Session) -> tuple[str, str]:
    """Return the demo customer's PACT client id and a new secret (the old one stops working)."""
    from keten.exchange import service as exchange

    partner, secret = exchange.rotate_secret(session, code=DEMO_PARTNER)
    return partner.client_id, secret


def admin_password(session: Session) -> str:
    """Return a fresh password of the demo's admin user, creating the user on the first run."""
    from keten.partners import auth

    return auth.demo_admin(session, username=DEMO_ADMIN)


def welcome_lines(host: str, port: int, password: str, pact: tuple[str, str] | None = None) -> list[str]:
    """Return the lines ``keten demo`` prints: how to sign in and where to go once the server runs,
    and with ``pact`` (client id, secret) how to call the PACT API as the demo customer."""
    base = f"http://{host}:{port}"
    calls = []
    if pact is not None:
        client_id, secret = pact
        calls = [
            f"  PACT API as customer {DEMO_PARTNER}: client id [bold]{client_id}[/], "
            f"secret [bold]{secret}[/] (new at every start)",
            f"    token:      curl -u {client_id}:{secret} -d grant_type=client_credentials "
            f"{base}/auth/token",
            f'    footprints: curl -H "Authorization: Bearer TOKEN" {base}/2/footprints',
        ]
    return [
        f"keten runs at [bold]{base}[/]",
        f"  sign in as [bold]{DEMO_ADMIN}[/] with password [bold]{password}[/] (new at every start)",
        f"  overview:            {base}/",
        f"  the wafer stage:     {base}/parts/WS-1000",
        f"  parts:               {base}/parts",
        f"  suppliers:           {base}/organizations",
        f"  import your files:   {base}/import",
        f"  passport (scan me):  {base}/01/08712345001001/21/{DEMO_SERIALS[0]}",
        f"  API documentation:   {base}/docs",
        f"  BOM explosion (API): {base}/api/parts/WS-1000/explosion",
        f"  footprint exchange:  {base}/exchange",
        *calls,
        "stop with Ctrl+C",
    ]
