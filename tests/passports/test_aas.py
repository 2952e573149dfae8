"""AASX export and import: IDTA templates, the official checker, access tiers, a supplier's round trip.

The OEM side is the demo value chain on the test database (SQLite and PostgreSQL); the supplier
side is a node of its own, a second database made here with factories, which calculates its
part's footprint and exports it; the OEM imports that file.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aas_test_engines import file as checker
from aas_test_engines.result import AasTestResult, Level
from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter.json import read_aas_json_file, write_aas_json_file
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.dataio import demo
from keten.db import make_engine
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from keten.footprints.service import UNKNOWN_SHARE
from keten.migrate import upgrade
from keten.partners.models import Organization
from keten.passports import aas, aas_export, aas_regulatory, service
from keten.passports.models import TIERS
from keten.passports.schemas import PassportInputData
from keten.problems import Problem
from tests.factories import make_composition, make_material, make_org, make_part, make_site
from tests.passports.conftest import FULL, SCIP

PRODUCT = "WS-1000"
BOUGHT = "LM-C01"
"""A coil of the demo's linear motors, bought from Kempen Mechatronica."""
SUPPLIER_NAME = "Kempen Mechatronica B.V."


@pytest.fixture
def oem(session: Session) -> Session:
    demo.load(session)
    footprints.calculate(session, part_number=PRODUCT)
    session.flush()
    return session


def _export(session: Session, tier: str, **kwargs: object) -> bytes:
    out = io.BytesIO()
    aas_export.export_aasx(session, part_number=PRODUCT, out=out, tier=tier, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def _read(data: bytes) -> tuple[model.DictIdentifiableStore, aasx.DictSupplementaryFileContainer]:
    store: model.DictIdentifiableStore = model.DictIdentifiableStore()
    files = aasx.DictSupplementaryFileContainer()
    with aasx.AASXReader(io.BytesIO(data), failsafe=False) as reader:
        reader.read_into(store, files)
    return store, files


def _submodels(store: model.DictIdentifiableStore) -> dict[str, model.Submodel]:
    return {
        str(s.semantic_id.key[0].value): s
        for s in store
        if isinstance(s, model.Submodel) and s.semantic_id is not None
    }


def _walk(result: AasTestResult) -> Iterator[AasTestResult]:
    yield result
    for sub in result.sub_results:
        yield from _walk(sub)


def _all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "\n".join(package.read(n).decode("utf-8", "replace") for n in package.namelist())


# --- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_passes_the_official_checker_including_the_nameplate_template(
    oem: Session, tier: str
) -> None:
    data = _export(oem, tier, serial="SN-0001", gtin="08712345000127")
    result = checker.check_aasx_file(io.BytesIO(data))
    errors = [r.message for r in _walk(result) if r.level in (Level.ERROR, Level.CRITICAL)]
    assert errors == []
    assert result.ok()
    messages = [r.message for r in _walk(result)]
    # The engine checks submodels against the templates it knows; the nameplate is one of them.
    assert any(m.startswith("Template: DigitalNameplate") for m in messages), messages


def test_the_asset_is_named_by_a_gs1_digital_link_and_the_submodels_by_their_template_ids(
    oem: Session,
) -> None:
    store, _ = _read(_export(oem, "owner", serial="SN-0001", gtin="08712345000127"))
    (shell,) = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    assert shell.asset_information.global_asset_id == "https://id.keten.example/01/08712345000127/21/SN-0001"
    assert shell.asset_information.asset_kind == model.AssetKind.INSTANCE
    submodels = _submodels(store)
    assert set(submodels) == {
        "https://admin-shell.io/zvei/nameplate/2/0/Nameplate",
        "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0",
        "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel",
        "0173-1#01-AHF578#001",
        "https://admin-shell.io/idta/cds/dppMetadata/1",
        "https://keten.dev/ns/passport#RegulatoryInformation",
    }
    assert len(shell.submodel) == 6
    nameplate = submodels["https://admin-shell.io/zvei/nameplate/2/0/Nameplate"]
    values = {e.id_short: e for e in nameplate.submodel_element}
    assert str(values["SerialNumber"].value) == "SN-0001"
    assert values["ManufacturerName"].value["en"] == "Brainport Precision Systems B.V."
    assert values["ProductArticleNumberOfManufacturer"].value["en"] == PRODUCT
    assert values["YearOfConstruction"].semantic_id.key[0].value == "0173-1#02-AAP906#001"
    dpp = {
        e.id_short: str(e.value)
        for e in submodels["https://admin-shell.io/idta/cds/dppMetadata/1"].submodel_element
    }
    assert dpp["granularity"] == "Item"
    assert dpp["uniqueProductIdentifier"] == shell.asset_information.global_asset_id
    # The unique operator identifier of the passport (ESPR Annex III (g)): the party GLN as a Digital Link.
    assert dpp["economicOperatorId"] == "https://id.gs1.org/417/8712345000011"


