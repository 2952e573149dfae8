"""A passport as an Asset Administration Shell: the AAS JSON environment and the AASX package.

The shell (metamodel v3.0, basyx-python-sdk) is written from the passport exactly as a reader of
one tier downloads it (``keten.passports.service``), never from the catalog: every field comes
from that already filtered view, so the AAS shows what the JSON, the JSON-LD and the page show at
the same tier and nothing else. The submodels follow the IDTA templates published in
admin-shell-io/submodel-templates (data/aas/SOURCES.md names each file read):

- Digital Nameplate, IDTA 02006-2-0: identification, economic operator and facility
- Carbon Footprint, IDTA 02023-1-0: the passport's footprint by life-cycle stage
- Hierarchical Structures enabling Bills of Material, IDTA 02011-1-1: the as-built parts of a
  batch or item (one level down), for the tiers that see them
- Handover Documentation, IDTA 02004-1-2: the signed passport download of the tier, as a file
- Digital Product Passport metadata, IDTA 02099-1 1.0
- the fields ESPR and the Battery Regulation ask for: the nameplate's markings, the battery
  passport's additions to the footprint, and a RegulatoryInformation submodel
  (``keten.passports.aas_regulatory``)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from basyx.aas import model
from basyx.aas.adapter import aasx
from pyecma376_2.core_properties import OPCCoreProperties
from sqlalchemy.orm import Session

from keten.passports import aas_handover, aas_regulatory, service
from keten.passports.aas import (
    ARTICLE_NUMBER,
    CALCULATION_METHODS,
    CARBON_FOOTPRINT_SUBMODEL,
    CF,
    CONTACT_INFORMATION,
    COUNTRY_OF_ORIGIN,
    DPP,
    DPP_METADATA_SUBMODEL,
    HS,
    HSEBOM_SUBMODEL,
    MANUFACTURER_NAME,
    NAMEPLATE_SUBMODEL,
    ORDER_CODE,
    PHASES,
    PIECE,
    PRODUCT_DESIGNATION,
    PRODUCT_FAMILY,
    PRODUCT_TYPE,
    SERIAL_NUMBER,
    URI_OF_THE_PRODUCT,
    YEAR_OF_CONSTRUCTION,
    Store,
)
from keten.passports.aas_elements import id_short_of, mlp, prop, ref
from keten.problems import Problem

__all__ = [
    "DIGITAL_LINK_BASE",
    "AasxExport",
    "Child",
    "Footprint",
    "ProductContent",
    "build_environment",
    "content_of",
    "export_aasx",
    "global_asset_id",
    "id_short_of",
    "nameplate_submodel",
    "product_content",
    "write_aasx",
]

DIGITAL_LINK_BASE = "https://id.keten.example"
"""Base of the Digital Link of a product not yet issued a passport, when no resolver is named."""


@dataclass(frozen=True)
class Child:
    """One as-built line of a batch or item: a part built into it."""

    part_number: str
    name: str
    quantity: float
    serial: str | None = None


@dataclass(frozen=True)
class Footprint:
    """The passport's carbon footprint per piece, by life-cycle stage (kg CO2e)."""

    by_stage: dict[str, float]
    computed_at: datetime
    standard: str | None = None
    performance_class: str | None = None
    study_url: str | None = None


@dataclass(frozen=True)
class ProductContent:
    """Everything the AAS of one passport says, taken from the passport as one tier sees it.

    A field the tier does not see is None (or empty) here, so no submodel can show it.
    """

    part_number: str
    name: str
    description: str | None
    category: str | None
    serial: str | None
    gtin: str | None
    asset_id: str
    granularity: str
    year_of_construction: int
    manufacturer_name: str
    manufacturer_website: str | None
    economic_operator_id: str
    facility_id: str | None
    facility_city: str | None
    facility_country: str | None
    facility_address: str | None
    as_built: tuple[Child, ...] | None
    """None when the tier does not see the as-built parts (or the passport has none)."""
    footprint: Footprint | None
    passport_id: str | None
    revision: int | None
    signed: bytes | None
    """The passport download of the tier with its proofs, as JSON; None for a product not yet issued."""
    tier: str
    regulatory: aas_regulatory.Regulatory | None = None
    """The fields ESPR and the Battery Regulation ask for, as the tier reads them."""


