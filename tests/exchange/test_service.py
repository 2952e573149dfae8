"""The exchange's service on SQLite and PostgreSQL: credentials, tokens, grants, visibility,
published documents against the PACT schema, imports of a supplier's footprints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.exchange.models import ExchangePartner, PublishedFootprint
from keten.exchange.schemas import GrantCreate, PartnerCreate
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from keten.problems import Problem
from tests.exchange.conftest import add_partner, build_chain, supplier_document


def _bearer(session: Session, partner_client_id: str, secret: str) -> str:
    answer = service.issue_token(
        session, client_id=partner_client_id, client_secret=secret, issuer="https://node", lifetime_s=60
    )
    return f"Bearer {answer['access_token']}"


def test_a_secret_is_shown_once_and_kept_only_as_an_argon2_hash(session: Session) -> None:
    partner, secret = service.create_partner(session, data=PartnerCreate(code="ACME", name="Acme"))
    assert len(secret) >= 40
    assert partner.secret_hash.startswith("$argon2id$")
    assert secret not in partner.secret_hash
    with pytest.raises(Problem, match="exists already"):
        service.create_partner(session, data=PartnerCreate(code="ACME", name="Acme again"))


def test_tokens_work_until_the_secret_is_rotated_or_the_partner_revoked(session: Session) -> None:
    partner, secret = service.create_partner(session, data=PartnerCreate(code="ACME", name="Acme"))
    header = _bearer(session, partner.client_id, secret)
    assert service.partner_for_token(session, header).code == "ACME"
    with pytest.raises(service.PactError) as wrong:
        _bearer(session, partner.client_id, secret + "x")
    assert wrong.value.code == "AccessDenied"
    _, new_secret = service.rotate_secret(session, code="ACME")
    with pytest.raises(service.PactError) as old:
        service.partner_for_token(session, header)
    assert old.value.code == "BadRequest"
    with pytest.raises(service.PactError):
        _bearer(session, partner.client_id, secret)
    # A token issued within the second of the rotation would predate it; wait for the next one.
    moved = datetime.now(UTC) - timedelta(seconds=2)
    partner.secret_set_at = moved
    fresh = _bearer(session, partner.client_id, new_secret)
    assert service.partner_for_token(session, fresh).code == "ACME"
    service.revoke_partner(session, code="ACME")
    with pytest.raises(service.PactError):
        service.partner_for_token(session, fresh)


def test_a_token_asked_for_in_the_second_of_a_rotation_works_and_one_from_before_it_does_not(
    session: Session,
) -> None:
    partner, _ = service.create_partner(session, data=PartnerCreate(code="ACME", name="Acme"))
    _, new_secret = service.rotate_secret(session, code="ACME")
    before = _bearer(session, partner.client_id, new_secret)
    _, newest = service.rotate_secret(session, code="ACME")
    # Issued at once after the rotation, within the same second: the new secret's token counts.
    fresh = _bearer(session, partner.client_id, newest)
    assert service.partner_for_token(session, fresh).code == "ACME"
    # The token of the secret before it, of that same second, does not.
    with pytest.raises(service.PactError) as old:
        service.partner_for_token(session, before)
    assert old.value.code == "BadRequest"


def test_an_expired_token_is_answered_token_expired(session: Session) -> None:
    partner, secret = service.create_partner(session, data=PartnerCreate(code="ACME", name="Acme"))
    answer = service.issue_token(
        session, client_id=partner.client_id, client_secret=secret, issuer="x", lifetime_s=-10
    )
    with pytest.raises(service.PactError) as expired:
        service.partner_for_token(session, f"Bearer {answer['access_token']}")
    assert expired.value.code == "TokenExpired"
    assert expired.value.status("2") == 401
    # A token signed with another key, or with none, is no token of ours.
    forged = jwt.encode(
        {"sub": partner.client_id, "iat": 0, "exp": 2**31},
        "a-forger-s-own-32-byte-long-secret",
        algorithm="HS256",
    )
    with pytest.raises(service.PactError) as bad:
        service.partner_for_token(session, f"Bearer {forged}")
    assert bad.value.code == "BadRequest"


def test_published_documents_conform_to_both_schemas_and_deprecate_their_predecessors(
    session: Session,
) -> None:
    mod, _cmp, _brk = build_chain(session)
    first = session.scalars(select(PublishedFootprint).where(PublishedFootprint.status == "Active")).first()
    assert first is not None
    v2, v3 = json.loads(first.document_v2), json.loads(first.document_v3)
    assert service.validate(v2, "2") == []
    assert service.validate(v3, "3") == []
    assert v2["specVersion"] == "2.3.0" and v3["specVersion"] == "3.0.0"
    assert v2["companyIds"][0] == "urn:lei:724500ABCDEFGHIJKL12"
    assert v2["pcf"]["geographyCountry"] == "NL"
    footprints.calculate(session, part_number=mod)
    again = service.publish(session, part_number=mod)
    doc = json.loads(again.document_v2)
    assert doc["version"] == 2
    older = session.scalars(
        select(PublishedFootprint).where(
            PublishedFootprint.part_id == again.part_id, PublishedFootprint.version == 1
        )
    ).one()
    assert doc["precedingPfIds"] == [older.id]
    assert older.status == "Deprecated"
    assert json.loads(older.document_v2)["status"] == "Deprecated"
    assert json.loads(older.document_v3)["status"] == "Deprecated"


def test_the_v3_document_declares_the_footprint_per_piece(session: Session) -> None:
    mod, _cmp, _brk = build_chain(session)
    published = service.active_published(session, part_number=mod)
    assert published is not None
    pcf3 = json.loads(published.document_v3)["pcf"]
    pcf2 = json.loads(published.document_v2)["pcf"]
    assert pcf3["declaredUnitOfMeasurement"] == "piece"
    assert float(pcf3["pcfExcludingBiogenicUptake"]) == pytest.approx(11.0)
    assert float(pcf2["pCfExcludingBiogenic"]) * float(pcf2["unitaryProductAmount"]) == pytest.approx(11.0)
    assert float(pcf3["productMassPerDeclaredUnit"]) == 2.0


def test_schema_validation_names_where_a_document_is_wrong(session: Session) -> None:
    build_chain(session)
    doc = json.loads(session.scalars(select(PublishedFootprint.document_v2)).first() or "{}")
    doc["pcf"]["declaredUnit"] = "bushel"
    doc["created"] = "yesterday"
    del doc["companyIds"]
    errors = service.validate(doc, "2")
    assert any(e.startswith("pcf/declaredUnit:") for e in errors)
    assert any(e.startswith("created:") for e in errors)
    assert any("companyIds" in e for e in errors)


def test_a_partner_sees_what_is_granted_now_and_nothing_else(session: Session) -> None:
    mod, cmp_, brk = build_chain(session)
    by_part = add_partner(session, "P1", {"part_number": mod})
    by_group = add_partner(session, "P2", {"category": "components"})
    nothing = add_partner(session, "P3")

    def seen(code: str, version: str = "2") -> set[str]:
        partner = service.get_partner(session, code=code)
        texts, more = service.visible_footprints(
            session, partner=partner, version=version, limit=100, offset=0
        )
        assert more is False
        first, more = service.visible_footprints(session, partner=partner, version=version, limit=1, offset=0)
        assert first == texts[:1] and more is (len(texts) > 1)
        return {json.loads(t)["productIds"][0].rsplit(":", 1)[1] for t in texts}

    assert seen("P1") == {mod}
    assert seen("P2", "3") == {cmp_}
    assert seen("P3") == set()
    assert by_part.code and by_group.code and nothing.code
    # A revoked grant and an expired grant hide the footprint at once.
    grant = service.grant_rows(session, partner="P1")[0]
    service.revoke_grant(session, grant_id=grant["id"])
    assert seen("P1") == set()
    expiring = service.create_grant(
        session,
        data=GrantCreate(
            partner="P1", part_number=brk, purpose="audit", expires_at=datetime.now(UTC) + timedelta(hours=1)
        ),
        username="tests",
    )
    assert seen("P1") == {brk}
    expiring.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    assert seen("P1") == set()
    # What is not granted is not there: the same answer as for an id that never existed.
    other = service.active_published(session, part_number=mod)
    assert other is not None
    with pytest.raises(service.PactError) as hidden:
        service.visible_footprint(
            session, partner=service.get_partner(session, code="P3"), version="2", pf_id=other.id
        )
    with pytest.raises(service.PactError) as absent:
        service.visible_footprint(
            session,
            partner=service.get_partner(session, code="P3"),
            version="2",
            pf_id="00000000-0000-4000-8000-000000000000",
        )
    assert (hidden.value.code, hidden.value.message) == (absent.value.code, absent.value.message)


def test_a_grant_names_a_part_or_a_group_that_exists(session: Session) -> None:
    build_chain(session)
    add_partner(session, "P1")
    for bad, message in (
        ({"part_number": "NOPE"}, "no part"),
        ({"category": "nothing"}, "no part has the category"),
        ({}, "either a part_number or a category"),
        ({"part_number": "MOD", "category": "modules"}, "either a part_number or a category"),
    ):
        with pytest.raises(Problem, match=message):
            service.create_grant(session, data=GrantCreate(partner="P1", purpose="x", **bad), username=None)


def test_odata_filters_of_v2(session: Session) -> None:
    filters = service.parse_odata_filter(
        "created ge '2023-01-15T10:15:30Z' and productIds/any(productId:(productId eq 'urn:x:MOD'))"
    )
    assert filters.product_ids == ["urn:x:MOD"]
    assert filters.created[0][0] == "ge"
    for bad in ("created ge 'yesterday'", "name eq 'x'", "productIds/any(a:(b eq 'x'))"):
        with pytest.raises(service.PactError) as refused:
            service.parse_odata_filter(bad)
        assert refused.value.code == "BadRequest"


def test_importing_a_supplier_footprint_stores_primary_data_and_recalculates(session: Session) -> None:
    mod, cmp_, _brk = build_chain(session, publish=False)
    before = footprints.latest(session, part_number=mod)
    partner = session.scalars(select(ExchangePartner)).first() or add_partner(session, "SUP")
    supplier = service.get_partner(session, code="SUP")
    doc = supplier_document(cmp_.lower(), "2")
    doc["pcf"] |= {
        "unitaryProductAmount": "0.5",
        "pCfExcludingBiogenic": "2.0",
        "pCfIncludingBiogenic": "2.0",
        "fossilGhgEmissions": "2.0",
        "primaryDataShare": 80,
    }
    broken = {**doc, "id": "not-a-uuid"}
    unknown = {**doc, "id": "4f1c1d1e-8a50-4d6a-9a62-3a4b7c1e2f10", "productIds": ["urn:gtin:0000000000000"]}
    result = service.import_footprints(
        session, partner=supplier, documents=[doc, broken, unknown], version="2"
    )
    assert result.stored == [cmp_]
    assert result.unmatched == [unknown["id"]]
    assert result.invalid and result.invalid[0].startswith("not-a-uuid: id:")
    assert result.recalculated == [cmp_, mod]
    pcf = session.scalars(select(SupplierPcf).where(SupplierPcf.source == f"pact:SUP:{cmp_}")).one()
    assert pcf.kg_co2e_per_unit == pytest.approx(1.0)
    assert pcf.primary_data_share == pytest.approx(0.8)
    assert (pcf.valid_from.isoformat(), pcf.valid_to.isoformat()) == ("2026-01-01", "2029-01-01")
    after = footprints.latest(session, part_number=mod)
    assert after.id != before.id
    # 2 × 1.0 from the supplier instead of 2 × 4.0 from factors, plus 3.0 of electricity.
    assert after.total_kg_co2e == pytest.approx(5.0)
    assert (after.primary_data_share or 0) > (before.primary_data_share or 0)
    # Pulling the same footprint again replaces it, it does not add a second one.
    service.import_footprints(session, partner=supplier, documents=[doc], version="2", recalculate=False)
    assert (
        len(session.scalars(select(SupplierPcf).where(SupplierPcf.source == f"pact:SUP:{cmp_}")).all()) == 1
    )
    assert partner is not None