def test_without_gtin_the_asset_id_is_a_urn_of_the_part_number_and_a_model_passport_is_a_type() -> None:
    assert aas_export.global_asset_id("WS-1000") == "urn:keten:part:WS-1000"
    assert aas_export.global_asset_id("A/B 1", serial="7") == "urn:keten:part:A%2FB%201:serial:7"
    assert (
        aas_export.global_asset_id("X", gtin="08712345000127") == "https://id.keten.example/01/08712345000127"
    )


def test_the_carbon_footprint_is_the_stored_result_split_into_template_life_cycle_phases(
    oem: Session,
) -> None:
    by_stage = aas_export.product_content(oem, part_number=PRODUCT).footprint.by_stage  # type: ignore[union-attr]
    store, _ = _read(_export(oem, "public"))
    submodel = _submodels(store)["https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0"]
    (listing,) = submodel.submodel_element
    assert listing.id_short == "ProductCarbonFootprints"
    by_phase = {}
    for item in listing.value:
        elements = {e.id_short: e for e in item.value}
        (phase,) = elements["LifeCyclePhases"].value
        by_phase[str(phase.value)] = float(elements["PcfCO2eq"].value)
        assert str(elements["ReferenceImpactUnitForCalculation"].value) == "piece"
        assert {str(m.value) for m in elements["PcfCalculationMethods"].value} == {
            "ISO 14067",
            "GHG Protocol",
        }
    # The passport's own figures, to the gram, as its JSON gives them.
    gate = sum(v for k, v in by_stage.items() if k not in ("use", "end_of_life"))
    assert by_phase["A1-A3"] == pytest.approx(gate, abs=1e-6)
    assert by_phase["B6 - usage energy consumption"] == pytest.approx(by_stage["use"], abs=1e-6)
    run = footprints.latest(oem, part_number=PRODUCT)
    stored = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))
    assert gate == pytest.approx(stored, abs=0.01)


def _entities(entity: model.Entity) -> list[model.Entity]:
    return [s for s in entity.statement if isinstance(s, model.Entity)]


def test_the_bom_is_the_as_built_of_an_item_one_level_down_with_a_has_part_per_line(oem: Session) -> None:
    store, _ = _read(_export(oem, "legitimate_interest", serial="SN-0001"))
    submodel = _submodels(store)["https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel"]
    elements = {e.id_short: e for e in submodel.submodel_element}
    assert str(elements["ArcheType"].value) == "OneDown"
    entry = elements["WS_1000"]
    assert (
        entry.semantic_id.key[0].value == "https://admin-shell.io/idta/HierarchicalStructures/EntryNode/1/0"
    )
    children = _entities(entry)
    assert sorted(c.id_short for c in children) == sorted(
        c.replace("-", "_") for c in demo_children(oem, PRODUCT)
    )
    relations = [s for s in entry.statement if isinstance(s, model.RelationshipElement)]
    assert {r.second.key[-1].value for r in relations} == {c.id_short for c in children}
    linear_stage = next(c for c in children if c.id_short == "WS_1100")
    assert _entities(linear_stage) == []
    assert int({e.id_short: e for e in linear_stage.statement}["BulkCount"].value) == 1


