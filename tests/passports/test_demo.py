"""The demo's WS-1000 passports: issued on load, unchanged by a second load, with plausible content."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.passports import service
from keten.passports.models import PassportRecord, PassportRevision
from keten.passports.schemas import PassportContent

from .conftest import GTIN, RESOLVER


def footprint_stages(content: PassportContent) -> set[str]:
    return set(content.carbon_footprint.life_cycle_stages) if content.carbon_footprint else set()


def test_the_demo_issues_the_wafer_stage_passports_once(engine: Engine) -> None:
    for _ in range(2):
        with Session(engine) as session:
            demo.load(session, passports=True, resolver=RESOLVER)
            session.commit()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(PassportRecord)) == 1 + len(demo.DEMO_SERIALS)
        # Each serialized machine's passport got one more revision when its demo history was captured.
        assert session.scalar(select(func.count()).select_from(PassportRevision)) == 1 + 2 * len(
            demo.DEMO_SERIALS
        )
        assert service.verify_chain(session) == []
        item = service.find(session, gtin=GTIN, serial=demo.DEMO_SERIALS[0])
        content = service.content(session, passport_id=item.uid, tier="legitimate_interest")
    assert content.identification.digital_link == f"{RESOLVER}/01/{GTIN}/21/{demo.DEMO_SERIALS[0]}"
    assert content.economic_operator is not None and content.economic_operator.lei
    composition = content.composition
    assert composition is not None and 1000 < (composition.total_mass_kg or 0) < 2500
    crms = {c.crm: c.mass_kg for c in composition.critical_raw_materials}
    assert {"LREE", "HREE", "W", "Co", "Ga"} <= set(crms) and crms["LREE"] > crms["HREE"] > 0
    cas = {s.cas_number: s.mass_kg for s in composition.substances_of_concern}
    assert cas["7440-48-4"] == next(m.mass_kg for m in composition.materials if m.code == "Co")
    cobalt = next(s for s in composition.substances_of_concern if s.cas_number == "7440-48-4")
    assert cobalt.ec_number == "231-158-0" and cobalt.hazard_classes == ["Carc. 1B"]
    assert cobalt.concentration_percent is not None and 0 < cobalt.concentration_percent < 100
    assert [(label.name, label.legislation[0]) for label in content.labels] == [("CE", "2006/42/EC")]
    assert footprint_stages(content) >= {"raw material acquisition and pre-processing", "distribution"}
    footprint = content.carbon_footprint
    assert footprint is not None and footprint.total_kg_co2e > footprint.cradle_to_gate_kg_co2e > 0
    assert footprint.primary_data_share is not None and 0 < footprint.primary_data_share < 1
    circularity = content.circularity
    assert circularity is not None and len(circularity.disassembly) == 6 and circularity.spare_parts
    assert [line.part_number for line in content.as_built][:2] == ["WS-1100", "WS-1200"]
