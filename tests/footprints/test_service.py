"""Footprints over stored data, on SQLite and PostgreSQL, with figures that can be checked by hand.

The system: product P holds 2 assemblies A and 1 purchased part C; each A holds 3 components B.
Factor set "hand" 1: AL 8, CU 3 (recycled 1), electricity NL 0.3 and DE 0.4, road 0.1, SF6 25,200.
- B: 0.5 kg AL (4.0) + 0.2 kg CU, half recycled (0.2 × (0.5 × 3 + 0.5 × 1) = 0.4) → 4.4; 6 in P → 26.4
- A: 10 kWh at a Dutch site (3.0, measured: primary) → 2 in P → 6.0
- C: 1 kg AL (8.0) but a supplier PCF of 5.0 holds (primary) → 5.0; 0.2 t·km by road → 0.02
- P: 0.0001 kg SF6 released → 2.52
Cradle to gate 39.94. Use: 100 kWh a year for 10 years, half in NL, half in DE → 350. Total 389.94.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import PartMaterial
from keten.footprints import service
from keten.footprints.models import Activity, FactorSet, FootprintRun, SupplierPcf, UseProfile
from keten.problems import Problem
from tests.factories import (
    make_bom,
    make_bom_line,
    make_composition,
    make_material,
    make_org,
    make_part,
    make_site,
    make_sourcing,
)

FACTORS = """kind,code,unit,kg_co2e_per_unit,secondary_kg_co2e_per_unit,quality,source,licence
material,AL,kg,8,,3,hand,CC0-1.0
material,CU,kg,3,1,3,hand,CC0-1.0
electricity,NL,kWh,0.3,,2,hand,CC0-1.0
electricity,DE,kWh,0.4,,2,hand,CC0-1.0
freight,road_hgv,t*km,0.1,,3,hand,CC0-1.0
gas,SF6,kg,25200,,1,hand,CC0-1.0
"""
GATE = 26.4 + 6.0 + 5.0 + 0.02 + 2.52
TOTAL = GATE + 350.0


def build(session: Session) -> dict[str, Any]:
    """Store the hand-checked system and its factor set; return its rows by name."""
    fs = service.load_factor_csv(session, FACTORS, name="hand", version="1", make_default=True)
    al, cu = make_material(session, code="AL"), make_material(session, code="CU")
    p = make_part(
        session, part_number="P", kind="product", name="Stage", description="A test stage", mass_kg=100.0
    )
    a = make_part(session, part_number="A", kind="assembly")
    b = make_part(session, part_number="B")
    c = make_part(session, part_number="C")
    make_bom(session, p, (a, 2.0), (c, 1.0))
    make_bom(session, a, (b, 3.0))
    make_composition(session, part=b, material=al, mass_kg=0.5)
    make_composition(session, part=b, material=cu, mass_kg=0.2, recycled_share=0.5)
    make_composition(session, part=c, material=al, mass_kg=1.0)
    own = make_org(session, code="OWN", country="NL")
    fab = make_site(session, organization=own, code="FAB-NL", country="NL")
    supplier = make_org(session, code="SUP", country="DE")
    sup_site = make_site(session, organization=supplier, code="SUP-DE", country="DE")
    make_sourcing(session, part=c, site=sup_site)
    make_sourcing(session, part=b, site=sup_site, share=0.5)
    make_sourcing(session, part=b, site=fab, share=0.5)
    session.add_all(
        [
            Activity(part_id=a.id, kind="electricity", site_id=fab.id, amount=10.0, primary_share=1.0),
            Activity(part_id=c.id, kind="transport", code="road_hgv", amount=0.2, primary_share=0.0),
            Activity(part_id=p.id, kind="gas", code="SF6", amount=0.0001, primary_share=0.0),
            SupplierPcf(
                part_id=c.id,
                organization_id=supplier.id,
                kg_co2e_per_unit=5.0,
                primary_data_share=1.0,
                quality=2.0,
                valid_from=date(2025, 1, 1),
                valid_to=date(2027, 12, 31),
            ),
            UseProfile(
                part_id=p.id,
                energy_kwh_per_year=100.0,
                lifetime_years=10.0,
                start_year=2026,
                installed_base={"NL": 0.5, "DE": 0.5},
            ),
        ]
    )
    session.flush()
    return {"set": fs, "p": p, "a": a, "b": b, "c": c, "al": al, "cu": cu, "fab": fab}


AT = date(2026, 6, 1)


def test_calculate_stores_the_hand_checked_footprint(session: Session) -> None:
    build(session)
    run = service.calculate(session, part_number="P", at=AT)
    assert run.total_kg_co2e == pytest.approx(TOTAL, rel=1e-12)
    assert run.by_stage["materials"] == pytest.approx(26.4, rel=1e-12)
    assert run.by_stage["purchased_parts"] == pytest.approx(5.0, rel=1e-12)
    assert run.by_stage["manufacturing_energy"] == pytest.approx(6.0, rel=1e-12)
    assert run.by_stage["process_emissions"] == pytest.approx(2.52, rel=1e-12)
    assert run.by_stage["transport"] == pytest.approx(0.02, rel=1e-12)
    assert run.by_stage["use"] == pytest.approx(350.0, rel=1e-12)
    # primary data: the measured kWh (6.0) and the supplier PCF (5.0) over the cradle-to-gate total
    assert run.primary_data_share == pytest.approx(11.0 / GATE, rel=1e-12)
    assert run.factor_set_version == "1"
    # no recycled aluminium in P, so no stand-in factor was used
    assert run.fallbacks == []
    assert run.top_parts[0]["part_number"] == "P"  # the use phase sits on the product


def test_recycled_material_without_a_secondary_factor_falls_back_to_primary_and_says_so(
    session: Session,
) -> None:
    rows = build(session)
    comp = session.scalars(select(PartMaterial).where(PartMaterial.part_id == rows["b"].id)).all()
    next(c for c in comp if c.material_id == rows["al"].id).recycled_share = 0.5
    session.flush()
    run = service.calculate(session, part_number="P", at=AT)
    assert run.total_kg_co2e == pytest.approx(TOTAL, rel=1e-12)
    assert run.fallbacks == [["material-secondary:AL", "material:AL"]]


def test_a_stored_result_reproduces_exactly_until_an_input_changes(session: Session) -> None:
    rows = build(session)
    run = service.calculate(session, part_number="P", at=AT)
    same, total = service.reproduce(session, run)
    assert same and total == run.total_kg_co2e
    rows["b"].revision += 1
    session.flush()
    same, total = service.reproduce(session, run)
    assert not same and total == run.total_kg_co2e


def test_a_pcf_outside_its_validity_does_not_count(session: Session) -> None:
    build(session)
    run = service.calculate(session, part_number="P", at=date(2028, 1, 1))
    # C's own data counts again: 1 kg of aluminium (8.0) instead of the PCF (5.0)
    assert run.by_stage["materials"] == pytest.approx(26.4 + 8.0, rel=1e-12)
    assert run.by_stage["purchased_parts"] == 0.0


def test_missing_factors_list_every_part(session: Session) -> None:
    rows = build(session)
    ni = make_material(session, code="NI")
    make_composition(session, part=rows["b"], material=ni, mass_kg=0.1)
    session.add(Activity(part_id=rows["a"].id, kind="electricity", code="FR", amount=1.0))
    session.flush()
    with pytest.raises(Problem) as caught:
        service.calculate(session, part_number="P", at=AT)
    assert caught.value.status == 422
    listed = {(e["part"], e["message"]) for e in caught.value.errors}
    assert {part for part, _ in listed} == {"A", "B"}
    assert any("NI" in message for _, message in listed)
    assert any("FR" in message for _, message in listed)
    assert session.scalar(select(func.count()).select_from(FootprintRun)) == 0


def test_breakdowns_add_up(session: Session) -> None:
    build(session)
    by_supplier = service.breakdown(session, part_number="P", by="supplier", at=AT)
    suppliers = {i["key"]: i["kg_co2e"] for i in by_supplier["items"]}
    # C (5.02) all from SUP; B (26.4) half from SUP, half from OWN; the rest in-house
    assert suppliers["SUP"] == pytest.approx(5.02 + 13.2, rel=1e-12)
    assert suppliers["OWN"] == pytest.approx(13.2, rel=1e-12)
    assert suppliers["in-house"] == pytest.approx(6.0 + 2.52 + 350.0, rel=1e-12)
    by_material = service.breakdown(session, part_number="P", by="material", at=AT)
    materials = {i["key"]: i["kg_co2e"] for i in by_material["items"]}
    assert materials == pytest.approx({"AL": 24.0, "CU": 2.4}, rel=1e-12)
    tree = service.breakdown(session, part_number="P", by="part", at=AT)["tree"]
    assert tree["kg_co2e"] == pytest.approx(TOTAL, rel=1e-12)
    children = {c["part_number"]: c["kg_co2e"] for c in tree["children"]}
    assert children == pytest.approx({"A": 2 * (3.0 + 3 * 4.4), "C": 5.02}, rel=1e-12)
    stages = service.breakdown(session, part_number="P", by="stage", at=AT)["items"]
    assert sum(i["kg_co2e"] for i in stages) == pytest.approx(TOTAL, rel=1e-12)


def test_what_if_changes_nothing_stored(session: Session) -> None:
    rows = build(session)
    before = session.scalar(select(func.count()).select_from(FootprintRun))
    green = service.what_if(
        session, part_number="P", changes=service.Changes(site_electricity=("FAB-NL", 0.0)), at=AT
    )
    assert green["delta_kg_co2e"] == pytest.approx(-6.0, rel=1e-12)
    recycled = service.what_if(
        session, part_number="P", changes=service.Changes(recycled_share=("B", "CU", 1.0)), at=AT
    )
    # 6 × 0.2 kg × (1 − 2): half the copper moves from 3 to 1
    assert recycled["delta_kg_co2e"] == pytest.approx(-1.2, rel=1e-12)
    copper = service.what_if(
        session, part_number="P", changes=service.Changes(material=("AL", "CU", ("B",))), at=AT
    )
    assert copper["delta_kg_co2e"] == pytest.approx(6 * 0.5 * (3 - 8), rel=1e-12)
    no_pcf = service.what_if(
        session, part_number="P", changes=service.Changes(supplier_pcf=("C", None)), at=AT
    )
    assert no_pcf["delta_kg_co2e"] == pytest.approx(3.0, rel=1e-12)
    assert session.scalar(select(func.count()).select_from(FootprintRun)) == before
    assert rows["fab"].code == "FAB-NL"


def test_monte_carlo_is_reproducible_with_a_seed(session: Session) -> None:
    build(session)
    one = service.monte_carlo(session, part_number="P", iterations=500, seed=7, at=AT)
    two = service.monte_carlo(session, part_number="P", iterations=500, seed=7, at=AT)
    assert one == two
    assert one["p5"] < one["deterministic_kg_co2e"] < one["p95"]


def test_pact_and_idta_exports(session: Session) -> None:
    build(session)
    service.calculate(session, part_number="P", at=AT)
    pact = service.pact_footprint(
        session, part_number="P", company_name="Test B.V.", company_id="urn:epc:id:sgln:8712345.00101.0"
    )
    assert pact["specVersion"].startswith("2.")
    assert pact["companyIds"] == ["urn:epc:id:sgln:8712345.00101.0"]
    assert pact["productIds"][0].startswith("urn:")
    pcf = pact["pcf"]
    # per declared unit: the 100 kg product's footprint per kilogram
    assert pcf["declaredUnit"] == "kilogram" and float(pcf["unitaryProductAmount"]) == 100.0
    assert float(pcf["pCfExcludingBiogenic"]) == pytest.approx(GATE / 100.0, abs=1e-6)
    assert isinstance(pcf["pCfExcludingBiogenic"], str) and "e" not in pcf["pCfExcludingBiogenic"]
    assert pcf["characterizationFactors"] == "AR6"
    assert pcf["secondaryEmissionFactorSources"] == [{"name": "hand", "version": "1"}]
    assert pcf["primaryDataShare"] == round(100 * 11.0 / GATE, 2)
    idta = service.idta_submodel(session, part_number="P")
    phases = {c["idShort"]: c for c in idta["submodelElements"]}
    a1a3 = {p["idShort"]: p["value"] for p in phases["ProductCarbonFootprint_A1A3"]["value"]}
    assert float(a1a3["PCFCO2eq"]) == pytest.approx(GATE, rel=1e-5)
    assert "ProductCarbonFootprint_B6" in phases


def test_reference_factors_load_once_and_become_the_default(session: Session) -> None:
    first = service.load_reference_factors(session)
    again = service.load_reference_factors(session)
    assert first.id == again.id and first.is_default
    assert session.scalar(select(func.count()).select_from(FactorSet)) == 1
    counts = dict((s.name, n) for s, n in service.factor_sets(session))
    assert counts[service.REFERENCE_SET] > 100


def test_a_bad_factor_csv_lists_every_bad_row(session: Session) -> None:
    with pytest.raises(Problem) as caught:
        service.load_factor_csv(
            session, "kind,code,unit,kg_co2e_per_unit\nweird,X,kg,1\nmaterial,,kg,2\n", name="x", version="1"
        )
    assert caught.value.status == 422
    assert [e["row"] for e in caught.value.errors] == [2, 3]


def test_a_grid_path_in_the_factor_set_decarbonises_the_use_phase(session: Session) -> None:
    build(session)
    # NL falls linearly from 0.3 in 2026 to 0 in 2035: over the ten years 2026..2035 the factor
    # sums to 0.3 * (10 - 45 / 9) = 1.5 instead of 3.0, so NL's half of the use phase halves.
    text = FACTORS + "grid_path,NL:2026,kWh,0.3,,2,hand,CC0-1.0\ngrid_path,NL:2035,kWh,0,,2,hand,CC0-1.0\n"
    service.load_factor_csv(session, text, name="with-path", version="1", make_default=False)
    plain = service.calculate(session, part_number="P", at=AT)
    projected = service.calculate(session, part_number="P", factor_set="with-path", at=AT)
    assert plain.by_stage["use"] == pytest.approx(350.0, rel=1e-12)
    assert projected.by_stage["use"] == pytest.approx(75.0 + 200.0, rel=1e-12)
    assert projected.input_revisions != plain.input_revisions


def test_a_grid_path_code_must_name_a_country_and_a_year(session: Session) -> None:
    with pytest.raises(Problem) as caught:
        service.load_factor_csv(
            session, FACTORS + "grid_path,Netherlands 2030,kWh,0.1,,2,hand,CC0-1.0\n", name="bad", version="1"
        )
    assert caught.value.errors == [
        {
            "row": 8,
            "column": "code",
            "message": "a country and a year such as NL:2030, not 'Netherlands 2030'",
        }
    ]
    assert session.scalar(select(func.count()).select_from(FactorSet).where(FactorSet.name == "bad")) == 0


def test_data_quality_weighs_the_factors_over_five_percent_by_their_emissions(session: Session) -> None:
    build(session)
    run = service.calculate(session, part_number="P", at=AT)
    # Gate emissions 39.94: aluminium 24 (quality 3), NL electricity 6 (2), C's PCF 5 (2) and
    # SF6 2.52 (1) each bring over 5 %; copper 0.3 + 0.1 and road freight 0.02 do not.
    rated = 24.0 + 6.0 + 5.0 + 2.52
    assert run.data_quality_coverage == pytest.approx(rated / GATE, rel=1e-12)
    assert run.data_quality_rating == pytest.approx((24 * 3 + 6 * 2 + 5 * 2 + 2.52 * 1) / rated, rel=1e-12)
    pact = service.pact_footprint(session, part_number="P", company_name="c", company_id="urn:c")
    dqi = pact["pcf"]["dqi"]
    expected = round(1.0 + (run.data_quality_rating - 1.0) / 2.0, 2)
    assert dqi["coveragePercent"] == round(100 * rated / GATE, 2)
    assert {dqi[k] for k in dqi if k.endswith("DQR")} == {expected} and 1.0 <= expected <= 3.0


def test_bought_parts_without_data_take_their_category_factor_by_mass_or_by_spend(session: Session) -> None:
    rows = build(session)
    bolt = make_part(session, part_number="D", category="fasteners", mass_kg=0.5)
    board = make_part(session, part_number="E", category="electronics", mass_kg=0.2)
    make_bom_line(session, parent=rows["p"], child=bolt, quantity=4.0, position="30")
    make_bom_line(session, parent=rows["p"], child=board, quantity=1.0, position="40")
    make_sourcing(session, part=board, site=rows["fab"], price_eur=100.0, share=0.5)
    make_sourcing(session, part=board, site=make_site(session), price_eur=200.0, share=0.5)
    session.flush()
    with pytest.raises(Problem) as caught:
        service.calculate(session, part_number="P", at=AT)
    assert {e["part"] for e in caught.value.errors} == {"D", "E"}

    dollars = (
        FACTORS + "category,fasteners,kg,4,,4,hand,CC0-1.0\nspend,electronics,USD2021,0.5,,5,hand,CC0-1.0\n"
    )
    service.load_factor_csv(session, dollars, name="in-dollars", version="1")
    with pytest.raises(Problem) as caught:
        service.calculate(session, part_number="P", factor_set="in-dollars", at=AT)
    # Prices are in euro: a per-dollar spend factor is not applied to them.
    assert {e["part"] for e in caught.value.errors} == {"E"}
    text = FACTORS + "category,fasteners,kg,4,,4,hand,CC0-1.0\nspend,electronics,EUR,0.5,,5,hand,CC0-1.0\n"
    service.load_factor_csv(session, text, name="with-categories", version="1")
    run = service.calculate(session, part_number="P", factor_set="with-categories", at=AT)
    # D: 4 bolts x 0.5 kg x 4 = 8; E: its share-weighted price 150 EUR x 0.5 = 75.
    assert run.by_stage["purchased_parts"] == pytest.approx(5.0 + 8.0 + 75.0, rel=1e-12)
    assert run.total_kg_co2e == pytest.approx(TOTAL + 83.0, rel=1e-12)
    # A part with its own composition keeps it: C's PCF and B's materials are unchanged.
    assert run.by_stage["materials"] == pytest.approx(26.4, rel=1e-12)


def test_a_session_computes_once_between_writes_and_sees_its_own_writes(session: Session) -> None:
    rows = build(session)
    first = service.breakdown(session, part_number="P", by="stage", at=AT)
    again = service.breakdown(session, part_number="P", by="supplier", at=AT)
    assert first["total_kg_co2e"] == again["total_kg_co2e"] == pytest.approx(TOTAL, rel=1e-12)
    session.add(Activity(part_id=rows["a"].id, kind="electricity", site_id=rows["fab"].id, amount=5.0))
    session.flush()
    # 5 kWh more per A, two As at 0.3 kg CO2e per kWh.
    after = service.breakdown(session, part_number="P", by="stage", at=AT)
    assert after["total_kg_co2e"] == pytest.approx(TOTAL + 3.0, rel=1e-12)