def demo_children(session: Session, part_number: str) -> list[str]:
    from keten.catalog import service as catalog

    return [line.child for line in catalog.bom_children(session, part_number=part_number)]


def test_the_public_sees_no_as_built_parts_and_a_model_passport_has_none(oem: Session) -> None:
    public, files = _read(_export(oem, "public", serial="SN-0001"))
    assert "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel" not in _submodels(public)
    owner, _ = _read(_export(oem, "owner"))
    assert "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel" not in _submodels(owner)
    handover = _submodels(public)["0173-1#01-AHF578#001"]
    assert [str(e.value) for e in handover.submodel_element if e.id_short == "numberOfDocuments"] == ["0"]
    assert list(files) == []


def test_an_issued_passport_travels_signed_in_its_package_and_verifies(session: Session) -> None:
    from keten.passports import signing

    demo.load(session, passports=True, resolver="https://id.example.com")
    serial = demo.DEMO_SERIALS[0]
    store, files = _read(_export(session, "legitimate_interest", serial=serial))
    handover = _submodels(store)["0173-1#01-AHF578#001"]
    elements = {e.id_short: e for e in handover.submodel_element}
    assert str(elements["numberOfDocuments"].value) == "1"
    version = {e.id_short: e for e in elements["Document01"].value}["DocumentVersion01"]
    digital = {e.id_short: e for e in version.value}["DigitalFile01"]
    assert digital.content_type == "application/json"
    download = json.loads(_file(files, digital.value))
    item = service.find(session, gtin="08712345001001", serial=serial)
    assert download["id"] == f"urn:uuid:{item.uid}" and download["tier"] == "legitimate_interest"
    assert signing.verify_document(download, signing.public_keys_from(service.jwks(session))) == []
    # The shell names the asset by the Digital Link the passport was signed with.
    (shell,) = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    assert shell.asset_information.global_asset_id == download["passport"]["identification"]["digitalLink"]


def _file(files: aasx.DictSupplementaryFileContainer, name: str) -> bytes:
    buffer = io.BytesIO()
    files.write_file(name, buffer)
    return buffer.getvalue()


def test_an_unknown_tier_or_part_is_refused(oem: Session) -> None:
    with pytest.raises(Problem) as caught:
        _export(oem, "everyone")
    assert caught.value.status == 422 and "everyone" in str(caught.value)
    with pytest.raises(Problem) as missing:
        aas_export.export_aasx(oem, part_number="NO-SUCH", out=io.BytesIO())
    assert missing.value.status == 404


def test_a_part_without_a_footprint_exports_without_a_carbon_footprint(oem: Session) -> None:
    store, _ = _read(_export_part(oem, BOUGHT))
    assert "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0" not in _submodels(store)
    assert checker.check_aasx_file(io.BytesIO(_export_part(oem, BOUGHT))).ok()


def _export_part(session: Session, part_number: str, tier: str = "public") -> bytes:
    out = io.BytesIO()
    aas_export.export_aasx(session, part_number=part_number, out=out, tier=tier)
    return out.getvalue()


def test_export_writes_to_a_path(oem: Session, tmp_path: Path) -> None:
    target = tmp_path / "ws.aasx"
    summary = aas_export.export_aasx(oem, part_number=PRODUCT, out=target)
    assert summary.global_asset_id == "urn:keten:part:WS-1000"
    with target.open("rb") as handle:
        assert checker.check_aasx_file(handle).ok()


# --- import: a supplier's file into the OEM's node ------------------------------------------------


