"""PACT documents exact to the published specifications: what the schemas refuse (as the
official OpenAPI files do), how the v3 totals follow the spec's formula, the DQR scale of each
version, and what a pulled footprint without a primary data share counts as."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from tests.exchange.conftest import add_partner, build_chain, supplier_document

# The v3 formula (PACT 3.0 CarbonFootprint): the footprint excluding the product's biogenic CO2
# uptake is the sum of these components; including it adds biogenicCO2Uptake.
V3_COMPONENTS = (
    "fossilGhgEmissions",
    "landUseChangeGhgEmissions",
    "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals",
    "technologicalCO2Removals",
    "ccsTechnologicalCO2Capture",
    "biogenicNonCO2Emissions",
)


def _documents(session: Session, part_number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    published = service.active_published(session, part_number=part_number)
    assert published is not None
    return json.loads(published.document_v2), json.loads(published.document_v3)


def test_the_schemas_refuse_what_the_published_openapi_files_refuse(session: Session) -> None:
    mod, _cmp, _brk = build_chain(session)
    v2, v3 = _documents(session, mod)
    assert "productOrSectorSpecificRules" not in v2["pcf"]
    empty = copy.deepcopy(v2)
    empty["pcf"]["productOrSectorSpecificRules"] = []
    assert any(e.startswith("pcf/productOrSectorSpecificRules:") for e in service.validate(empty, "2"))
    signed = copy.deepcopy(v2)
    signed["pcf"]["fossilGhgEmissions"] = "+1.0"  # 2.2.0 allows no sign
    assert service.validate(signed, "2") != []
    for rating, valid in (("5", True), ("1.00", True), ("5.5", False), ("0.9", False), ("6", False)):
        rated = copy.deepcopy(v3)
        rated["pcf"]["dqi"]["technologicalDQR"] = rating
        assert (service.validate(rated, "3") == []) is valid, rating
    partial = copy.deepcopy(v3)
    del partial["pcf"]["dqi"]["temporalDQR"]
    assert service.validate(partial, "3") != []
    short = copy.deepcopy(v3)
    short["specVersion"] = "3.0"
    assert service.validate(short, "3") != []


def test_v3_totals_are_the_sum_of_the_components_sent(session: Session) -> None:
    mod, _cmp, _brk = build_chain(session)
    run = footprints.latest(session, part_number=mod)
    # Give the stored result biogenic emissions, as a factor with them would, and publish again.
    run.biogenic_kg_co2e = 0.375
    session.flush()
    service.publish(session, part_number=mod)
    v2, v3 = _documents(session, mod)
    pcf = v3["pcf"]
    components = sum(Decimal(pcf.get(name, "0")) for name in V3_COMPONENTS)
    assert Decimal(pcf["pcfExcludingBiogenicUptake"]) == components
    assert Decimal(pcf["pcfIncludingBiogenicUptake"]) == components + Decimal(
        pcf.get("biogenicCO2Uptake", "0")
    )
    assert Decimal(pcf["biogenicNonCO2Emissions"]) == Decimal("0.375000")
    assert Decimal(pcf["fossilGhgEmissions"]) == Decimal("11.0000") - Decimal("0.375000")
    # Nothing is known of carbon content or uptake: v3 leaves them out rather than send 0.
    for unknown in ("biogenicCarbonContent", "biogenicCO2Uptake"):
        assert unknown not in pcf
    assert "biogenicCarbonWithdrawal" not in v2["pcf"]
    v2pcf = v2["pcf"]
    assert Decimal(v2pcf["pCfIncludingBiogenic"]) == Decimal(v2pcf["fossilGhgEmissions"]) + Decimal(
        v2pcf["otherBiogenicGhgEmissions"]
    )
    assert service.validate(v2, "2") == [] and service.validate(v3, "3") == []


def test_each_version_rates_data_quality_on_its_own_scale(session: Session) -> None:
    mod, _cmp, _brk = build_chain(session)
    v2, v3 = _documents(session, mod)
    run = footprints.latest(session, part_number=mod)
    assert run.data_quality_rating is not None
    rating = run.data_quality_rating
    assert v3["pcf"]["dqi"]["technologicalDQR"] == footprints.pact_decimal(rating, 2)
    assert v2["pcf"]["dqi"]["technologicalDQR"] == round(1.0 + (rating - 1.0) / 2.0, 2)


@pytest.mark.parametrize(("version", "quality"), [("2", 3.0), ("3", 4.0)])
def test_a_pulled_footprint_without_primary_data_share_counts_as_zero_and_keeps_its_dqr_scale(
    session: Session, version: str, quality: float
) -> None:
    mod, cmp_, _brk = build_chain(session, publish=False)
    add_partner(session, "SUP")
    supplier = service.get_partner(session, code="SUP")
    doc = supplier_document(cmp_, version)
    assert service.validate(doc, version) == []
    result = service.import_footprints(session, partner=supplier, documents=[doc], version=version)
    assert result.stored == [cmp_]
    pcf = session.scalars(select(SupplierPcf).where(SupplierPcf.source == f"pact:SUP:{cmp_}")).one()
    assert pcf.primary_data_share is None
    # v2 rates 2 on its 1..3 scale: keten's 3 of 5; v3 rates 4 on 1..5 as keten does.
    assert pcf.quality == pytest.approx(quality)
    assert pcf.kg_co2e_per_unit == pytest.approx(1.0)
    run = footprints.latest(session, part_number=mod)
    assert [f"supplier PCF {cmp_}", footprints.UNKNOWN_SHARE] in run.fallbacks
    # Only the measured electricity of the chain is primary data: the supplier's share is 0.
    assert run.primary_data_share is not None and run.primary_data_share < 1.0


def test_a_known_uptake_is_sent_and_the_including_total_adds_it(session: Session) -> None:
    mod, _cmp, _brk = build_chain(session)
    run = footprints.latest(session, part_number=mod)
    run.biogenic_carbon_kg, run.biogenic_uptake_kg_co2e = 0.2, -0.5
    session.flush()
    service.publish(session, part_number=mod)
    v2, v3 = _documents(session, mod)
    pcf = v3["pcf"]
    assert (pcf["biogenicCarbonContent"], pcf["biogenicCO2Uptake"]) == ("0.2000", "-0.5000")
    components = sum(Decimal(pcf.get(name, "0")) for name in V3_COMPONENTS)
    assert Decimal(pcf["pcfExcludingBiogenicUptake"]) == components == Decimal("11")
    assert Decimal(pcf["pcfIncludingBiogenicUptake"]) == components + Decimal("-0.5")
    # v2 per kg of the 2 kg module
    assert (v2["pcf"]["biogenicCarbonContent"], v2["pcf"]["biogenicCarbonWithdrawal"]) == (
        "0.10000",
        "-0.25000",
    )
    assert Decimal(v2["pcf"]["pCfIncludingBiogenic"]) == Decimal("5.25")
    assert service.validate(v2, "2") == [] and service.validate(v3, "3") == []


def test_a_pulled_v3_footprint_keeps_its_carbon_content_and_uptake(session: Session) -> None:
    _mod, cmp_, _brk = build_chain(session, publish=False)
    add_partner(session, "SUP")
    doc = supplier_document(cmp_, "3")
    doc["pcf"] |= {
        "biogenicCarbonContent": "0.1",
        "biogenicCO2Uptake": "-0.3",
        "pcfIncludingBiogenicUptake": "0.9",
    }
    assert service.validate(doc, "3") == []
    service.import_footprints(
        session, partner=service.get_partner(session, code="SUP"), documents=[doc], version="3"
    )
    pcf = session.scalars(select(SupplierPcf).where(SupplierPcf.source == f"pact:SUP:{cmp_}")).one()
    assert (pcf.biogenic_carbon_kg_per_unit, pcf.biogenic_uptake_kg_co2e_per_unit) == (0.1, -0.3)
    assert (pcf.kg_co2e_per_unit, pcf.biogenic_kg_co2e_per_unit) == pytest.approx((1.0, 0.2))
