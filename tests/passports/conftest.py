"""Fixtures of passport tests: a product small enough to check on paper, and marker content that
puts a value naming its tier into every field."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any, Literal, get_args, get_origin

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.partners import auth
from keten.passports import service
from keten.passports.schemas import PassportContent, PassportInputData, tier_of
from keten.settings import Settings
from tests.conftest import make_user
from tests.factories import make_bom, make_composition, make_material, make_org, make_part, make_site

RESOLVER = "https://id.example.com"
GTIN = "08712345001001"
RANK = service.RANK


@dataclass
class Product:
    """A product P built from two assemblies A, with its passport input; ids of what tests look at."""

    part_number: str
    child: str


def build_product(session: Session) -> Product:
    """Add product P (own Co 0.2 kg) of 2 x assembly A (Nd 0.5 kg, AL6061 1 kg half recycled).

    One P holds Nd 1.0 kg (LREE), AL6061 2.0 kg of which 1.0 kg recycled, Co 0.2 kg: 3.2 kg of
    material, recycled share 1.0 / 3.2 = 0.3125.
    """
    own = make_org(session, code="OWN", name="Own Company B.V.", role="own", lei=None)
    make_site(session, organization=own, code="OWN-1", name="Own plant", city="Veldhoven")
    product = make_part(session, part_number="P-1", name="Test product", kind="product", mass_kg=3.5)
    child = make_part(session, part_number="A-1", name="Assembly A", kind="assembly", mass_kg=1.5)
    make_bom(session, product, (child, 2.0))
    nd = make_material(session, code="Nd", name="Neodymium", cas_number="7440-00-8")
    al = make_material(session, code="AL6061", name="Aluminium 6061")
    co = make_material(session, code="Co", name="Cobalt", cas_number="7440-48-4")
    make_composition(session, part=child, material=nd, mass_kg=0.5)
    make_composition(session, part=child, material=al, mass_kg=1.0, recycled_share=0.5)
    make_composition(session, part=product, material=co, mass_kg=0.2)
    service.set_input(
        session,
        part_number="P-1",
        data=PassportInputData.model_validate(
            {
                "gtin": "8712345001001",
                "commodity_code": "8486.90",
                "expected_lifetime_years": 20,
                "spare_parts": [{"part_number": "A-1", "available_years": 10}],
                "substances": [{"name": "Cobalt", "cas_number": "7440-48-4", "location": "P-1"}],
                "disassembly": [{"step": 1, "description": "Unbolt A", "tools": ["hex key"]}],
                "documents": [
                    {"kind": "doc", "title": "Declaration", "tier": "public"},
                    {"kind": "file", "title": "Technical file", "tier": "authority"},
                ],
            }
        ),
    )
    session.flush()
    return Product(part_number="P-1", child="A-1")


@pytest.fixture
def product(engine: Engine) -> Product:
    with Session(engine) as session:
        built = build_product(session)
        session.commit()
    return built


# --- markers ----------------------------------------------------------------------------------

SCIP = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
FULL: dict[str, Any] = {
    "operator_id": None,
    "facility_id": None,
    "importer": "IMP",
    "importer_eori": "NL123456789",
    "authorised_representative": "REP",
    "renewable_content_share": 0.05,
    "footprint_performance_class": "B",
    "footprint_study_url": "https://example.com/pcf-study.pdf",
    "repairability_score": 7.5,
    "repairability_method": "EN 45554:2020",
    "labels": [{"name": "CE", "legislation": ["2006/42/EC", "2014/30/EU"]}],
    "registry_id": "EU-DPP-0001",
    "backup_provider": "Backup DPP Services B.V.",
    "backup_url": "https://backup.example.com/dpp/1",
    "due_diligence_report_title": "Cobalt due diligence 2026",
    "due_diligence_report_url": "https://example.com/due-diligence-2026.pdf",
    "substances": [
        {
            "name": "Cobalt",
            "cas_number": "7440-48-4",
            "ec_number": "231-158-0",
            "location": "P-1",
            "hazard_classes": ["Carc. 1B", "Repr. 1B"],
            "scip_number": SCIP.upper(),
        }
    ],
}
"""Every regulatory input of a passport (ESPR, the Battery Regulation): P-1 with organizations IMP, REP."""

_serial = count(1)


def marker(rank: int) -> str:
    """Return a value that names the tier (by rank) of the field it is planted in."""
    return f"MRK{rank}T{next(_serial):05d}X"


def _fill(annotation: Any, rank: int) -> Any:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _fill(get_args(annotation)[0], rank)
    if origin in (typing.Union, types.UnionType):
        return _fill(next(a for a in get_args(annotation) if a is not type(None)), rank)
    if origin is Literal:
        return get_args(annotation)[0]
    if origin is list:
        return [_fill(get_args(annotation)[0], rank)]
    if origin is dict:
        return {marker(rank): 1.5}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return fill(annotation, rank)
    if annotation is str:
        return marker(rank)
    if annotation is bool:
        return True
    if annotation is int:
        return 7
    if annotation is float:
        return 2.5
    if annotation is datetime:
        return datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    if annotation is date:
        return date(2026, 1, 2)
    if annotation is typing.Any:
        return {"value": marker(rank)}
    raise TypeError(f"no marker for {annotation!r}")


def fill(model: type[BaseModel], rank: int = 0) -> dict[str, Any]:
    """Return data of ``model`` with a marker in every string, each naming its field's effective tier."""
    data = {}
    for name, info in model.model_fields.items():
        tier = tier_of(info.metadata)
        assert tier is not None, f"{model.__name__}.{name} has no tier"
        data[name] = _fill(info.annotation, max(rank, RANK[tier]))
    return data


def marker_content() -> PassportContent:
    """Return passport content with a tier marker in every field (identification kept valid)."""
    content = PassportContent.model_validate(fill(PassportContent))
    ident = content.identification.model_copy(update={"granularity": "model", "model": None})
    return content.model_copy(update={"identification": ident})


# --- readers of each tier --------------------------------------------------------------------


@contextmanager
def reader(engine: Engine, settings: Settings, tier: str) -> Iterator[TestClient]:
    """Yield a client of a reader at ``tier``: anonymous, a partner's user with a grant, or staff."""
    app = create_app(settings)
    headers = {}
    if tier == "owner":
        headers["Authorization"] = f"Bearer {make_user(engine, 'viewer')}"
    elif tier != "public":
        with Session(engine) as session:
            org = make_org(session, code=f"ORG-{tier}", name=f"Partner {tier}", role="customer")
            user = auth.create_user(session, username=f"user-{tier}", password=None, role="viewer")
            secret, _ = auth.create_api_token(session, user=user, name="t")
            service.add_member(session, username=user.username, organization=org.code)
            service.grant(session, organization=org.code, tier=tier)
            session.commit()
        headers["Authorization"] = f"Bearer {secret}"
    try:
        with TestClient(app, headers=headers) as client:
            yield client
    finally:
        app.state.engine.dispose()