@pytest.fixture
def supplier_file(tmp_path: Path) -> tuple[Path, float]:
    """Return the AASX a supplier node exports of LM-C01, and its cradle-to-gate kg CO2e per piece."""
    engine = make_engine(f"sqlite:///{tmp_path / 'supplier.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as s:
        own = make_org(s, code="KM", name=SUPPLIER_NAME, role="own", country="NL")
        make_site(s, organization=own, code="KM-EHV", city="Eindhoven")
        coil = make_part(s, part_number=BOUGHT, name="Linear motor coil", mass_kg=2.5)
        make_composition(s, part=coil, material=make_material(s, code="AL", name="Aluminium"), mass_kg=2.5)
        footprints.load_reference_factors(s)
        run = footprints.calculate(s, part_number=BOUGHT)
        gate = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))
        target = tmp_path / "km-lm-c01.aasx"
        aas_export.export_aasx(s, part_number=BOUGHT, out=target, tier="public")
        s.commit()
    engine.dispose()
    return target, gate


def test_round_trip_the_supplier_pcf_becomes_primary_data_of_the_matching_part(
    oem: Session, supplier_file: tuple[Path, float]
) -> None:
    path, gate = supplier_file
    assert gate == pytest.approx(2.5 * 8.2)
    before = footprints.calculate(oem, part_number="LM-2000")
    report = aas.import_aasx(oem, path=path)
    assert report.part_number == BOUGHT
    assert report.matched_by == "ProductArticleNumberOfManufacturer"
    assert report.organization == "KEMPEN-MECH"
    assert report.nameplate["ManufacturerName"] == SUPPLIER_NAME
    assert report.kg_co2e_per_unit == pytest.approx(gate)
    assert report.created
    held = oem.get(SupplierPcf, report.supplier_pcf_id)
    assert held is not None
    assert held.part_id == oem.scalar(select(Part.id).where(Part.part_number == BOUGHT))
    assert "km-lm-c01.aasx" in (held.source or "")
    after = footprints.calculate(oem, part_number="LM-2000")
    # Three coils per motor unit now count with the supplier's figure.
    assert after.by_stage.get("purchased_parts", 0.0) > before.by_stage.get("purchased_parts", 0.0)
    coil = footprints.calculate(oem, part_number=BOUGHT)
    assert coil.by_stage["purchased_parts"] == pytest.approx(gate)


def test_a_supplier_pcf_from_an_aasx_has_an_unknown_primary_data_share(
    oem: Session, supplier_file: tuple[Path, float]
) -> None:
    # The Carbon Footprint templates (1.0 and the 0.9 draft) state no primary data share: the
    # import keeps it unknown, and a footprint using the PCF counts it as 0 and says so, as for a
    # PACT footprint without one, never as 100 % primary.
    path, _ = supplier_file
    before = footprints.calculate(oem, part_number="LM-2000")
    report = aas.import_aasx(oem, path=path)
    held = oem.get(SupplierPcf, report.supplier_pcf_id)
    assert held is not None and held.primary_data_share is None
    after = footprints.calculate(oem, part_number="LM-2000")
    assert [f"supplier PCF {BOUGHT}", UNKNOWN_SHARE] in after.fallbacks
    assert [f"supplier PCF {BOUGHT}", UNKNOWN_SHARE] not in before.fallbacks
    assert (after.primary_data_share or 0.0) <= (before.primary_data_share or 0.0) + 1e-9


def test_importing_the_same_file_again_changes_nothing(
    oem: Session, supplier_file: tuple[Path, float]
) -> None:
    path, _ = supplier_file
    first = aas.import_aasx(oem, path=path)
    again = aas.import_aasx(oem, path=io.BytesIO(path.read_bytes()), file_name=path.name)
    assert not again.created and again.supplier_pcf_id == first.supplier_pcf_id
    assert oem.scalar(select(func.count()).select_from(SupplierPcf)) == _demo_pcfs(oem) + 1


def _demo_pcfs(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SupplierPcf).where(SupplierPcf.source.not_like("AASX %"))
        )
        or 0
    )


