"""The fields ESPR and the Battery Regulation ask of a passport: where each comes from, how the input
is checked, and which tier sees it in JSON, JSON-LD and on the page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import regulatory, service
from keten.passports.schemas import CarbonFootprint, PassportInputData
from keten.problems import Problem
from tests.factories import make_org, make_site

from .conftest import FULL, SCIP, Product


def _with_regulatory_input(engine: Engine) -> str:
    """Give P-1 an importer, a representative and every regulatory input; issue its model passport."""
    with Session(engine) as session:
        importer = make_org(session, code="IMP", name="Importer GmbH", role="customer", country="DE")
        make_site(
            session, organization=importer, code="IMP-1", address="Hafenstraße 1, 20457", city="Hamburg"
        )
        make_org(session, code="REP", name="Representative B.V.", role="customer", gln="8712345000014")
        current = service.get_input(session, part_number="P-1").model_dump(exclude_none=True)
        service.set_input(
            session,
            part_number="P-1",
            data=PassportInputData.model_validate({**current, **{k: v for k, v in FULL.items() if v}}),
        )
        [model] = service.issue(session, part_number="P-1", resolver="https://id.example.com")
        session.commit()
        return model.uid


def test_each_field_comes_from_keten_data_or_the_input_and_sits_at_its_tier(
    engine: Engine, product: Product
) -> None:
    uid = _with_regulatory_input(engine)
    with Session(engine) as session:
        public = service.content(session, passport_id=uid, tier="public")
        authority = service.content(session, passport_id=uid, tier="authority")
    maker = public.economic_operator
    assert maker is not None and maker.name == "Own Company B.V."
    assert maker.address is not None and maker.address.locality == "Veldhoven"  # the own company's site
    importer = public.importer
    assert importer is not None and importer.name == "Importer GmbH" and importer.eori == "NL123456789"
    assert importer.address is not None and importer.address.street_address == "Hafenstraße 1, 20457"
    assert importer.address.locality == "Hamburg" and importer.address.country == "DE"
    representative = public.authorised_representative
    assert representative is not None and representative.operator_id == "https://id.gs1.org/417/8712345000014"
    assert representative.address is None  # it has no site
    composition = public.composition
    assert composition is not None and composition.renewable_content_share == 0.05
    [cobalt] = composition.substances_of_concern
    # 0.2 kg of cobalt in a product of 3.5 kg: 5.7143 % w/w.
    assert cobalt.concentration_percent == pytest.approx(100 * 0.2 / 3.5, abs=1e-4)
    assert cobalt.hazard_classes == ["Carc. 1B", "Repr. 1B"] and cobalt.scip_number == SCIP
    assert cobalt.ec_number == "231-158-0"
    # Recycled content per critical raw material is public, as the Battery Regulation sets it.
    assert {c.crm: c.recycled_share for c in composition.critical_raw_materials} == {"LREE": 0.0, "Co": 0.0}
    assert public.circularity is not None and public.circularity.repairability_score == 7.5
    assert [(label.name, label.legislation) for label in public.labels] == [
        ("CE", ["2006/42/EC", "2014/30/EU"])
    ]
    report = public.due_diligence_report
    assert report is not None and report.url == "https://example.com/due-diligence-2026.pdf"
    # The registry id is public; who keeps the back-up copy only authorities see.
    assert public.registration is not None and public.registration.registry_id == "EU-DPP-0001"
    assert public.registration.backup_provider is None and public.registration.backup_url is None
    assert authority.registration is not None
    assert authority.registration.backup_provider == "Backup DPP Services B.V."


def test_the_footprint_gets_its_stages_standard_class_and_study() -> None:
    footprint = CarbonFootprint(
        total_kg_co2e=10.0,
        cradle_to_gate_kg_co2e=8.0,
        by_stage={"materials": 5.0, "purchased_parts": 2.0, "transport": 1.0, "use": 0.0, "end_of_life": 2.0},
        computed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    data = PassportInputData.model_validate(
        {"footprint_performance_class": "C", "footprint_study_url": "https://example.com/s.pdf"}
    )
    done = regulatory._footprint(footprint, data)
    assert (
        done is not None and done.performance_class == "C" and done.study_url == "https://example.com/s.pdf"
    )
    assert done.standard == "ISO 14067:2018"
    assert done.life_cycle_stages == [
        "raw material acquisition and pre-processing",
        "distribution",
        "end of life and recycling",
    ]
    other = regulatory._footprint(
        footprint, PassportInputData.model_validate({"footprint_standard": "PEF 3.1"})
    )
    assert other is not None and other.standard == "PEF 3.1" and other.performance_class is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"substances": [{"name": "X", "location": "P", "concentration_percent": 100.5}]},
            "concentration_percent",
        ),
        (
            {"substances": [{"name": "X", "location": "P", "concentration_percent": -1}]},
            "concentration_percent",
        ),
        ({"substances": [{"name": "X", "location": "P", "scip_number": "12345"}]}, "scip_number"),
        ({"substances": [{"name": "X", "location": "P", "ec_number": "231-158-1"}]}, "ec_number"),
        ({"importer_eori": "123"}, "importer_eori"),
        ({"renewable_content_share": 1.2}, "renewable_content_share"),
        ({"footprint_performance_class": "Z"}, "footprint_performance_class"),
        ({"footprint_study_url": "ftp://x"}, "footprint_study_url"),
        ({"repairability_score": 11}, "repairability_score"),
        ({"labels": [{"name": "CE", "url": "not a url"}]}, "url"),
        ({"operator_address": {"country": "Netherlands"}}, "country"),
    ],
)
def test_the_input_refuses_what_regulation_does_not_allow(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PassportInputData.model_validate(data)
    assert field in {str(part) for error in caught.value.errors() for part in error["loc"]}


def test_an_unknown_importer_is_a_422_naming_the_field(engine: Engine, product: Product) -> None:
    with Session(engine) as session:
        service.set_input(
            session,
            part_number="P-1",
            data=PassportInputData.model_validate({"gtin": "8712345001001", "importer": "NOPE"}),
        )
        with pytest.raises(Problem) as caught:
            service.issue(session, part_number="P-1", resolver="https://id.example.com")
    assert caught.value.status == 422 and "importer" in str(caught.value.detail)


def test_csv_input_carries_the_regulatory_columns(engine: Engine, product: Product, tmp_path: Path) -> None:
    (tmp_path / "product.csv").write_text(
        "part_number,gtin,importer,importer_eori,operator_street_address,operator_locality,operator_country,"
        "renewable_content_share,repairability_score,registry_id\n"
        "P-1,8712345001001,IMP,NL123456789,Achtseweg 1,Veldhoven,NL,0.1,6,EU-DPP-9\n"
    )
    (tmp_path / "substances.csv").write_text(
        "part_number,name,cas_number,ec_number,location,concentration_percent,hazard_classes,scip_number\n"
        f"P-1,Cobalt,7440-48-4,231-158-0,P-1,0.5,Carc. 1B; Repr. 1B,{SCIP}\n"
    )
    (tmp_path / "labels.csv").write_text("part_number,name,legislation\nP-1,CE,2006/42/EC;2011/65/EU\n")
    raw = service.read_inputs(tmp_path)
    with Session(engine) as session:
        service.import_inputs(session, raw)
        data = service.get_input(session, part_number="P-1")
    assert data.importer == "IMP" and data.importer_eori == "NL123456789"
    assert data.operator_address is not None and data.operator_address.locality == "Veldhoven"
    assert (
        data.renewable_content_share == 0.1
        and data.repairability_score == 6
        and data.registry_id == "EU-DPP-9"
    )
    assert data.substances[0].hazard_classes == ["Carc. 1B", "Repr. 1B"]
    assert data.substances[0].concentration_percent == 0.5 and data.substances[0].scip_number == SCIP
    assert data.labels[0].legislation == ["2006/42/EC", "2011/65/EU"]
    (tmp_path / "substances.csv").write_text(
        "part_number,name,location,concentration_percent\nP-1,Cobalt,P-1,140\n"
    )
    with Session(engine) as session, pytest.raises(Problem) as caught:
        service.import_inputs(session, service.read_inputs(tmp_path))
    [error] = caught.value.errors
    assert (
        error["file"] == "substances.csv" and error["row"] == 2 and error["column"] == "concentration_percent"
    )


def test_the_page_and_json_ld_show_the_fields_in_both_languages(
    anonymous_client: TestClient, engine: Engine, product: Product
) -> None:
    uid = _with_regulatory_input(engine)
    english = anonymous_client.get(f"/passports/{uid}", headers={"Accept-Language": "en"}).text
    for text in (
        "Importer GmbH",
        "Hamburg",
        "NL123456789",
        "Representative B.V.",
        "Renewable content",
        "5.0 %",
        "Carc. 1B",
        SCIP,
        "Repairability score",
        "7.5 / 10",
        "2006/42/EC",
        "Cobalt due diligence 2026",
        "EU-DPP-0001",
        "Authorised representative",
    ):
        assert text in english, text
    assert "Backup DPP Services" not in english  # authority tier
    anonymous_client.cookies.set("keten_lang", "nl")
    dutch = anonymous_client.get(f"/passports/{uid}").text
    for text in (
        "Importeur",
        "Gemachtigde",
        "Hernieuwbaar gehalte",
        "Gevarenklassen",
        "Repareerbaarheidsscore",
        "Markeringen en labels",
        "Registratienummer",
    ):
        assert text in dutch, text
    body = anonymous_client.get(f"/api/passports/{uid}/jsonld").json()["passport"]
    assert body["importer"]["address"]["locality"] == "Hamburg"
    assert body["composition"]["substancesOfConcern"][0]["scipNumber"] == SCIP
    assert "backupProvider" not in body["registration"]