def global_asset_id(
    part_number: str, *, serial: str | None = None, gtin: str | None = None, base: str = DIGITAL_LINK_BASE
) -> str:
    """Return the asset's id: a GS1 Digital Link URI when a GTIN is known, else a URN of the part number."""
    if gtin:
        uri = f"{base.rstrip('/')}/01/{quote(gtin, safe='')}"
        return f"{uri}/21/{quote(serial, safe='')}" if serial else uri
    urn = f"urn:keten:part:{quote(part_number, safe='')}"
    return f"{urn}:serial:{quote(serial, safe='')}" if serial else urn


def _operator_id(party: dict[str, Any]) -> str:
    if party.get("lei"):
        return f"lei:{party['lei']}"
    if party.get("gln"):
        return f"gln:{party['gln']}"
    if party.get("chamberOfCommerceNumber"):
        return f"kvk:{party['chamberOfCommerceNumber']}"
    return f"urn:keten:operator:{quote(str(party['name']), safe='')}"


def _facility_id(facility: dict[str, Any]) -> str | None:
    if facility.get("gln"):
        return f"gln:{facility['gln']}"
    if facility.get("name"):
        return f"urn:keten:facility:{quote(str(facility['name']), safe='')}"
    return None


def _year(ident: dict[str, Any]) -> int:
    produced = ident.get("productionDate")
    return date.fromisoformat(produced).year if produced else datetime.now(UTC).year


def content_of(
    passport: dict[str, Any],
    *,
    tier: str,
    signed: dict[str, Any] | None = None,
    base: str = DIGITAL_LINK_BASE,
) -> ProductContent:
    """Return the AAS content of a passport view (``passport`` of a download, camelCase JSON).

    ``signed`` is the download itself, which the package carries as a file.
    """
    ident = passport["identification"]
    party = passport.get("economicOperator")
    if not party:
        raise Problem(
            422,
            "Unprocessable Content",
            "the passport names no economic operator (no organization has the role 'own'); "
            "the nameplate names the manufacturer, so add it",
        )
    facility = passport.get("facility") or {}
    footprint = passport.get("carbonFootprint")
    as_built = passport.get("asBuilt")
    serial = ident.get("serialNumber")
    asset = ident.get("globalAssetId") or global_asset_id(
        ident["partNumber"], serial=serial, gtin=ident.get("gtin"), base=base
    )
    return ProductContent(
        part_number=ident["partNumber"],
        name=ident["productName"],
        description=ident.get("description"),
        category=ident.get("productCategory"),
        serial=serial,
        gtin=ident.get("gtin"),
        asset_id=asset,
        granularity=str(ident.get("granularity") or "model"),
        year_of_construction=_year(ident),
        manufacturer_name=party["name"],
        manufacturer_website=party.get("website"),
        economic_operator_id=party.get("operatorId") or _operator_id(party),
        facility_id=facility.get("facilityId") or _facility_id(facility),
        facility_city=facility.get("city"),
        facility_country=facility.get("country") or party.get("country"),
        facility_address=facility.get("address"),
        as_built=tuple(
            Child(
                part_number=line["partNumber"],
                name=line["name"],
                quantity=float(line["quantity"]),
                serial=line.get("serialNumber"),
            )
            for line in as_built
        )
        if as_built
        else None,
        footprint=Footprint(
            by_stage=dict(footprint["byStage"]),
            computed_at=datetime.fromisoformat(footprint["computedAt"]),
            standard=footprint.get("standard"),
            performance_class=footprint.get("performanceClass"),
            study_url=footprint.get("studyUrl"),
        )
        if footprint
        else None,
        passport_id=signed["id"] if signed else None,
        revision=int(signed["revision"]) if signed else None,
        signed=json.dumps(signed, indent=2, ensure_ascii=False).encode("utf-8") if signed else None,
        tier=tier,
        regulatory=aas_regulatory.regulatory_of(passport),
    )


def product_content(
    session: Session,
    *,
    part_number: str,
    tier: str = "public",
    serial: str | None = None,
    gtin: str | None = None,
    base: str = DIGITAL_LINK_BASE,
) -> ProductContent:
    """Return the AAS content of a product's passport (item ``serial``, else model) at ``tier``."""
    passport, signed = service.product_view(
        session, part_number=part_number, tier=tier, resolver=base, serial=serial, gtin=gtin
    )
    return content_of(passport, tier=tier, signed=signed, base=base)


# --- building the AAS -------------------------------------------------------------------------------


def _unique(names: Iterable[str]) -> Iterator[str]:
    seen: dict[str, int] = {}
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        yield name if count == 0 else f"{name}_{count + 1}"