def test_the_footprint_export_of_the_0_9_draft_is_read_too(oem: Session, tmp_path: Path) -> None:
    # keten's footprint domain still writes the 0.9 draft as JSON; an AASX with it imports alike.
    footprints.calculate(oem, part_number="LM-2000")
    draft = footprints.idta_submodel(oem, part_number="LM-2000")
    expected = next(
        float(p["value"])
        for c in draft["submodelElements"]
        if c["idShort"] == "ProductCarbonFootprint_A1A3"
        for p in c["value"]
        if p["idShort"] == "PCFCO2eq"
    )
    content = aas_export.product_content(oem, part_number="LM-2000", tier="owner")
    store, files, summary = aas_export.build_environment(content)
    for submodel in [s for s in store if isinstance(s, model.Submodel)]:
        if submodel.semantic_id.key[0].value.startswith("https://admin-shell.io/idta/CarbonFootprint"):
            store.discard(submodel)
    environment = read_aas_json_file(io.StringIO(json.dumps({"submodels": [draft]})))
    (cf,) = list(environment)
    store.add(cf)
    (shell,) = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    shell.submodel = {model.ModelReference.from_referable(s) for s in store if isinstance(s, model.Submodel)}
    target = tmp_path / "draft.aasx"
    with aasx.AASXWriter(str(target)) as writer:
        writer.write_aas(summary.aas_id, store, files, write_json=True)
    report = aas.import_aasx(oem, path=target, organization="KEMPEN-MECH")
    assert report.part_number == "LM-2000"
    assert report.kg_co2e_per_unit == pytest.approx(expected, rel=1e-5)


# --- bad files: a clear message, nothing written --------------------------------------------------


def _pcf_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SupplierPcf)) or 0)


def test_a_file_that_is_no_aasx_is_refused_by_name(oem: Session, tmp_path: Path) -> None:
    bad = tmp_path / "datasheet.aasx"
    bad.write_bytes(b"%PDF-1.7 not a package")
    count = _pcf_count(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=bad)
    assert caught.value.status == 422
    assert str(caught.value) == "datasheet.aasx: file: is not a ZIP archive, so not an AASX package"
    assert _pcf_count(oem) == count


def test_a_package_without_a_carbon_footprint_is_refused(oem: Session) -> None:
    data = _export_part(oem, BOUGHT)
    count = _pcf_count(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=io.BytesIO(data), file_name="no-pcf.aasx")
    assert "no-pcf.aasx" in str(caught.value) and "no Carbon Footprint submodel" in str(caught.value)
    assert caught.value.errors[0]["file"] == "no-pcf.aasx"
    assert _pcf_count(oem) == count


def test_a_package_of_an_unknown_part_names_what_it_tried(
    oem: Session, supplier_file: tuple[Path, float]
) -> None:
    path, _ = supplier_file
    oem.execute(Part.__table__.update().where(Part.part_number == BOUGHT).values(part_number="LM-C01-OLD"))
    count = _pcf_count(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=path)
    message = str(caught.value)
    assert "matches no part" in message and "ProductArticleNumberOfManufacturer 'LM-C01'" in message
    assert _pcf_count(oem) == count
    # Naming the part attaches it all the same.
    report = aas.import_aasx(oem, path=path, part_number="LM-C01-OLD")
    assert report.matched_by == "part number given" and report.created


def test_a_footprint_that_is_not_a_number_is_refused_naming_the_element(oem: Session, tmp_path: Path) -> None:
    content = aas_export.product_content(oem, part_number=PRODUCT, tier="owner")
    store, files, summary = aas_export.build_environment(content)
    cf = _submodels(store)["https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0"]
    (listing,) = cf.submodel_element
    first = next(iter(listing.value))
    co2 = {e.id_short: e for e in first.value}["PcfCO2eq"]
    co2.value_type = model.datatypes.String
    co2.value = "about twelve"
    target = tmp_path / "broken.aasx"
    with aasx.AASXWriter(str(target)) as writer:
        writer.write_aas(summary.aas_id, store, files, write_json=True)
    count = _pcf_count(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=target)
    message = str(caught.value)
    assert "broken.aasx" in message and "ProductCarbonFootprints[0]/PcfCO2eq" in message
    assert "'about twelve' is not a number" in message
    assert _pcf_count(oem) == count


