"""A supplier's Digital Nameplate, read from its AASX package into a row of its own per part and
manufacturer: every field as given (template 2.0 and 3.0), replaced on re-import, written with the
PCF or not at all, and shown by the JSON API, the part page and the command.

The OEM is the demo value chain on the test database (SQLite and PostgreSQL). The packages are
real AASX files: keten's own export (nameplate 2.0), and one whose nameplate is built after the
IDTA 02006-3-0 template (IEC CDD semantic ids, the address as AddressInformation), as another
vendor's tool writes it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from basyx.aas import model
from basyx.aas.adapter import aasx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.dataio import demo
from keten.footprints import service as footprints
from keten.footprints.models import SupplierPcf
from keten.partners.models import Organization
from keten.passports import aas, aas_export
from keten.passports.models import SupplierNameplate
from keten.problems import Problem
from tests.conftest import make_user

BOUGHT = "LM-C01"
"""A coil of the demo's linear motors, bought from Kempen Mechatronica (KEMPEN-MECH)."""
SUPPLIER_NAME = "Kempen Mechatronica B.V."
AASX_TYPE = "application/asset-administration-shell-package+xml"

PLATE_3_0: dict[str, Any] = {
    "ManufacturerName": SUPPLIER_NAME,
    "ManufacturerProductDesignation": "Linear motor coil LC-3, 250 mm",
    "ManufacturerProductFamily": "Linear motor coils",
    "ManufacturerProductType": "LC-3-250",
    "OrderCodeOfManufacturer": "KM LC3-250/A",
    "ProductArticleNumberOfManufacturer": BOUGHT,
    "SerialNumber": "KM-000123",
    "YearOfConstruction": "2026",
    "DateOfManufacture": date(2026, 3, 14),
    "HardwareVersion": "B.2",
    "FirmwareVersion": "4.1.0",
    "CountryOfOrigin": "NL",
    "URIOfTheProduct": "https://kempen.example/p/LC-3-250",
}
ADDRESS_3_0 = {
    "Street": "De Run 4321",
    "Zipcode": "5503 LN",
    "CityTown": "Veldhoven",
    "StateCounty": "Noord-Brabant",
    "NationalCode": "NL",
}
IEC = {
    "URIOfTheProduct": "0112/2///61987#ABN590#002",
    "ManufacturerName": "0112/2///61987#ABA565#009",
    "ManufacturerProductDesignation": "0112/2///61987#ABA567#009",
    "ManufacturerProductFamily": "0112/2///61987#ABP464#002",
    "ManufacturerProductType": "0112/2///61987#ABA300#008",
    "OrderCodeOfManufacturer": "0112/2///61987#ABA950#008",
    "ProductArticleNumberOfManufacturer": "0112/2///61987#ABA581#007",
    "SerialNumber": "0112/2///61987#ABA951#009",
    "YearOfConstruction": "0112/2///61987#ABP000#002",
    "DateOfManufacture": "0112/2///61987#ABB757#007",
    "HardwareVersion": "0112/2///61987#ABA926#008",
    "FirmwareVersion": "0112/2///61987#ABA302#006",
    "CountryOfOrigin": "0112/2///61987#ABP462#001",
}
"""Semantic ids of the 3.0 template (published/Digital nameplate/3/0 in admin-shell-io/submodel-templates)."""
MULTI_LANGUAGE = {"ManufacturerName", "ManufacturerProductDesignation", "ManufacturerProductFamily"}


@pytest.fixture
def oem(session: Session) -> Session:
    demo.load(session)
    footprints.calculate(session, part_number=BOUGHT)
    session.flush()
    return session