def _specific_ids(content: ProductContent) -> list[model.SpecificAssetId]:
    specific = [model.SpecificAssetId("manufacturerPartId", content.part_number)]
    if content.serial:
        specific.append(model.SpecificAssetId("serialNumber", content.serial))
    if content.gtin:
        specific.append(model.SpecificAssetId("gtin", content.gtin))
    return specific


def nameplate_submodel(content: ProductContent, submodel_id: str) -> model.Submodel:
    """Return the Digital Nameplate (IDTA 02006-2-0) submodel of ``content``."""
    elements: list[model.SubmodelElement] = [
        prop("URIOfTheProduct", URI_OF_THE_PRODUCT, content.asset_id),
        mlp("ManufacturerName", MANUFACTURER_NAME, content.manufacturer_name),
        mlp("ManufacturerProductDesignation", PRODUCT_DESIGNATION, content.name),
    ]
    contact: list[model.SubmodelElement] = []
    if content.facility_country:
        contact.append(mlp("NationalCode", "0173-1#02-AAO134#002", content.facility_country))
    if content.facility_city:
        contact.append(mlp("CityTown", "0173-1#02-AAO132#002", content.facility_city))
    contact.append(mlp("Company", "0173-1#02-AAW001#001", content.manufacturer_name))
    if content.facility_address:
        contact.append(mlp("Street", "0173-1#02-AAO128#002", content.facility_address))
    if content.manufacturer_website:
        contact.append(prop("AddressOfAdditionalLink", "0173-1#02-AAQ326#002", content.manufacturer_website))
    elements.append(
        model.SubmodelElementCollection(
            "ContactInformation", value=contact, semantic_id=ref(CONTACT_INFORMATION)
        )
    )
    if content.category:
        elements.append(mlp("ManufacturerProductFamily", PRODUCT_FAMILY, content.category))
    elements += [
        mlp("ManufacturerProductType", PRODUCT_TYPE, content.part_number),
        mlp("OrderCodeOfManufacturer", ORDER_CODE, content.part_number),
        mlp("ProductArticleNumberOfManufacturer", ARTICLE_NUMBER, content.part_number),
    ]
    if content.serial:
        elements.append(prop("SerialNumber", SERIAL_NUMBER, content.serial))
    elements.append(prop("YearOfConstruction", YEAR_OF_CONSTRUCTION, str(content.year_of_construction)))
    if content.facility_country:
        elements.append(prop("CountryOfOrigin", COUNTRY_OF_ORIGIN, content.facility_country))
    markings = aas_regulatory.markings(content.regulatory.labels) if content.regulatory else None
    if markings is not None:
        elements.append(markings)
    return model.Submodel(
        submodel_id,
        id_short="Nameplate",
        semantic_id=ref(NAMEPLATE_SUBMODEL),
        administration=model.AdministrativeInformation(version="2", revision="0"),
        submodel_element=elements,
    )


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _xs_decimal(value: float) -> Decimal:
    """Return ``value`` to the milligram, so it is written without an exponent, as xs:decimal requires."""
    return _decimal(value).quantize(Decimal("0.000001"))