def test_an_unknown_supplier_keeps_the_pcf_without_an_organization(
    oem: Session, supplier_file: tuple[Path, float]
) -> None:
    path, _ = supplier_file
    oem.execute(
        Organization.__table__.update().where(Organization.code == "KEMPEN-MECH").values(name="Kempen BV")
    )
    report = aas.import_aasx(oem, path=path)
    assert report.organization is None
    assert report.warnings and SUPPLIER_NAME in report.warnings[0]
    assert oem.get(SupplierPcf, report.supplier_pcf_id).organization_id is None  # type: ignore[union-attr]


def test_a_supplier_package_written_as_xml_imports_alike(oem: Session, tmp_path: Path) -> None:
    # AASX Package Explorer and most tools write the XML serialization; keten writes JSON.
    footprints.calculate(oem, part_number="LM-2000")
    content = aas_export.product_content(oem, part_number="LM-2000", tier="owner")
    store, files, summary = aas_export.build_environment(content)
    target = tmp_path / "supplier-xml.aasx"
    with aasx.AASXWriter(str(target)) as writer:
        writer.write_aas(summary.aas_id, store, files, write_json=False)
    report = aas.import_aasx(oem, path=target, organization="KEMPEN-MECH")
    gate = sum(v for k, v in content.footprint.by_stage.items() if k not in ("use", "end_of_life"))  # type: ignore[union-attr]
    assert report.part_number == "LM-2000" and report.organization == "KEMPEN-MECH"
    assert report.kg_co2e_per_unit == pytest.approx(gate, abs=1e-6)


def test_a_footprint_too_small_for_an_exponent_is_written_as_a_plain_decimal(oem: Session) -> None:
    content = aas_export.product_content(oem, part_number=PRODUCT)
    tiny = aas_export.Footprint(
        by_stage={"materials": 1.5e-7, "use": 2.0e21},
        computed_at=content.footprint.computed_at,  # type: ignore[union-attr]
    )
    store, _, _ = aas_export.build_environment(replace(content, footprint=tiny))
    out = io.StringIO()
    write_aas_json_file(out, store)
    written = json.loads(out.getvalue())
    values = [
        element["value"]
        for submodel in written["submodels"]
        for listing in submodel.get("submodelElements", [])
        if listing["idShort"] == "ProductCarbonFootprints"
        for item in listing["value"]
        for element in item["value"]
        if element.get("idShort") == "PcfCO2eq"
    ]
    assert values == ["0.000000", "2000000000000000000000.000000"]


def test_without_an_own_organization_there_is_no_manufacturer_to_name(session: Session) -> None:
    make_part(session, part_number="LONE-1")
    with pytest.raises(Problem) as caught:
        aas_export.export_aasx(session, part_number="LONE-1", out=io.BytesIO())
    assert caught.value.status == 422 and "role 'own'" in str(caught.value)


def test_without_a_gtin_given_the_export_names_the_product_by_its_own(oem: Session) -> None:
    # The demo's passport input gives WS-1000 its GTIN; no passport is issued yet.
    service.import_inputs(oem, service.read_inputs(demo.DEMO_DIR / "passports"))
    summary = aas_export.export_aasx(
        oem, part_number=PRODUCT, out=io.BytesIO(), base="https://id.example.com"
    )
    assert summary.global_asset_id == "https://id.example.com/01/08712345001001"
    same = aas_export.export_aasx(oem, part_number=PRODUCT, out=io.BytesIO(), gtin="8712345001001")
    assert same.global_asset_id.endswith("/01/08712345001001")
    with pytest.raises(Problem) as other:
        aas_export.export_aasx(oem, part_number=PRODUCT, out=io.BytesIO(), gtin="08712345000127")
    assert other.value.status == 422
    assert "WS-1000 has GTIN 08712345001001; the GTIN given, 08712345000127, is another" in str(other.value)
    # Once issued, the passport's own Digital Link names the asset.
    service.issue(oem, part_number=PRODUCT, resolver="https://id.example.com")
    issued = aas_export.export_aasx(oem, part_number=PRODUCT, out=io.BytesIO())
    assert issued.global_asset_id == "https://id.example.com/01/08712345001001"