def _ref(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def _nameplate_3_0(
    fields: dict[str, Any], address: dict[str, str], renamed: dict[str, str] | None = None
) -> model.Submodel:
    elements: list[model.SubmodelElement] = []
    for concept, value in fields.items():
        id_short = (renamed or {}).get(concept, concept)
        if concept in MULTI_LANGUAGE:
            # The template's example writes the manufacturer in German: no English text to prefer.
            language = "de" if concept == "ManufacturerName" else "en"
            elements.append(
                model.MultiLanguageProperty(
                    id_short,
                    value=model.MultiLanguageTextType({language: value}),
                    semantic_id=_ref(IEC[concept]),
                )
            )
        elif isinstance(value, date):
            elements.append(
                model.Property(
                    id_short,
                    value_type=model.datatypes.Date,
                    value=model.datatypes.Date(value.year, value.month, value.day),
                    semantic_id=_ref(IEC[concept]),
                )
            )
        else:
            kind = model.datatypes.AnyURI if concept == "URIOfTheProduct" else model.datatypes.String
            elements.append(
                model.Property(id_short, value_type=kind, value=value, semantic_id=_ref(IEC[concept]))
            )
    contact = [
        model.MultiLanguageProperty(k, value=model.MultiLanguageTextType({"en": v}))
        for k, v in address.items()
    ]
    elements.append(
        model.SubmodelElementCollection(
            "AddressInformation", value=contact, semantic_id=_ref(aas.ADDRESS_INFORMATION)
        )
    )
    return model.Submodel(
        "urn:kempen:submodel:nameplate:LC-3-250",
        id_short="Nameplate",
        semantic_id=_ref(aas.NAMEPLATE_3_SUBMODEL),
        administration=model.AdministrativeInformation(version="3", revision="0"),
        submodel_element=elements,
    )


def _package(
    session: Session,
    target: Path,
    *,
    fields: dict[str, Any] | None = None,
    address: dict[str, str] | None = None,
    renamed: dict[str, str] | None = None,
    part_number: str = BOUGHT,
) -> Path:
    """Write an AASX of ``part_number`` whose nameplate is a 3.0 one with ``fields``; return its path."""
    content = aas_export.product_content(session, part_number=part_number)
    store, files, summary = aas_export.build_environment(content)
    for submodel in [s for s in store if isinstance(s, model.Submodel)]:
        if submodel.id_short == "Nameplate":
            store.discard(submodel)
    store.add(
        _nameplate_3_0(
            PLATE_3_0 if fields is None else fields, ADDRESS_3_0 if address is None else address, renamed
        )
    )
    (shell,) = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    shell.submodel = {model.ModelReference.from_referable(s) for s in store if isinstance(s, model.Submodel)}
    with aasx.AASXWriter(str(target)) as writer:
        writer.write_aas(summary.aas_id, store, files, write_json=True)
    return target


def _counts(session: Session) -> tuple[int, int]:
    return (
        int(session.scalar(select(func.count()).select_from(SupplierNameplate)) or 0),
        int(session.scalar(select(func.count()).select_from(SupplierPcf)) or 0),
    )


# --- import ------------------------------------------------------------------------------------------


def test_a_3_0_nameplate_is_stored_field_by_field_exactly(oem: Session, tmp_path: Path) -> None:
    path = _package(oem, tmp_path / "kempen-lc3.aasx")
    report = aas.import_aasx(oem, path=path, imported_by="ada")
    assert report.part_number == BOUGHT and report.matched_by == "ProductArticleNumberOfManufacturer"
    assert not report.nameplate_replaced
    plate = oem.get(SupplierNameplate, report.nameplate_id)
    assert plate is not None
    assert plate.part_id == oem.scalar(select(Part.id).where(Part.part_number == BOUGHT))
    assert plate.organization_id == oem.scalar(
        select(Organization.id).where(Organization.code == "KEMPEN-MECH")
    )
    assert {
        "ManufacturerName": plate.manufacturer_name,
        "ManufacturerProductDesignation": plate.manufacturer_product_designation,
        "ManufacturerProductFamily": plate.manufacturer_product_family,
        "ManufacturerProductType": plate.manufacturer_product_type,
        "OrderCodeOfManufacturer": plate.order_code_of_manufacturer,
        "ProductArticleNumberOfManufacturer": plate.product_article_number_of_manufacturer,
        "SerialNumber": plate.serial_number,
        "YearOfConstruction": plate.year_of_construction,
        "DateOfManufacture": plate.date_of_manufacture,
        "HardwareVersion": plate.hardware_version,
        "FirmwareVersion": plate.firmware_version,
        "CountryOfOrigin": plate.country_of_origin,
        "URIOfTheProduct": plate.uri_of_the_product,
    } == PLATE_3_0
    assert {
        "Street": plate.street,
        "Zipcode": plate.zipcode,
        "CityTown": plate.city_town,
        "StateCounty": plate.state_county,
        "NationalCode": plate.national_code,
    } == ADDRESS_3_0
    assert plate.company is None
    assert plate.template == aas.NAMEPLATE_3_SUBMODEL
    assert plate.global_asset_id == f"urn:keten:part:{BOUGHT}"
    assert plate.source_file == "kempen-lc3.aasx" and len(plate.source_sha256) == 64
    assert plate.imported_by == "ada" and plate.imported_at is not None
    # The PCF of the same package was stored alongside, naming the same supplier.
    pcf = oem.get(SupplierPcf, report.supplier_pcf_id)
    assert pcf is not None and pcf.organization_id == plate.organization_id and pcf.part_id == plate.part_id


def test_fields_are_found_by_their_semantic_id_whatever_their_id_short(oem: Session, tmp_path: Path) -> None:
    renamed = {"ManufacturerName": "Hersteller", "FirmwareVersion": "Firmware", "DateOfManufacture": "Built"}
    report = aas.import_aasx(oem, path=_package(oem, tmp_path / "renamed.aasx", renamed=renamed))
    plate = oem.get(SupplierNameplate, report.nameplate_id)
    assert plate is not None and plate.manufacturer_name == SUPPLIER_NAME
    assert plate.firmware_version == "4.1.0" and plate.date_of_manufacture == date(2026, 3, 14)


def test_keten_s_own_2_0_export_is_read_with_its_contact_information(oem: Session, tmp_path: Path) -> None:
    target = tmp_path / "own.aasx"
    aas_export.export_aasx(oem, part_number=BOUGHT, out=target, tier="public")
    content = aas_export.product_content(oem, part_number=BOUGHT)
    report = aas.import_aasx(oem, path=target, organization="KEMPEN-MECH")
    plate = oem.get(SupplierNameplate, report.nameplate_id)
    assert plate is not None and plate.template == aas.NAMEPLATE_SUBMODEL
    assert plate.manufacturer_name == content.manufacturer_name
    assert plate.manufacturer_product_designation == content.name
    assert plate.manufacturer_product_type == BOUGHT
    assert plate.order_code_of_manufacturer == BOUGHT
    assert plate.product_article_number_of_manufacturer == BOUGHT
    assert plate.year_of_construction == str(content.year_of_construction)
    assert plate.country_of_origin == content.facility_country
    assert plate.company == content.manufacturer_name
    assert plate.city_town == content.facility_city
    assert plate.national_code == content.facility_country
    assert plate.serial_number is None and plate.date_of_manufacture is None
    # Named by code, the supplier is that organization, whatever the nameplate calls its maker.
    assert plate.organization_id == oem.scalar(
        select(Organization.id).where(Organization.code == "KEMPEN-MECH")
    )


def test_reimporting_the_same_manufacturer_updates_its_nameplate_instead_of_adding_one(
    oem: Session, tmp_path: Path
) -> None:
    first = aas.import_aasx(oem, path=_package(oem, tmp_path / "v1.aasx"), imported_by="ada")
    newer = {**PLATE_3_0, "FirmwareVersion": "4.2.0"}
    del newer["SerialNumber"]
    # The same maker, written with other capitals and spacing by the next version of its tool.
    newer["ManufacturerName"] = "KEMPEN  Mechatronica b.v."
    again = aas.import_aasx(
        oem, path=_package(oem, tmp_path / "v2.aasx", fields=newer, address={}), imported_by="bob"
    )
    assert again.nameplate_replaced and again.nameplate_id == first.nameplate_id
    plates = list(oem.scalars(select(SupplierNameplate)))
    assert len(plates) == 1
    (plate,) = plates
    assert plate.firmware_version == "4.2.0" and plate.manufacturer_name == "KEMPEN  Mechatronica b.v."
    # What the newer package no longer says is no longer held.
    assert plate.serial_number is None and plate.street is None and plate.city_town is None
    assert plate.source_file == "v2.aasx" and plate.imported_by == "bob"
    # Another manufacturer of the same part keeps a nameplate of its own.
    other = {**PLATE_3_0, "ManufacturerName": "Brabant Coils B.V."}
    third = aas.import_aasx(oem, path=_package(oem, tmp_path / "other.aasx", fields=other))
    assert not third.nameplate_replaced and third.nameplate_id != first.nameplate_id
    assert third.organization is None
    assert oem.get(SupplierNameplate, third.nameplate_id).organization_id is None  # type: ignore[union-attr]
    assert _counts(oem)[0] == 2


def test_a_nameplate_without_manufacturer_name_writes_neither_nameplate_nor_pcf(
    oem: Session, tmp_path: Path
) -> None:
    fields = {k: v for k, v in PLATE_3_0.items() if k != "ManufacturerName"}
    path = _package(oem, tmp_path / "anonymous.aasx", fields=fields)
    before = _counts(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=path)
    assert caught.value.status == 422
    message = str(caught.value)
    assert "anonymous.aasx" in message and "Nameplate/ManufacturerName" in message and "missing" in message
    assert _counts(oem) == before


@pytest.mark.parametrize(
    ("change", "element", "says"),
    [
        ({"DateOfManufacture": "14 March 2026"}, "Nameplate/DateOfManufacture", "is not a date"),
        ({"SerialNumber": "S" * 300}, "Nameplate/SerialNumber", "300 characters long; at most 255"),
    ],
)
def test_a_nameplate_field_that_cannot_be_kept_is_refused_and_nothing_is_written(
    oem: Session, tmp_path: Path, change: dict[str, str], element: str, says: str
) -> None:
    path = _package(oem, tmp_path / "odd.aasx", fields={**PLATE_3_0, **change})
    before = _counts(oem)
    with pytest.raises(Problem) as caught:
        aas.import_aasx(oem, path=path)
    assert caught.value.status == 422
    assert element in str(caught.value) and says in str(caught.value)
    assert caught.value.errors[0]["file"] == "odd.aasx"
    assert _counts(oem) == before


def test_nameplate_and_pcf_commit_or_roll_back_together(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        demo.load(session)
        footprints.calculate(session, part_number=BOUGHT)
        path = _package(session, tmp_path / "kempen.aasx")
        session.commit()
        before = _counts(session)
        aas.import_aasx(session, path=path)
        assert _counts(session) == (before[0] + 1, before[1] + 1)
        session.rollback()
    with Session(engine) as session:
        assert _counts(session) == before
        aas.import_aasx(session, path=path)
        session.commit()
    with Session(engine) as session:
        assert _counts(session) == (before[0] + 1, before[1] + 1)


def test_list_nameplates_of_an_unknown_part_is_a_404(oem: Session) -> None:
    with pytest.raises(Problem) as caught:
        aas.list_nameplates(oem, part_number="NO-SUCH-PART")
    assert caught.value.status == 404 and "NO-SUCH-PART" in str(caught.value)
    assert aas.list_nameplates(oem, part_number=BOUGHT) == []


# --- API, page, command -------------------------------------------------------------------------


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Path:
    """Return a supplier package of the coil, with the demo loaded and committed."""
    with Session(engine) as session:
        demo.load(session)
        footprints.calculate(session, part_number=BOUGHT)
        path = _package(session, tmp_path / "kempen-lc3.aasx")
        session.commit()
    return path


def test_an_upload_shows_in_the_api_as_the_nameplate_of_the_part(
    anonymous_client: TestClient, engine: Engine, loaded: Path
) -> None:
    editor = {"Authorization": f"Bearer {make_user(engine, 'editor', username='ed-nameplates')}"}
    viewer = {"Authorization": f"Bearer {make_user(engine, 'viewer')}"}
    assert anonymous_client.get(f"/api/parts/{BOUGHT}/nameplates", headers=viewer).json() == []
    answer = anonymous_client.post(
        "/api/passport-aasx", files={"file": (loaded.name, loaded.read_bytes(), AASX_TYPE)}, headers=editor
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["nameplate_replaced"] is False and body["nameplate"]["SerialNumber"] == "KM-000123"
    assert body["nameplate"]["AddressInformation/CityTown"] == "Veldhoven"
    listed = anonymous_client.get(f"/api/parts/{BOUGHT}/nameplates", headers=viewer)
    assert listed.status_code == 200
    (plate,) = listed.json()
    assert plate["id"] == body["nameplate_id"] and plate["part_number"] == BOUGHT
    assert plate["organization"] == "KEMPEN-MECH" and plate["manufacturer_name"] == SUPPLIER_NAME
    assert plate["order_code_of_manufacturer"] == "KM LC3-250/A"
    assert plate["date_of_manufacture"] == "2026-03-14" and plate["firmware_version"] == "4.1.0"
    assert plate["zipcode"] == "5503 LN" and plate["source_file"] == loaded.name
    assert plate["imported_by"] == "ed-nameplates" and plate["template"] == aas.NAMEPLATE_3_SUBMODEL
    again = anonymous_client.post(
        "/api/passport-aasx", files={"file": (loaded.name, loaded.read_bytes(), AASX_TYPE)}, headers=editor
    )
    assert again.json()["nameplate_replaced"] is True
    assert len(anonymous_client.get(f"/api/parts/{BOUGHT}/nameplates", headers=viewer).json()) == 1
    missing = anonymous_client.get("/api/parts/NO-SUCH-PART/nameplates", headers=viewer)
    assert missing.status_code == 404 and "NO-SUCH-PART" in missing.json()["detail"]
    assert anonymous_client.get(f"/api/parts/{BOUGHT}/nameplates").status_code == 401


def test_the_part_page_shows_the_supplier_nameplate_in_english_and_dutch(
    anonymous_client: TestClient, engine: Engine, loaded: Path
) -> None:
    viewer = {"Authorization": f"Bearer {make_user(engine, 'viewer')}"}
    with Session(engine) as session:
        aas.import_aasx(session, path=loaded, imported_by="ada")
        part_id = session.scalar(select(Part.id).where(Part.part_number == BOUGHT))
        empty_id = session.scalar(select(Part.id).where(Part.part_number == "WS-1000"))
        session.commit()
    page = anonymous_client.get(f"/parts/{BOUGHT}", headers=viewer)
    assert page.status_code == 200
    assert "Supplier nameplate" in page.text and f'hx-get="/nameplates/{part_id}"' in page.text
    fragment = anonymous_client.get(f"/nameplates/{part_id}", headers=viewer)
    assert fragment.status_code == 200
    text = fragment.text
    assert 'href="/organizations/KEMPEN-MECH"' in text and SUPPLIER_NAME in text
    for shown in (
        "Linear motor coil LC-3, 250 mm",
        "KM-000123",
        "2026-03-14",
        "4.1.0",
        "B.2",
        "kempen-lc3.aasx",
    ):
        assert shown in text
    assert "De Run 4321, 5503 LN Veldhoven, Noord-Brabant, NL" in text and "ada" in text
    dutch = {**viewer, "Accept-Language": "nl"}
    assert "Typeplaatje van de leverancier" in anonymous_client.get(f"/parts/{BOUGHT}", headers=dutch).text
    assert "Land van herkomst" in anonymous_client.get(f"/nameplates/{part_id}", headers=dutch).text
    none = anonymous_client.get(f"/nameplates/{empty_id}", headers=viewer)
    assert "No supplier nameplate yet" in none.text and 'data-testid="nameplate"' not in none.text
    assert anonymous_client.get("/nameplates/999999", headers=viewer).status_code == 404


def test_the_pcf_of_the_same_package_names_the_file_the_nameplate_came_from(
    oem: Session, tmp_path: Path
) -> None:
    report = aas.import_aasx(oem, path=_package(oem, tmp_path / "kempen.aasx"))
    pcf = oem.get(SupplierPcf, report.supplier_pcf_id)
    plate = oem.get(SupplierNameplate, report.nameplate_id)
    assert pcf is not None and plate is not None and pcf.source is not None
    assert f"AASX kempen.aasx sha256:{plate.source_sha256[:16]}" in pcf.source
