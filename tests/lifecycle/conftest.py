"""Fixtures of the lifecycle tests: two products with GTINs and serialized passports, an exchange
partner granted one of them, and EPCIS documents built from a few fields."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange import service as exchange
from keten.exchange.schemas import GrantCreate, PartnerCreate
from keten.lifecycle.identifiers import sgtin_urn
from keten.passports import service as passports
from keten.passports.schemas import PassportInputData
from tests.factories import make_org, make_part

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GRANTED_GTIN = "08712345000011"
OTHER_GTIN = "08712345000028"


@dataclass(frozen=True)
class Chain:
    """What a test needs: a partner's bearer token, and a granted and an ungranted machine."""

    partner_token: str
    granted: str
    other: str


def machine(gtin: str, serial: str) -> str:
    """Return the SGTIN URN of a machine (keten's GS1 company prefix has 7 digits here)."""
    return sgtin_urn(gtin, serial)


def build_chain(engine: Engine) -> Chain:
    """Store machines M-1 (GTIN 08712345000011) and M-2 (…028) with serials SN0000001-2, and a
    partner SERVICE granted M-1 only; return its token and one machine of each."""
    with Session(engine, expire_on_commit=False) as s:
        make_org(s, code="OWN", name="Own B.V.", role="own", lei=None)
        for number, gtin in (("M-1", GRANTED_GTIN), ("M-2", OTHER_GTIN)):
            make_part(s, part_number=number, kind="product", mass_kg=100.0, category=f"cat-{number}")
            passports.set_input(s, part_number=number, data=PassportInputData.model_validate({"gtin": gtin}))
            passports.issue_serials(s, part_number=number, count=2, resolver="https://id.example.com")
        partner, secret = exchange.create_partner(s, data=PartnerCreate(code="SERVICE", name="Service Co"))
        exchange.create_grant(
            s, data=GrantCreate(partner="SERVICE", part_number="M-1", purpose="service"), username=None
        )
        token = exchange.issue_token(
            s, client_id=partner.client_id, client_secret=secret, issuer="test", lifetime_s=600
        )
        s.commit()
    return Chain(
        partner_token=token["access_token"],
        granted=machine(GRANTED_GTIN, "SN0000001"),
        other=machine(OTHER_GTIN, "SN0000001"),
    )


def event(
    epc: str, step: str = "repairing", when: str = "2026-05-01T10:00:00+02:00", **fields: Any
) -> dict[str, Any]:
    """Return an ObjectEvent OBSERVE of ``epc`` at ``when`` with business step ``step``."""
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": when[-6:] if when[-6] in "+-" else "+00:00",
        "epcList": [epc],
        "action": "OBSERVE",
        "bizStep": step,
        **fields,
    }


def document(*events: dict[str, Any]) -> dict[str, Any]:
    """Return an EPCISDocument holding ``events``."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-05-01T12:00:00Z",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "epcisBody": {"eventList": list(events)},
    }