def _elements(collection: model.Submodel | model.SubmodelElementCollection) -> dict[str, Any]:
    found = collection.submodel_element if isinstance(collection, model.Submodel) else collection.value
    return {str(e.id_short): e for e in found}


def _value(element: Any) -> str:
    return str(element.value["en"] if isinstance(element, model.MultiLanguageProperty) else element.value)


@pytest.mark.parametrize("tier", TIERS)
def test_the_regulatory_fields_are_template_elements_at_their_tier_and_pass_the_checker(
    oem: Session, tier: str
) -> None:
    current = service.get_input(oem, part_number=PRODUCT).model_dump(exclude_none=True)
    regulatory_input = FULL | {
        "importer": "KEMPEN-MECH",
        "authorised_representative": None,
        "footprint_standard": "PEF 3.1",
        "labels": [
            {"name": "CE", "legislation": ["2006/42/EC", "2014/30/EU"], "url": "https://example.com/doc.pdf"},
            {"name": "UKCA"},
        ],
        "substances": [
            FULL["substances"][0]
            | {"location": PRODUCT, "concentration_percent": 0.2, "handling": "Wear gloves"}
        ],
    }
    service.set_input(
        oem, part_number=PRODUCT, data=PassportInputData.model_validate(current | regulatory_input)
    )
    data = _export(oem, tier)
    result = checker.check_aasx_file(io.BytesIO(data))
    assert [r.message for r in _walk(result) if r.level in (Level.ERROR, Level.CRITICAL)] == []
    store, _ = _read(data)
    submodels = _submodels(store)
    found = _elements(submodels[aas_regulatory.REGULATORY_SUBMODEL])
    importer = _elements(found["Importer"])
    assert _value(importer["Eori"]) == "NL123456789" and _value(importer["Company"]) == SUPPLIER_NAME
    assert _value(found["RepairabilityScore"]) == "7.5" and _value(found["RegistryId"]) == "EU-DPP-0001"
    assert float(found["RenewableContent"].value) == pytest.approx(0.05)
    assert _value(_elements(found["DueDiligenceReport"])["DocumentIdentifier"]) == (
        "https://example.com/due-diligence-2026.pdf"
    )
    (cobalt,) = found["HazardousSubstances"].value
    substance = _elements(cobalt)
    assert _value(substance["HazardousSubstanceIdentifier"]) == "7440-48-4"
    assert _value(substance["HazardousSubstanceClass"]) == "Carc. 1B; Repr. 1B"
    assert _value(substance["ScipNumber"]) == SCIP.lower()
    assert float(substance["HazardousSubstanceConcentration"].value) == pytest.approx(0.2)
    # What the single tier table puts above public is absent below it, in the shell as in the JSON.
    assert ("Handling" in substance) == (tier != "public")
    assert ("BackupUrl" in found and "BackupProvider" in found) == (tier in ("authority", "owner"))
    values = _elements(submodels["https://admin-shell.io/zvei/nameplate/2/0/Nameplate"])
    ce, ukca = values["Markings"].value
    marking = _elements(ce)
    assert ce.id_short == "Marking01" and _value(marking["MarkingName"]) == "CE"
    assert _value(marking["DesignationOfCertificateOrApproval"]) == "2006/42/EC; 2014/30/EU"
    assert marking["MarkingFile"].value == "https://example.com/doc.pdf"
    assert marking["MarkingFile"].content_type == "application/pdf"
    assert ukca.id_short == "Marking02" and _elements(ukca)["MarkingFile"].value is None
    pcfs = submodels["https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0"].submodel_element
    for pcf in next(iter(pcfs)).value:
        elements = _elements(pcf)
        assert _value(elements["PerformanceClass"]) == "B"
        assert [_value(e) for e in elements["WebLinkToPublicCarbonFootprintStudy"].value] == [
            "https://example.com/pcf-study.pdf"
        ]
        assert "PEF 3.1" in [_value(e) for e in elements["PcfCalculationMethods"].value]