def _carbon_footprint(run: Footprint, submodel_id: str) -> model.Submodel:
    gate = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))
    phases = [("A1-A3", gate)]
    if run.by_stage.get("use"):
        phases.append(("B6", run.by_stage["use"]))
    if run.by_stage.get("end_of_life"):
        phases.append(("C1-C4", run.by_stage["end_of_life"]))
    published = run.computed_at if run.computed_at.tzinfo else run.computed_at.replace(tzinfo=UTC)
    methods: list[tuple[str, str | None]] = list(CALCULATION_METHODS.items())
    if run.standard and not any(run.standard.startswith(name) for name, _ in methods):
        methods.append((run.standard, None))  # a standard the template's value list does not name
    items = []
    for phase, kg in phases:
        text, irdi = PHASES[phase]
        items.append(
            model.SubmodelElementCollection(
                None,
                semantic_id=ref(f"{CF}/ProductCarbonFootprint/1/0"),
                value=[
                    model.SubmodelElementList(
                        "PcfCalculationMethods",
                        model.Property,
                        value=[
                            prop(None, "0173-1#02-ABG854#003", name, value_id=irdi_)
                            for name, irdi_ in methods
                        ],
                        semantic_id=ref(f"{CF}/PcfCalculationMethods/1/0"),
                        semantic_id_list_element=ref("0173-1#02-ABG854#003"),
                        value_type_list_element=model.datatypes.String,
                    ),
                    prop("PcfCO2eq", "0173-1#02-ABG855#003", _xs_decimal(kg), model.datatypes.Decimal),
                    prop(
                        "ReferenceImpactUnitForCalculation",
                        "0173-1#02-ABG856#003",
                        PIECE[0],
                        value_id=PIECE[1],
                    ),
                    prop(
                        "QuantityOfMeasureForCalculation", "0173-1#02-ABG857#003", 1.0, model.datatypes.Double
                    ),
                    model.SubmodelElementList(
                        "LifeCyclePhases",
                        model.Property,
                        value=[prop(None, "0173-1#02-ABG858#003", text, value_id=irdi)],
                        semantic_id=ref(f"{CF}/LifeCyclePhases/1/0"),
                        semantic_id_list_element=ref("0173-1#02-ABG858#003"),
                        value_type_list_element=model.datatypes.String,
                    ),
                    prop(
                        "PublicationDate",
                        f"{CF}/PublicationDate/1/0",
                        published.astimezone(UTC).replace(microsecond=0),
                        model.datatypes.DateTime,
                    ),
                    *aas_regulatory.pcf_elements(run.performance_class, run.study_url),
                ],
            )
        )
    return model.Submodel(
        submodel_id,
        id_short="CarbonFootprint",
        semantic_id=ref(CARBON_FOOTPRINT_SUBMODEL),
        administration=model.AdministrativeInformation(
            version="1", revision="0", template_id="https://admin-shell.io/IDTA02023-1-0"
        ),
        submodel_element=[
            model.SubmodelElementList(
                "ProductCarbonFootprints",
                model.SubmodelElementCollection,
                value=items,
                semantic_id=ref(f"{CF}/ProductCarbonFootprints/1/0"),
                semantic_id_list_element=ref(f"{CF}/ProductCarbonFootprint/1/0"),
            )
        ],
    )


def _bom(content: ProductContent, lines: tuple[Child, ...], submodel_id: str) -> model.Submodel:
    """Return the as-built parts as a Hierarchical Structures submodel, one level down."""

    def node(child: Child, id_short: str) -> model.Entity:
        statements: list[model.SubmodelElement] = []
        if child.quantity.is_integer() and child.quantity >= 1:
            statements.append(
                prop("BulkCount", f"{HS}/BulkCount/1/0", int(child.quantity), model.datatypes.UnsignedLong)
            )
        specific = [model.SpecificAssetId("manufacturerPartId", child.part_number)]
        if child.serial:
            specific.append(model.SpecificAssetId("serialNumber", child.serial))
        return model.Entity(
            id_short,
            entity_type=model.EntityType.SELF_MANAGED_ENTITY,
            global_asset_id=global_asset_id(child.part_number, serial=child.serial),
            specific_asset_id=specific,
            description=model.MultiLanguageTextType({"en": child.name}),
            statement=statements,
            semantic_id=ref(f"{HS}/Node/1/0"),
        )

    names = _unique(id_short_of(c.part_number) for c in lines)
    children = [node(c, name) for c, name in zip(lines, names, strict=True)]
    entry = model.Entity(
        id_short_of(content.part_number),
        entity_type=model.EntityType.SELF_MANAGED_ENTITY,
        global_asset_id=content.asset_id,
        # basyx writes an empty specificAssetIds array when none are given, which the schema forbids.
        specific_asset_id=_specific_ids(content),
        statement=children,
        semantic_id=ref(f"{HS}/EntryNode/1/0"),
    )
    submodel = model.Submodel(
        submodel_id,
        id_short="HierarchicalStructures",
        semantic_id=ref(HSEBOM_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="1"),
        submodel_element=[entry, prop("ArcheType", f"{HS}/ArcheType/1/0", "OneDown")],
    )
    # References name the path from the submodel, so they are made once the entities sit in it.
    for child in children:
        entry.statement.add(
            model.RelationshipElement(
                f"HasPart_{child.id_short}",
                first=model.ModelReference.from_referable(entry),
                second=model.ModelReference.from_referable(child),
                semantic_id=ref(f"{HS}/HasPart/1/0"),
            )
        )
    return submodel


