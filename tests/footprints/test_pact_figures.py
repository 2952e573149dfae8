"""What a footprint gives PACT, with figures checked by hand on the system of test_service.py:
suppliers' footprints weighted by sourcing shares, an unknown primary data share, biogenic
emissions in a component, and decimal strings that add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from keten.footprints import service
from keten.footprints.models import SupplierPcf
from keten.partners.models import Sourcing
from tests.factories import make_bom_line, make_org, make_part, make_site, make_sourcing
from tests.footprints.test_service import AT, FACTORS, GATE, build


def _second_supplier(session: Session, rows: dict[str, Any], **pcf: Any) -> None:
    """Add supplier SUP2 of part C with its own PCF; C is then bought 60 % from SUP, 40 % from SUP2."""
    c = rows["c"]
    other = make_org(session, code="SUP2", country="FR")
    site = make_site(session, organization=other, code="SUP2-FR", country="FR")
    sourcing = session.scalars(select(Sourcing).where(Sourcing.part_id == c.id)).one()
    sourcing.share = 0.6
    make_sourcing(session, part=c, site=site, share=0.4)
    values = {"kg_co2e_per_unit": 10.0, "primary_data_share": 0.5, "quality": 4.0} | pcf
    session.add(
        SupplierPcf(
            part_id=c.id,
            organization_id=other.id,
            valid_from=date(2026, 1, 1),
            valid_to=date(2027, 12, 31),
            **values,
        )
    )
    session.flush()


def test_a_part_from_two_suppliers_takes_their_pcfs_weighted_by_the_sourcing_shares(
    session: Session,
) -> None:
    rows = build(session)
    _second_supplier(session, rows)
    run = service.calculate(session, part_number="P", at=AT)
    # C: 0.6 x 5.0 (SUP) + 0.4 x 10.0 (SUP2) = 7.0, not the latest PCF (10.0) alone.
    assert run.by_stage["purchased_parts"] == pytest.approx(7.0, rel=1e-12)
    gate = GATE - 5.0 + 7.0
    # Primary: the measured kWh 6.0, and of C's 7.0: 3.0 x 100 % + 4.0 x 50 % = 5.0.
    assert run.primary_data_share == pytest.approx((6.0 + 5.0) / gate, rel=1e-12)
    # C's mix rates 0.6 x 2 + 0.4 x 4 = 2.8 for its 7.0 kg.
    rated = 24.0 + 6.0 + 7.0 + 2.52
    assert run.data_quality_rating == pytest.approx((24 * 3 + 6 * 2 + 7 * 2.8 + 2.52 * 1) / rated, rel=1e-12)


def test_a_supplier_pcf_without_primary_data_share_counts_as_zero_and_is_flagged(session: Session) -> None:
    rows = build(session)
    session.execute(update(SupplierPcf).values(primary_data_share=None))
    session.flush()
    run = service.calculate(session, part_number="P", at=AT)
    # Only the measured electricity (6.0) is primary now; C's PCF (5.0) is not counted as 100 %.
    assert run.primary_data_share == pytest.approx(6.0 / GATE, rel=1e-12)
    assert ["supplier PCF C", service.UNKNOWN_SHARE] in run.fallbacks
    assert rows["c"].part_number == "C"


def test_a_mix_with_an_unknown_share_is_unknown(session: Session) -> None:
    rows = build(session)
    _second_supplier(session, rows, primary_data_share=None)
    run = service.calculate(session, part_number="P", at=AT)
    assert run.primary_data_share == pytest.approx(6.0 / (GATE + 2.0), rel=1e-12)
    assert ["supplier PCF C", service.UNKNOWN_SHARE] in run.fallbacks


def test_biogenic_emissions_are_a_component_and_the_decimals_add_up(session: Session) -> None:
    build(session)
    text = FACTORS.replace("quality,source,licence", "quality,source,licence,biogenic_kg_co2e_per_unit")
    text = "\n".join(
        line + ("" if i == 0 else (",0.5" if line.startswith("material,AL") else ","))
        for i, line in enumerate(text.strip().splitlines())
    )
    service.load_factor_csv(session, text, name="with-biogenic", version="1")
    service.calculate(session, part_number="P", factor_set="with-biogenic", at=AT)
    # B: 0.5 kg AL x 0.5 biogenic = 0.25, six in P: 1.5 (C's AL is covered by its PCF).
    figures = service.pact_figures(session, part_number="P")
    assert figures.biogenic_kg_co2e == pytest.approx(1.5, rel=1e-12)
    assert figures.fossil_kg_co2e == pytest.approx(GATE, rel=1e-12)
    pcf = service.pact_footprint(session, part_number="P", company_name="c", company_id="urn:c")["pcf"]
    # per kg of the 100 kg product, six significant digits on the largest figure
    assert pcf["pCfExcludingBiogenic"] == "0.399400"
    assert pcf["otherBiogenicGhgEmissions"] == "0.015000"
    assert pcf["pCfIncludingBiogenic"] == "0.414400"
    assert Decimal(pcf["pCfIncludingBiogenic"]) == Decimal(pcf["fossilGhgEmissions"]) + Decimal(
        pcf["otherBiogenicGhgEmissions"]
    )
    assert "biogenicCarbonWithdrawal" not in pcf


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (39.94, None, "39.9400"),
        (1234567.891, None, "1234568"),
        (0.000123456789, None, "0.000123457"),
        (-0.0000001, 2, "0.00"),
        (2.0, 0, "2"),
        (1e-20, None, "0.000000000000"),
    ],
)
def test_pact_decimals_carry_six_significant_digits(value: float, places: int | None, text: str) -> None:
    assert service.pact_decimal(value, places) == text


@pytest.mark.parametrize(
    ("dqr", "version", "rating"), [(1.0, "2", 1.0), (3.0, "2", 5.0), (2.0, "2", 3.0), (4.2, "3", 4.2)]
)
def test_pact_ratings_map_onto_ketens_scale_per_version(dqr: float, version: str, rating: float) -> None:
    assert service.quality_of_dqr(dqr, version) == pytest.approx(rating)


def test_biogenic_carbon_and_uptake_come_from_the_inputs_that_state_them(session: Session) -> None:
    rows = build(session)
    text = FACTORS.replace("quality,source,licence", "quality,source,licence,biogenic_carbon_kg_per_unit")
    text = "\n".join(
        line + ("" if i == 0 else (",0.1" if line.startswith("material,AL") else ",0"))
        for i, line in enumerate(text.strip().splitlines())
    )
    service.load_factor_csv(session, text, name="with-carbon", version="1")
    # C's PCF says nothing of carbon: the product's carbon is not known, and nothing is sent.
    unknown = service.calculate(session, part_number="P", factor_set="with-carbon", at=AT)
    assert (unknown.biogenic_carbon_kg, unknown.biogenic_uptake_kg_co2e) == (None, None)
    pcf = session.scalars(select(SupplierPcf).where(SupplierPcf.part_id == rows["c"].id)).one()
    pcf.biogenic_carbon_kg_per_unit, pcf.biogenic_uptake_kg_co2e_per_unit = 0.2, -0.5
    session.flush()
    run = service.calculate(session, part_number="P", factor_set="with-carbon", at=AT)
    # B: 0.5 kg AL x 0.1 kg C, six in P: 0.3 kg C; C's PCF 0.2 kg C. Uptake: 0.3 x 44.009/12.011
    # = 1.099218 kg CO2 of the materials and C's own -0.5.
    assert run.biogenic_carbon_kg == pytest.approx(0.5, rel=1e-12)
    assert run.biogenic_uptake_kg_co2e == pytest.approx(-0.3 * 44.009 / 12.011 - 0.5, rel=1e-12)
    doc = service.pact_footprint(session, part_number="P", company_name="c", company_id="urn:c")["pcf"]
    assert doc["biogenicCarbonContent"] == "0.005000"
    assert doc["biogenicCarbonWithdrawal"] == "-0.015992"
    assert Decimal(doc["pCfIncludingBiogenic"]) == Decimal(doc["pCfExcludingBiogenic"]) + Decimal(
        doc["otherBiogenicGhgEmissions"]
    ) + Decimal(doc["biogenicCarbonWithdrawal"])
    # A bought part counted by its category factor has an unknown make-up: unknown again.
    board = make_part(session, part_number="E", category="boards", mass_kg=0.2)
    make_bom_line(session, parent=rows["p"], child=board, quantity=1.0, position="40")
    session.flush()
    service.load_factor_csv(
        session, text + "\ncategory,boards,kg,4,,4,hand,CC0-1.0,\n", name="with-boards", version="1"
    )
    by_category = service.calculate(session, part_number="P", factor_set="with-boards", at=AT)
    assert by_category.biogenic_carbon_kg is None
