"""Passport content, tiers, revisions and integrity through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import schemas, service, signing
from keten.passports.models import TIERS, PassportRecord, PassportRevision
from keten.passports.schemas import PassportContent
from keten.problems import Problem

from .conftest import GTIN, RESOLVER, Product, marker_content

MARKER = re.compile(r"MRK(\d)T\d{5}X")


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
                _models(annotation, seen)
            stack.extend(getattr(annotation, "__args__", ()))
    return seen


def test_every_field_of_the_content_has_a_tier() -> None:
    models = _models(PassportContent, set())
    assert len(models) >= 15
    for model in models:
        for name, info in model.model_fields.items():
            assert schemas.tier_of(info.metadata) in TIERS, f"{model.__name__}.{name} has no tier"


def test_model_content_comes_from_the_bom_composition_and_input(session: Session, product: Product) -> None:
    [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    content = service.content(session, passport_id=record.uid, tier="owner")
    ident = content.identification
    assert ident.gtin == GTIN and ident.digital_link == f"{RESOLVER}/01/{GTIN}"
    assert ident.unique_product_identifier == f"urn:uuid:{record.uid}" and ident.commodity_code == "8486.90"
    composition = content.composition
    assert composition is not None
    masses = {m.code: (m.mass_kg, m.recycled_share) for m in composition.materials}
    assert masses == {"AL6061": (2.0, 0.5), "Nd": (1.0, 0.0), "Co": (0.2, 0.0)}
    assert composition.recycled_content_share == pytest.approx(1.0 / 3.2, abs=1e-4)
    crms = {c.crm: (c.mass_kg, c.materials, c.strategic) for c in composition.critical_raw_materials}
    assert crms == {"LREE": (1.0, ["Nd"], True), "Co": (0.2, ["Co"], True)}
    [substance] = composition.substances_of_concern
    assert substance.mass_kg == pytest.approx(0.2)  # taken from the material with the same CAS number
    assert content.economic_operator is not None and content.economic_operator.name == "Own Company B.V."
    assert content.facility is not None and content.facility.city == "Veldhoven"
    assert content.carbon_footprint is None  # no footprint calculated yet
    assert [d.title for d in content.documents] == ["Declaration"]
    assert [d.title for d in content.technical_documentation] == ["Technical file"]
    assert content.circularity is not None and content.circularity.spare_parts[0].name == "Assembly A"


def test_a_public_reader_sees_no_field_above_public(session: Session, product: Product) -> None:
    [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    public = service.content(session, passport_id=record.uid, tier="public")
    assert public.composition is not None and public.composition.materials == []
    # Recycled content per critical raw material is public (Regulation (EU) 2023/1542 Annex XIII 1(e)).
    assert public.composition.critical_raw_materials[0].recycled_share == 0.0
    assert public.technical_documentation == [] and public.owner is None
    authority = service.content(session, passport_id=record.uid, tier="authority")
    assert [d.title for d in authority.technical_documentation] == ["Technical file"]
    assert authority.owner is None


def test_markers_in_every_field_stay_within_their_tier(session: Session, product: Product) -> None:
    [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    service.revise(session, passport_id=record.uid, resolver=RESOLVER, content=marker_content())
    planted = set(MARKER.findall(json.dumps(service.document(session, passport_id=record.uid, tier="owner"))))
    assert planted == {"0", "1", "2", "3"}
    for rank, tier in enumerate(TIERS):
        seen = json.dumps(service.document(session, passport_id=record.uid, tier=tier))
        ranks = {int(r) for r in MARKER.findall(seen)}
        assert ranks == set(range(rank + 1)), f"{tier} sees markers of ranks {ranks}"
        typed = service.content(session, passport_id=record.uid, tier=tier).model_dump_json()
        assert {int(r) for r in MARKER.findall(typed)} == set(range(rank + 1))


def test_items_inherit_the_model_and_carry_their_as_built_bom(session: Session, product: Product) -> None:
    records = service.issue(
        session, part_number="P-1", level="item", serials=["S1", "S2"], resolver=RESOLVER, username="ada"
    )
    assert {r.serial for r in records} == {"S1", "S2"}
    item = service.find(session, gtin=GTIN, serial="S1")
    model = service.find(session, gtin=GTIN)
    content = service.content(session, passport_id=item.uid, tier="legitimate_interest")
    assert content.identification.granularity == "item" and content.identification.serial_number == "S1"
    assert content.identification.digital_link == f"{RESOLVER}/01/{GTIN}/21/S1"
    assert content.identification.model is not None
    assert content.identification.model.id == f"urn:uuid:{model.uid}"
    assert [(line.part_number, line.quantity) for line in content.as_built] == [("A-1", 2.0)]
    assert content.composition is not None and content.composition.total_mass_kg == 3.5
    assert service.content(session, passport_id=item.uid, tier="public").as_built == []
    with pytest.raises(Problem) as taken:
        service.issue(session, part_number="P-1", level="item", serials=["S3", "S2"], resolver=RESOLVER)
    assert taken.value.status == 409
    session.flush()
    assert session.scalar(select(func.count()).select_from(PassportRecord)) == 3


def test_a_change_is_a_new_chained_revision_and_no_change_is_none(session: Session, product: Product) -> None:
    [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    assert service.revise(session, passport_id=record.uid, resolver=RESOLVER) is None
    data = service.get_input(session, part_number="P-1").model_copy(update={"warranty_years": 3.0})
    service.set_input(session, part_number="P-1", data=data)
    second = service.revise(session, passport_id=record.uid, resolver=RESOLVER)
    assert second is not None and second.number == 2
    first, again = service.revisions(session, passport_id=record.uid)
    assert again.previous_sha256 == first.sha256 and json.loads(again.header)["previous"] == first.sha256
    assert service.content(session, passport_id=record.uid, tier="public").circularity.warranty_years == 3.0  # type: ignore[union-attr]
    assert service.verify_chain(session) == []


def test_revisions_refuse_changes_through_the_orm(session: Session, product: Product) -> None:
    [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    [revision] = service.revisions(session, passport_id=record.uid)
    revision.content = "{}"
    with pytest.raises(RuntimeError, match="immutable"):
        session.flush()


@pytest.mark.parametrize(
    "column, value",
    [
        ("content", None),
        ("header", None),
        ("signature", "AAAA"),
        ("previous_sha256", "0" * 64),
        ("salts", None),
    ],
)
def test_tampering_with_a_stored_revision_is_detected(
    engine: Engine, product: Product, column: str, value: str | None
) -> None:
    with Session(engine) as session:
        [record] = service.issue(session, part_number="P-1", resolver=RESOLVER)
        service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
        session.commit()
        assert service.verify_chain(session) == []
        row = session.scalars(select(PassportRevision).where(PassportRevision.passport_id == record.id)).one()
        if column == "content":
            value = row.content.replace('"expectedLifetimeYears":20.0', '"expectedLifetimeYears":40.0')
            assert value != row.content
        elif column == "header":
            value = row.header.replace('"revision":1', '"revision":1 ')
        elif column == "salts":
            value = json.dumps({**row.salts, "public": "00" * 16})
    with engine.begin() as conn:
        # Straight SQL, as someone with access to the database would, past the ORM's refusal.
        if column == "salts" and conn.dialect.name == "postgresql":
            conn.execute(
                text("UPDATE passport_revisions SET salts = CAST(:v AS JSON) WHERE id = :id"),
                {"v": value, "id": row.id},
            )
        else:
            conn.execute(
                update(PassportRevision.__table__)
                .where(PassportRevision.__table__.c.id == row.id)
                .values({column: value if column != "salts" else json.loads(value or "{}")})
            )
    with Session(engine) as session:
        problems = service.verify_chain(session)
    assert problems and all(f"passport {record.uid} revision 1" in p for p in problems), problems


def test_a_downloaded_passport_verifies_offline_and_edits_are_caught(
    session: Session, product: Product
) -> None:
    [item] = service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
    keys = signing.public_keys_from(service.jwks(session))
    for tier in TIERS:
        document = service.document(session, passport_id=item.uid, tier=tier)
        assert signing.verify_document(document, keys) == [], tier
    document = service.document(session, passport_id=item.uid, tier="legitimate_interest")
    edited = json.loads(json.dumps(document))
    edited["proof"][1]["content"]["composition"]["totalMassKg"] = 1.0
    assert any("changed after signing" in p for p in signing.verify_document(edited, keys))
    shown = json.loads(json.dumps(document))
    shown["passport"]["identification"]["serialNumber"] = "S9"
    assert any("differs from the signed views" in p for p in signing.verify_document(shown, keys))
    other = {k: signing.generate()[1] for k in keys}
    assert any("signature" in p for p in signing.verify_document(document, other))
    swapped = json.loads(json.dumps(document))
    swapped["tier"] = "owner"
    assert signing.verify_document(swapped, keys)


def test_input_import_names_file_row_and_column_and_writes_nothing(
    session: Session, product: Product, tmp_path: Path
) -> None:
    (tmp_path / "substances.csv").write_text(
        "part_number,name,cas_number,location,mass_kg,reason,handling\n"
        "P-1,Lead,7439-92-1,solder,,,\n"
        "P-1,Bad,7439-92-2,solder,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "disassembly.csv").write_text(
        "part_number,step,description,tools,fasteners,time_minutes,hazards\nP-1,0,Open,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(Problem) as failed:
        service.import_inputs(session, service.read_inputs(tmp_path))
    errors = failed.value.errors
    assert {"file": "substances.csv", "row": 3, "column": "cas_number"}.items() <= next(
        e for e in errors if e.get("file") == "substances.csv"
    ).items()
    assert any(e.get("file") == "disassembly.csv" and e.get("column") == "step" for e in errors)
    assert service.get_input(session, part_number="P-1").substances[0].name == "Cobalt"
    (tmp_path / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(Problem, match="problems"):
        service.read_inputs(tmp_path)


def test_demo_inputs_import_and_check_digits() -> None:
    raw = service.read_inputs(Path(__file__).resolve().parents[2] / "data" / "demo" / "passports")
    assert set(raw) == {"WS-1000"}
    assert schemas.check_gtin("8712345001001") == GTIN
    with pytest.raises(ValueError, match="check digit"):
        schemas.check_gtin("8712345001002")
    assert schemas.check_cas("7440-48-4") == "7440-48-4"
    with pytest.raises(ValueError, match="check digit"):
        schemas.check_cas("7440-48-5")


def test_tier_of_a_caller_follows_membership_and_grants(session: Session, product: Product) -> None:
    from keten.partners import auth
    from tests.factories import make_org

    repairer = make_org(session, code="FIX", name="Repairer")
    staff = auth.create_user(session, username="staff", password=None)
    fixer = auth.create_user(session, username="fixer", password=None)
    assert service.caller_tier(session, user_id=None) == "public"
    assert service.caller_tier(session, user_id=staff.id) == "owner"
    service.add_member(session, username="fixer", organization=repairer.code)
    assert service.caller_tier(session, user_id=fixer.id) == "public"
    service.grant(session, organization="FIX", tier="legitimate_interest")
    assert service.caller_tier(session, user_id=fixer.id) == "legitimate_interest"
    service.grant(session, organization="FIX", tier="authority")
    assert service.caller_tier(session, user_id=fixer.id) == "authority"
    service.revoke_grant(session, organization="FIX")
    assert service.caller_tier(session, user_id=fixer.id) == "public"


def test_the_served_json_is_the_document_cold_and_warm(session: Session, product: Product) -> None:
    [item] = service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
    model = service.find(session, gtin=GTIN)
    for record in (item, model):
        for tier in TIERS:
            expected = service.document(session, passport_id=record.uid, tier=tier)
            for _ in range(2):
                assert (
                    json.loads(service.document_json(session, passport_id=record.uid, tier=tier)) == expected
                )
            linked = json.loads(
                service.document_json(session, gtin=GTIN, serial=record.serial, tier=tier, context="ctx")
            )
            assert linked.pop("@context") == "ctx" and linked.pop("@type") == "DigitalProductPassport"
            assert {"id": linked.pop("@id"), **linked} == expected
    with pytest.raises(Problem) as missing:
        service.document_json(session, gtin=GTIN, serial="NOPE", tier="public")
    assert missing.value.status == 404