def _dpp_metadata(content: ProductContent, dpp_id: str, submodel_id: str, now: datetime) -> model.Submodel:
    elements: list[model.SubmodelElement] = [
        prop("digitalProductPassportId", f"{DPP}/digitalProductPassportId/1", dpp_id),
        prop("uniqueProductIdentifier", f"{DPP}/uniqueProductIdentifier/1", content.asset_id),
        prop("granularity", f"{DPP}/granularity/1", content.granularity.capitalize()),
        prop("dppSchemaVersion", f"{DPP}/dppSchemaVersion/1", "IDTA 02099-1:1.0"),
        prop("dppStatus", f"{DPP}/dppStatus/1", "Active"),
        prop("lastUpdate", f"{DPP}/lastUpdate/1", now, model.datatypes.DateTime),
        prop("economicOperatorId", f"{DPP}/economicOperatorId/1", content.economic_operator_id),
    ]
    if content.facility_id:
        elements.append(prop("facilityId", f"{DPP}/facilityId/1", content.facility_id))
    return model.Submodel(
        submodel_id,
        id_short="DppMetadata",
        semantic_id=ref(DPP_METADATA_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="0"),
        submodel_element=elements,
    )


@dataclass(frozen=True)
class AasxExport:
    """What an export wrote: the shell's and the asset's ids and the submodels by idShort."""

    aas_id: str
    global_asset_id: str
    tier: str
    submodels: tuple[str, ...]


def build_environment(
    content: ProductContent,
) -> tuple[Store, aasx.DictSupplementaryFileContainer, AasxExport]:
    """Return the shell, its submodels and embedded files of ``content``: all of it, as it is filtered."""
    key = quote(content.part_number, safe="") + (
        f":{quote(content.serial, safe='')}" if content.serial else ""
    )
    now = datetime.now(UTC).replace(microsecond=0)
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    submodels = [nameplate_submodel(content, f"urn:keten:submodel:nameplate:{key}")]
    if content.footprint is not None:
        submodels.append(_carbon_footprint(content.footprint, f"urn:keten:submodel:carbon-footprint:{key}"))
    if content.as_built:
        submodels.append(_bom(content, content.as_built, f"urn:keten:submodel:bom:{key}"))
    if content.regulatory is not None:
        regulatory = aas_regulatory.regulatory_submodel(
            content.regulatory, f"urn:keten:submodel:regulatory:{key}"
        )
        if regulatory is not None:
            submodels.append(regulatory)
    submodels.append(aas_handover.handover(content, f"urn:keten:submodel:handover:{key}", files, now))
    aas_id = f"urn:keten:aas:{key}"
    dpp_id = content.passport_id or aas_id
    submodels.append(_dpp_metadata(content, dpp_id, f"urn:keten:submodel:dpp:{key}", now))
    shell = model.AssetAdministrationShell(
        model.AssetInformation(
            asset_kind=model.AssetKind.TYPE if content.granularity == "model" else model.AssetKind.INSTANCE,
            global_asset_id=content.asset_id,
            specific_asset_id=_specific_ids(content),
        ),
        aas_id,
        id_short=id_short_of(content.part_number, prefix="AAS"),
        description=model.MultiLanguageTextType({"en": content.description or content.name}),
        submodel={model.ModelReference.from_referable(s) for s in submodels},
    )
    store: Store = model.DictIdentifiableStore([shell, *submodels])
    summary = AasxExport(
        aas_id=aas_id,
        global_asset_id=content.asset_id,
        tier=content.tier,
        submodels=tuple(str(s.id_short) for s in submodels),
    )
    return store, files, summary


def write_aasx(content: ProductContent, out: Path | BinaryIO) -> AasxExport:
    """Write ``content`` as an AASX package to ``out``; return its summary."""
    store, files, summary = build_environment(content)
    target: Any = str(out) if isinstance(out, Path) else out
    with aasx.AASXWriter(target) as writer:
        # JSON, as basyx writes XML in the metamodel 3.1 namespace, which the 3.0 checker rejects.
        writer.write_aas(summary.aas_id, store, files, write_json=True)
        properties = OPCCoreProperties()  # type: ignore[no-untyped-call]
        properties.creator = content.manufacturer_name
        properties.created = datetime.now(UTC)
        properties.title = f"{content.part_number} {content.name}"
        writer.write_core_properties(properties)
    return summary


def export_aasx(
    session: Session,
    *,
    part_number: str,
    out: Path | BinaryIO,
    serial: str | None = None,
    tier: str = "public",
    gtin: str | None = None,
    base: str = DIGITAL_LINK_BASE,
) -> AasxExport:
    """Write the product's passport (item ``serial``, else model) as a reader of ``tier`` sees it, as an
    AASX package, to ``out``; return its summary. The GTIN is the product's own unless ``gtin`` is given."""
    content = product_content(
        session, part_number=part_number, tier=tier, serial=serial, gtin=gtin, base=base
    )
    return write_aasx(content, out)
