"""Asset Administration Shell packages (AASX): a product's passport out, a supplier's nameplate and PCF in.

The export writes one AAS (metamodel v3.0, basyx-python-sdk) for a product model or a serialized
item, with five submodels built field by field after the IDTA templates published in
admin-shell-io/submodel-templates (data/aas/SOURCES.md names each file read):

- Digital Nameplate, IDTA 02006-2-0 (``published/Digital nameplate/2/0``)
- Carbon Footprint, IDTA 02023-1-0 (``published/Carbon Footprint/1/0/2``, the current 1.0 release)
- Hierarchical Structures enabling Bills of Material, IDTA 02011-1-1
  (``published/Hierarchical Structures enabling Bills of Material/1/1``)
- Handover Documentation, IDTA 02004-1-2 (``published/Handover Documentation/1/2``)
- Digital Product Passport metadata, IDTA 02099-1 1.0 (``published/Digital Product Passport/
  Digital Product Passport Part-1/1/0/2``)

Every exported field has an access tier (:data:`FIELD_TIERS`); a caller's tier leaves out every
field above it, so a public file never holds what only an authority may read.

The import reads a supplier's AASX, finds its Digital Nameplate (2.0 or 3.0) and Carbon Footprint
(1.0, or the 0.9 draft keten's footprint export still writes), matches the asset to a part of the
catalog, stores the nameplate as the part's :class:`SupplierNameplate` of that manufacturer and the
footprint as the supplier's PCF, primary data, which the footprint engine then uses in place of the
part's own estimate. A file that cannot be read or lacks what is needed is refused with a 422
problem naming the file, submodel and element, and nothing is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from basyx.aas import model
from basyx.aas.adapter import aasx
from pyecma376_2.core_properties import OPCCoreProperties
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Part
from keten.footprints import service as footprints
from keten.footprints.models import FootprintRun, SupplierPcf
from keten.partners.models import Organization, Site, Sourcing
from keten.passports.models import SupplierNameplate
from keten.problems import Problem

__all__ = [
    "DIGITAL_LINK_BASE",
    "FIELD_TIERS",
    "TIERS",
    "AasxExport",
    "AasxImport",
    "Child",
    "ProductContent",
    "build_environment",
    "content_from_catalog",
    "export_aasx",
    "global_asset_id",
    "import_aasx",
    "list_nameplates",
]

TIERS = ("public", "legitimate_interest", "authority", "owner")
"""Access tiers in increasing reach: each sees everything the ones before it see."""

FIELD_TIERS: dict[str, str] = {
    "nameplate": "public",
    "nameplate.contact": "public",
    "nameplate.serial_number": "public",
    "carbon_footprint": "public",
    "bom.direct_children": "public",
    "bom.full_tree": "legitimate_interest",
    "bom.suppliers": "authority",
    "handover.pcf_declaration": "legitimate_interest",
    "dpp_metadata": "public",
    "dpp_metadata.facility": "public",
}
"""The lowest tier that may read each exported field. Suppliers behind a part stay with authorities
(due diligence), the full structure with repairers and recyclers, the calculation record (which
factor set, which inputs) with those who have a legitimate interest in it."""

DIGITAL_LINK_BASE = "https://id.keten.example"

Store = model.DictIdentifiableStore[model.Identifiable]

# Semantic ids, exactly as the templates give them.
NAMEPLATE_SUBMODEL = "https://admin-shell.io/zvei/nameplate/2/0/Nameplate"
NAMEPLATE_3_SUBMODEL = "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
CONTACT_INFORMATION = "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/ContactInformation"
CARBON_FOOTPRINT_SUBMODEL = "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/1/0"
CARBON_FOOTPRINT_0_9_SUBMODEL = "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/0/9"
CF = "https://admin-shell.io/idta/CarbonFootprint"
HSEBOM_SUBMODEL = "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel"
HS = "https://admin-shell.io/idta/HierarchicalStructures"
HANDOVER_SUBMODEL = "0173-1#01-AHF578#001"
DPP_METADATA_SUBMODEL = "https://admin-shell.io/idta/cds/dppMetadata/1"
DPP = "https://admin-shell.io/idta/cds"

# Nameplate 2.0 properties (ECLASS IRDIs).
URI_OF_THE_PRODUCT = "0173-1#02-AAY811#001"
MANUFACTURER_NAME = "0173-1#02-AAO677#002"
PRODUCT_DESIGNATION = "0173-1#02-AAW338#001"
PRODUCT_FAMILY = "0173-1#02-AAU731#001"
PRODUCT_TYPE = "0173-1#02-AAO057#002"
ORDER_CODE = "0173-1#02-AAO227#002"
ARTICLE_NUMBER = "0173-1#02-AAO676#003"
SERIAL_NUMBER = "0173-1#02-AAM556#002"
YEAR_OF_CONSTRUCTION = "0173-1#02-AAP906#001"
COUNTRY_OF_ORIGIN = "0173-1#02-AAO259#004"
ADDRESS_INFORMATION = "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/AddressInformation"

NAMEPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "URIOfTheProduct": (URI_OF_THE_PRODUCT, "0112/2///61987#ABN590#002"),
    "ManufacturerName": (MANUFACTURER_NAME, "0112/2///61987#ABA565#009"),
    "ManufacturerProductDesignation": (PRODUCT_DESIGNATION, "0112/2///61987#ABA567#009"),
    "ManufacturerProductFamily": (PRODUCT_FAMILY, "0112/2///61987#ABP464#002"),
    "ManufacturerProductType": (PRODUCT_TYPE, "0112/2///61987#ABA300#008"),
    "OrderCodeOfManufacturer": (ORDER_CODE, "0112/2///61987#ABA950#008"),
    "ProductArticleNumberOfManufacturer": (ARTICLE_NUMBER, "0112/2///61987#ABA581#007"),
    "SerialNumber": (SERIAL_NUMBER, "0112/2///61987#ABA951#009"),
    "YearOfConstruction": (YEAR_OF_CONSTRUCTION, "0112/2///61987#ABP000#002"),
    "DateOfManufacture": ("0173-1#02-AAR972#002", "0112/2///61987#ABB757#007"),
    "HardwareVersion": ("0173-1#02-AAN270#002", "0112/2///61987#ABA926#008"),
    "FirmwareVersion": ("0173-1#02-AAM985#002", "0112/2///61987#ABA302#006"),
    "CountryOfOrigin": (COUNTRY_OF_ORIGIN, "0112/2///61987#ABP462#001"),
}
"""The nameplate properties the import reads: idShort -> semantic ids of the 2.0 template (ECLASS)
and of the 3.0 template (IEC CDD, with the ECLASS id as a supplemental one)."""
ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "Company": ("0173-1#02-AAW001#001",),
    "Street": ("0173-1#02-AAO128#002",),
    "Zipcode": ("0173-1#02-AAO129#002",),
    "CityTown": ("0173-1#02-AAO132#002",),
    "StateCounty": ("0173-1#02-AAO133#002",),
    "NationalCode": ("0173-1#02-AAO134#002",),
}
"""The contact address properties the import reads (IDTA 02002 drop-in, in both nameplate versions)."""

# Carbon Footprint 1.0 value lists (concept descriptions of the template).
CALCULATION_METHODS = {"ISO 14067": "0173-1#07-ABU218#003", "GHG Protocol": "0173-1#07-ABU221#003"}
PIECE = ("piece", "0173-1#07-ABZ603#003")
PHASES = {
    "A1-A3": ("A1-A3", "0173-1#07-ABZ789#003"),
    "B6": ("B6 - usage energy consumption", "0173-1#07-ABV500#003"),
    "C1-C4": ("C1-C4", "0173-1#07-ACC015#001"),
}
_PHASE_IDS_BEFORE_GATE = {
    "0173-1#07-ABZ789#003",
    "0173-1#07-ABU208#003",
    "0173-1#07-ABU209#003",
    "0173-1#07-ABU210#003",
}
_UNIT_IDS = {
    "0173-1#07-ABZ596#003": "g",
    "0173-1#07-ABZ597#003": "kg",
    "0173-1#07-ABZ598#003": "t",
    "0173-1#07-ABZ603#003": "piece",
}

VDI2770_CERTIFICATES = ("02-04", "Certificates, declarations")


def _tier_rank(tier: str) -> int:
    try:
        return TIERS.index(tier)
    except ValueError:
        raise Problem(
            422, "Unprocessable Content", f"unknown access tier {tier!r}; one of {', '.join(TIERS)}"
        ) from None


def _may(tier: str, field_name: str) -> bool:
    return _tier_rank(tier) >= TIERS.index(FIELD_TIERS[field_name])


# --- content: what a passport says about a product ------------------------------------------------


@dataclass(frozen=True)
class Child:
    """One BOM line below a node of the product's structure."""

    part_number: str
    name: str
    quantity: float
    unit: str
    suppliers: tuple[str, ...]
    children: tuple[Child, ...] = ()


@dataclass(frozen=True)
class ProductContent:
    """Everything the AASX export says about one product model or serialized item.

    Built from the catalog, partners and footprints by :func:`content_from_catalog`; a passport
    service can build the same from a passport revision instead.
    """

    part_number: str
    name: str
    description: str | None
    category: str | None
    serial: str | None
    gtin: str | None
    year_of_construction: int
    manufacturer_code: str
    manufacturer_name: str
    manufacturer_country: str | None
    manufacturer_website: str | None
    economic_operator_id: str
    facility_id: str | None
    facility_city: str | None
    facility_country: str | None
    facility_address: str | None
    children: tuple[Child, ...]
    footprint: FootprintRun | None
    pcf_declaration: bytes | None
    """A PACT v2 ProductFootprint of the stored footprint, as JSON, when the part has a mass."""


def global_asset_id(
    part_number: str, *, serial: str | None = None, gtin: str | None = None, base: str = DIGITAL_LINK_BASE
) -> str:
    """Return the asset's id: a GS1 Digital Link URI when a GTIN is known, else a URN of the part number."""
    if gtin:
        uri = f"{base.rstrip('/')}/01/{quote(gtin, safe='')}"
        return f"{uri}/21/{quote(serial, safe='')}" if serial else uri
    urn = f"urn:keten:part:{quote(part_number, safe='')}"
    return f"{urn}:serial:{quote(serial, safe='')}" if serial else urn


def _own_organization(session: Session) -> Organization:
    own = session.scalars(
        select(Organization).where(Organization.role == "own").order_by(Organization.id)
    ).first()
    if own is None:
        raise Problem(
            422,
            "Unprocessable Content",
            "no organization has the role 'own'; the nameplate names the manufacturer, so add it",
        )
    return own


def _own_site(session: Session, own: Organization, part: Part) -> Site | None:
    sourced = session.scalars(
        select(Site)
        .join(Sourcing, Sourcing.site_id == Site.id)
        .where(Sourcing.part_id == part.id, Site.organization_id == own.id)
        .order_by(Sourcing.share.desc(), Site.code)
    ).first()
    if sourced is not None:
        return sourced
    return session.scalars(select(Site).where(Site.organization_id == own.id).order_by(Site.code)).first()


def _operator_id(org: Organization) -> str:
    if org.lei:
        return f"lei:{org.lei}"
    if org.gln:
        return f"gln:{org.gln}"
    if org.kvk:
        return f"kvk:{org.kvk}"
    return f"keten:{org.code}"


def _structure(session: Session, root_id: int) -> tuple[Child, ...]:
    """Return the BOM below ``root_id`` as a tree of :class:`Child`, shared subtrees built once."""
    edges: dict[int, list[tuple[int, float, str]]] = {}
    for parent_id, child_id, quantity, position in session.execute(
        select(BomLine.parent_id, BomLine.child_id, BomLine.quantity, BomLine.position)
    ):
        edges.setdefault(parent_id, []).append((child_id, float(quantity), position or ""))
    below: set[int] = set()
    stack = [root_id]
    while stack:
        for child_id, _, _ in edges.get(stack.pop(), []):
            if child_id not in below:
                below.add(child_id)
                stack.append(child_id)
    if not below:
        return ()
    # Whole-table reads filtered here, as a product's tree can hold more parts than one IN list may bind.
    parts = {
        row[0]: row[1:]
        for row in session.execute(select(Part.id, Part.part_number, Part.name, Part.unit))
        if row[0] in below
    }
    suppliers: dict[int, list[str]] = {}
    for part_id, name in session.execute(
        select(Sourcing.part_id, Organization.name)
        .join(Site, Site.id == Sourcing.site_id)
        .join(Organization, Organization.id == Site.organization_id)
        .where(Organization.role != "own")
        .order_by(Sourcing.part_id, Sourcing.share.desc(), Organization.name)
    ):
        if part_id in below:
            names = suppliers.setdefault(part_id, [])
            if name not in names:
                names.append(name)
    built: dict[int, tuple[Child, ...]] = {}

    def children_of(part_id: int) -> tuple[Child, ...]:
        if part_id not in built:
            lines = sorted(edges.get(part_id, []), key=lambda e: (e[2], parts[e[0]][0]))
            built[part_id] = tuple(
                Child(
                    part_number=parts[c][0],
                    name=parts[c][1],
                    unit=parts[c][2],
                    quantity=q,
                    suppliers=tuple(suppliers.get(c, ())),
                    children=children_of(c),
                )
                for c, q, _ in lines
            )
        return built[part_id]

    return children_of(root_id)


def content_from_catalog(
    session: Session,
    *,
    part_number: str,
    serial: str | None = None,
    gtin: str | None = None,
    year_of_construction: int | None = None,
) -> ProductContent:
    """Return what the catalog, partners and the latest stored footprint say about a product."""
    part = session.scalars(select(Part).where(Part.part_number == part_number)).one_or_none()
    if part is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    own = _own_organization(session)
    site = _own_site(session, own, part)
    try:
        run: FootprintRun | None = footprints.latest(session, part_number=part_number)
    except Problem:
        run = None
    declaration = None
    if run is not None and part.mass_kg:
        pact = footprints.pact_footprint(
            session, part_number=part_number, company_name=own.name, company_id=_operator_id(own)
        )
        declaration = json.dumps(pact, indent=2, sort_keys=True).encode()
    return ProductContent(
        part_number=part.part_number,
        name=part.name,
        description=part.description,
        category=part.category,
        serial=serial,
        gtin=gtin,
        year_of_construction=year_of_construction or datetime.now(UTC).year,
        manufacturer_code=own.code,
        manufacturer_name=own.name,
        manufacturer_country=own.country,
        manufacturer_website=own.website,
        economic_operator_id=_operator_id(own),
        facility_id=(f"gln:{site.gln}" if site.gln else f"keten:{site.code}") if site else None,
        facility_city=site.city if site else None,
        facility_country=site.country if site else own.country,
        facility_address=site.address if site else None,
        children=_structure(session, part.id),
        footprint=run,
        pcf_declaration=declaration,
    )


# --- building the AAS -------------------------------------------------------------------------------


def _ref(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def _prop(
    id_short: str | None,
    semantic: str,
    value: Any,
    value_type: type = model.datatypes.String,
    value_id: str | None = None,
) -> model.Property:
    return model.Property(
        id_short,
        value_type=value_type,
        value=value,
        semantic_id=_ref(semantic),
        value_id=_ref(value_id) if value_id else None,
    )


def _mlp(id_short: str, semantic: str, text: str, language: str = "en") -> model.MultiLanguageProperty:
    return model.MultiLanguageProperty(
        id_short, value=model.MultiLanguageTextType({language: text}), semantic_id=_ref(semantic)
    )


def _id_short(text: str, prefix: str = "N") -> str:
    """Return an idShort (metamodel 3.0: a letter, then letters, digits and underscores) for ``text``."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return cleaned if cleaned[:1].isalpha() else f"{prefix}_{cleaned}"


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


def _nameplate(content: ProductContent, asset_id: str, submodel_id: str, tier: str) -> model.Submodel:
    elements: list[model.SubmodelElement] = [
        _prop("URIOfTheProduct", URI_OF_THE_PRODUCT, asset_id),
        _mlp("ManufacturerName", MANUFACTURER_NAME, content.manufacturer_name),
        _mlp("ManufacturerProductDesignation", PRODUCT_DESIGNATION, content.name),
    ]
    if _may(tier, "nameplate.contact"):
        contact: list[model.SubmodelElement] = []
        if content.facility_country:
            contact.append(_mlp("NationalCode", "0173-1#02-AAO134#002", content.facility_country))
        if content.facility_city:
            contact.append(_mlp("CityTown", "0173-1#02-AAO132#002", content.facility_city))
        contact.append(_mlp("Company", "0173-1#02-AAW001#001", content.manufacturer_name))
        if content.facility_address:
            contact.append(_mlp("Street", "0173-1#02-AAO128#002", content.facility_address))
        if content.manufacturer_website:
            contact.append(
                _prop("AddressOfAdditionalLink", "0173-1#02-AAQ326#002", content.manufacturer_website)
            )
        elements.append(
            model.SubmodelElementCollection(
                "ContactInformation", value=contact, semantic_id=_ref(CONTACT_INFORMATION)
            )
        )
    if content.category:
        elements.append(_mlp("ManufacturerProductFamily", PRODUCT_FAMILY, content.category))
    elements += [
        _mlp("ManufacturerProductType", PRODUCT_TYPE, content.part_number),
        _mlp("OrderCodeOfManufacturer", ORDER_CODE, content.part_number),
        _mlp("ProductArticleNumberOfManufacturer", ARTICLE_NUMBER, content.part_number),
    ]
    if content.serial and _may(tier, "nameplate.serial_number"):
        elements.append(_prop("SerialNumber", SERIAL_NUMBER, content.serial))
    elements.append(_prop("YearOfConstruction", YEAR_OF_CONSTRUCTION, str(content.year_of_construction)))
    if content.facility_country:
        elements.append(_prop("CountryOfOrigin", COUNTRY_OF_ORIGIN, content.facility_country))
    return model.Submodel(
        submodel_id,
        id_short="Nameplate",
        semantic_id=_ref(NAMEPLATE_SUBMODEL),
        administration=model.AdministrativeInformation(version="2", revision="0"),
        submodel_element=elements,
    )


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _xs_decimal(value: float) -> Decimal:
    """Return ``value`` to the milligram, so it is written without an exponent, as xs:decimal requires."""
    return _decimal(value).quantize(Decimal("0.000001"))


def _carbon_footprint(run: FootprintRun, submodel_id: str) -> model.Submodel:
    gate = sum(v for k, v in run.by_stage.items() if k not in ("use", "end_of_life"))
    phases = [("A1-A3", gate)]
    if run.by_stage.get("use"):
        phases.append(("B6", run.by_stage["use"]))
    if run.by_stage.get("end_of_life"):
        phases.append(("C1-C4", run.by_stage["end_of_life"]))
    published = run.computed_at if run.computed_at.tzinfo else run.computed_at.replace(tzinfo=UTC)
    items = []
    for phase, kg in phases:
        text, irdi = PHASES[phase]
        items.append(
            model.SubmodelElementCollection(
                None,
                semantic_id=_ref(f"{CF}/ProductCarbonFootprint/1/0"),
                value=[
                    model.SubmodelElementList(
                        "PcfCalculationMethods",
                        model.Property,
                        value=[
                            _prop(None, "0173-1#02-ABG854#003", name, value_id=irdi_)
                            for name, irdi_ in CALCULATION_METHODS.items()
                        ],
                        semantic_id=_ref(f"{CF}/PcfCalculationMethods/1/0"),
                        semantic_id_list_element=_ref("0173-1#02-ABG854#003"),
                        value_type_list_element=model.datatypes.String,
                    ),
                    _prop("PcfCO2eq", "0173-1#02-ABG855#003", _xs_decimal(kg), model.datatypes.Decimal),
                    _prop(
                        "ReferenceImpactUnitForCalculation",
                        "0173-1#02-ABG856#003",
                        PIECE[0],
                        value_id=PIECE[1],
                    ),
                    _prop(
                        "QuantityOfMeasureForCalculation", "0173-1#02-ABG857#003", 1.0, model.datatypes.Double
                    ),
                    model.SubmodelElementList(
                        "LifeCyclePhases",
                        model.Property,
                        value=[_prop(None, "0173-1#02-ABG858#003", text, value_id=irdi)],
                        semantic_id=_ref(f"{CF}/LifeCyclePhases/1/0"),
                        semantic_id_list_element=_ref("0173-1#02-ABG858#003"),
                        value_type_list_element=model.datatypes.String,
                    ),
                    _prop(
                        "PublicationDate",
                        f"{CF}/PublicationDate/1/0",
                        published.astimezone(UTC).replace(microsecond=0),
                        model.datatypes.DateTime,
                    ),
                ],
            )
        )
    return model.Submodel(
        submodel_id,
        id_short="CarbonFootprint",
        semantic_id=_ref(CARBON_FOOTPRINT_SUBMODEL),
        administration=model.AdministrativeInformation(
            version="1", revision="0", template_id="https://admin-shell.io/IDTA02023-1-0"
        ),
        submodel_element=[
            model.SubmodelElementList(
                "ProductCarbonFootprints",
                model.SubmodelElementCollection,
                value=items,
                semantic_id=_ref(f"{CF}/ProductCarbonFootprints/1/0"),
                semantic_id_list_element=_ref(f"{CF}/ProductCarbonFootprint/1/0"),
            )
        ],
    )


MAX_TREE_NODES = 50_000
"""A full structure repeats shared subassemblies at every place they are used; past this many nodes
the package would be too large to be of use, and the export says so instead of writing it."""


def _tree_size(children: Sequence[Child], seen: dict[int, int]) -> int:
    total = 0
    for child in children:
        key = id(child.children)
        if key not in seen:
            seen[key] = _tree_size(child.children, seen)
        total += 1 + seen[key]
    return total


def _bom(content: ProductContent, asset_id: str, submodel_id: str, tier: str) -> model.Submodel:
    full = _may(tier, "bom.full_tree")
    if full and (size := _tree_size(content.children, {})) > MAX_TREE_NODES:
        raise Problem(
            422,
            "Unprocessable Content",
            f"the full structure of '{content.part_number}' has {size} nodes, more than the "
            f"{MAX_TREE_NODES} an AASX export writes; export it at the public tier (one level down)",
        )
    with_suppliers = _may(tier, "bom.suppliers")

    def node(child: Child, id_short: str, depth: int) -> model.Entity:
        statements: list[model.SubmodelElement] = []
        if child.quantity.is_integer() and child.quantity >= 1:
            statements.append(
                _prop("BulkCount", f"{HS}/BulkCount/1/0", int(child.quantity), model.datatypes.UnsignedLong)
            )
        if full:
            statements += nodes(child.children, depth + 1)
        supplier_ids = [model.SpecificAssetId("manufacturerName", name) for name in child.suppliers]
        return model.Entity(
            id_short,
            entity_type=model.EntityType.SELF_MANAGED_ENTITY,
            global_asset_id=global_asset_id(child.part_number),
            specific_asset_id=[
                model.SpecificAssetId("manufacturerPartId", child.part_number),
                *(supplier_ids if with_suppliers else []),
            ],
            description=model.MultiLanguageTextType({"en": child.name}),
            statement=statements,
            semantic_id=_ref(f"{HS}/Node/1/0"),
        )

    def nodes(children: Sequence[Child], depth: int) -> list[model.SubmodelElement]:
        names = _unique(_id_short(c.part_number) for c in children)
        return [node(c, name, depth) for c, name in zip(children, names, strict=True)]

    entry = model.Entity(
        _id_short(content.part_number),
        entity_type=model.EntityType.SELF_MANAGED_ENTITY,
        global_asset_id=asset_id,
        # basyx writes an empty specificAssetIds array when none are given, which the schema forbids.
        specific_asset_id=_specific_ids(content),
        statement=nodes(content.children, 1),
        semantic_id=_ref(f"{HS}/EntryNode/1/0"),
    )
    submodel = model.Submodel(
        submodel_id,
        id_short="HierarchicalStructures",
        semantic_id=_ref(HSEBOM_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="1"),
        submodel_element=[
            entry,
            _prop("ArcheType", f"{HS}/ArcheType/1/0", "Full" if full else "OneDown"),
        ],
    )

    def relate(parent: model.Entity) -> None:
        children = [s for s in parent.statement if isinstance(s, model.Entity)]
        for child in children:
            parent.statement.add(
                model.RelationshipElement(
                    f"HasPart_{child.id_short}",
                    first=model.ModelReference.from_referable(parent),
                    second=model.ModelReference.from_referable(child),
                    semantic_id=_ref(f"{HS}/HasPart/1/0"),
                )
            )
            relate(child)

    relate(entry)
    return submodel


def _handover(
    content: ProductContent, submodel_id: str, tier: str, files: aasx.DictSupplementaryFileContainer
) -> model.Submodel:
    documents: list[model.SubmodelElement] = []
    run = content.footprint
    if content.pcf_declaration is not None and run is not None and _may(tier, "handover.pcf_declaration"):
        name = files.add_file(
            f"/aasx/files/pcf-{_id_short(content.part_number).lower()}.json",
            io.BytesIO(content.pcf_declaration),
            "application/json",
        )
        title = f"Product carbon footprint of {content.part_number} (PACT v2)"
        documents.append(
            model.SubmodelElementCollection(
                "Document01",
                semantic_id=_ref("0173-1#02-ABI500#001/0173-1#01-AHF579#001*01"),
                value=[
                    model.SubmodelElementCollection(
                        "DocumentId",
                        semantic_id=_ref("0173-1#02-ABI501#001/0173-1#01-AHF580#001*01"),
                        value=[
                            _prop("DocumentDomainId", "0173-1#02-ABH994#001", content.manufacturer_code),
                            _prop("ValueId", "0173-1#02-AAO099#002", f"PCF-{content.part_number}-{run.id}"),
                            _prop("IsPrimary", "0173-1#02-ABH995#001", True, model.datatypes.Boolean),
                        ],
                    ),
                    model.SubmodelElementCollection(
                        "DocumentClassification",
                        semantic_id=_ref("0173-1#02-ABI502#001/0173-1#01-AHF581#001*01"),
                        value=[
                            _prop("ClassId", "0173-1#02-ABH996#001", VDI2770_CERTIFICATES[0]),
                            _mlp("ClassName", "0173-1#02-AAO102#003", VDI2770_CERTIFICATES[1]),
                            _prop("ClassificationSystem", "0173-1#02-ABH997#001", "VDI2770:2018"),
                        ],
                    ),
                    model.SubmodelElementCollection(
                        "DocumentVersion01",
                        semantic_id=_ref("0173-1#02-ABI503#001/0173-1#01-AHF582#001*01"),
                        value=[
                            _prop("Language01", "0173-1#02-AAN468#006", "en"),
                            _prop("DocumentVersionId", "0173-1#02-AAO100#002", str(run.id)),
                            _mlp("Title", "0173-1#02-AAO105#002", title),
                            _mlp(
                                "Summary",
                                "0173-1#02-AAO106#002",
                                "Cradle-to-gate carbon footprint declared per kilogram, with the factor set "
                                "and input revisions it was computed from",
                            ),
                            _mlp("KeyWords", "0173-1#02-ABH999#001", "PCF, PACT, ISO 14067"),
                            _prop("StatusSetDate", "0173-1#02-ABI000#001", run.at, model.datatypes.Date),
                            _prop("StatusValue", "0173-1#02-ABI001#001", "Released"),
                            _prop("OrganizationName", "0173-1#02-ABI002#001", content.manufacturer_code),
                            _prop(
                                "OrganizationOfficialName", "0173-1#02-ABI004#001", content.manufacturer_name
                            ),
                            model.File(
                                "DigitalFile01",
                                content_type="application/json",
                                value=name,
                                semantic_id=_ref("0173-1#02-ABI504#001/0173-1#01-AHF583#001"),
                            ),
                        ],
                    ),
                ],
            )
        )
    return model.Submodel(
        submodel_id,
        id_short="HandoverDocumentation",
        semantic_id=_ref(HANDOVER_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="2"),
        submodel_element=[
            _prop("numberOfDocuments", "0173-1#02-ABH990#001", len(documents), model.datatypes.Integer),
            *documents,
        ],
    )


def _dpp_metadata(
    content: ProductContent, asset_id: str, dpp_id: str, submodel_id: str, tier: str, now: datetime
) -> model.Submodel:
    elements: list[model.SubmodelElement] = [
        _prop("digitalProductPassportId", f"{DPP}/digitalProductPassportId/1", dpp_id),
        _prop("uniqueProductIdentifier", f"{DPP}/uniqueProductIdentifier/1", asset_id),
        _prop("granularity", f"{DPP}/granularity/1", "Item" if content.serial else "Model"),
        _prop("dppSchemaVersion", f"{DPP}/dppSchemaVersion/1", "IDTA 02099-1:1.0"),
        _prop("dppStatus", f"{DPP}/dppStatus/1", "Active"),
        _prop("lastUpdate", f"{DPP}/lastUpdate/1", now, model.datatypes.DateTime),
        _prop("economicOperatorId", f"{DPP}/economicOperatorId/1", content.economic_operator_id),
    ]
    if content.facility_id and _may(tier, "dpp_metadata.facility"):
        elements.append(_prop("facilityId", f"{DPP}/facilityId/1", content.facility_id))
    return model.Submodel(
        submodel_id,
        id_short="DppMetadata",
        semantic_id=_ref(DPP_METADATA_SUBMODEL),
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
    content: ProductContent, *, tier: str = "public", base: str = DIGITAL_LINK_BASE
) -> tuple[Store, aasx.DictSupplementaryFileContainer, AasxExport]:
    """Return the shell, its submodels and embedded files of ``content`` as a caller of ``tier`` sees them.

    Also exported for the passport service, which builds ``content`` from a passport revision.
    """
    _tier_rank(tier)
    asset_id = global_asset_id(content.part_number, serial=content.serial, gtin=content.gtin, base=base)
    key = quote(content.part_number, safe="") + (
        f":{quote(content.serial, safe='')}" if content.serial else ""
    )
    now = datetime.now(UTC).replace(microsecond=0)
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    submodels = [_nameplate(content, asset_id, f"urn:keten:submodel:nameplate:{key}", tier)]
    if content.footprint is not None and _may(tier, "carbon_footprint"):
        submodels.append(_carbon_footprint(content.footprint, f"urn:keten:submodel:carbon-footprint:{key}"))
    if _may(tier, "bom.direct_children"):
        submodels.append(_bom(content, asset_id, f"urn:keten:submodel:bom:{key}", tier))
    submodels.append(_handover(content, f"urn:keten:submodel:handover:{key}", tier, files))
    aas_id = f"urn:keten:aas:{key}"
    if _may(tier, "dpp_metadata"):
        submodels.append(_dpp_metadata(content, asset_id, aas_id, f"urn:keten:submodel:dpp:{key}", tier, now))
    shell = model.AssetAdministrationShell(
        model.AssetInformation(
            asset_kind=model.AssetKind.INSTANCE if content.serial else model.AssetKind.TYPE,
            global_asset_id=asset_id,
            specific_asset_id=_specific_ids(content),
        ),
        aas_id,
        id_short=_id_short(content.part_number, prefix="AAS"),
        description=model.MultiLanguageTextType({"en": content.description or content.name}),
        submodel={model.ModelReference.from_referable(s) for s in submodels},
    )
    store: Store = model.DictIdentifiableStore([shell, *submodels])
    summary = AasxExport(
        aas_id=aas_id,
        global_asset_id=asset_id,
        tier=tier,
        submodels=tuple(str(s.id_short) for s in submodels),
    )
    return store, files, summary


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
    """Write the product's AASX package to ``out`` as a caller of ``tier`` may see it; return its summary."""
    _tier_rank(tier)
    content = content_from_catalog(session, part_number=part_number, serial=serial, gtin=gtin)
    store, files, summary = build_environment(content, tier=tier, base=base)
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


# --- import -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AasxImport:
    """What an import found and stored."""

    file: str
    part_number: str
    matched_by: str
    organization: str | None
    nameplate: dict[str, str]
    kg_co2e_per_unit: float
    valid_from: date | None
    valid_to: date | None
    supplier_pcf_id: int
    created: bool
    """False when the same footprint of the same supplier was held already."""
    nameplate_id: int
    nameplate_replaced: bool
    """True when the part held a nameplate of this manufacturer, which the import overwrote."""
    warnings: tuple[str, ...] = field(default=())


def _semantic(element: Any) -> str | None:
    reference = getattr(element, "semantic_id", None)
    if reference is None or not reference.key:
        return None
    return str(reference.key[0].value).strip()


def _text(element: Any) -> str | None:
    """Return a property's value, or a multi-language property's English (else first) text."""
    if isinstance(element, model.MultiLanguageProperty):
        if not element.value:
            return None
        texts = dict(element.value)
        text = texts.get("en") or next(iter(texts.values()), None)
        return text.strip() if text else None
    if isinstance(element, model.Property):
        return None if element.value is None else str(element.value).strip()
    return None


def _concept(semantic: str | None) -> str | None:
    """Return an IRDI without its version, as templates cite different versions of one concept."""
    return re.sub(r"#\d{3}$", "", semantic) if semantic else None


def _find(elements: Iterable[Any], semantic: str | Sequence[str], id_short: str | Sequence[str]) -> Any:
    """Return the element with one of ``semantic`` as semantic id, else the one named ``id_short``."""
    elements = list(elements)
    concepts = {_concept(s) for s in ((semantic,) if isinstance(semantic, str) else semantic)}
    for element in elements:
        if _concept(_semantic(element)) in concepts:
            return element
    names = (id_short,) if isinstance(id_short, str) else tuple(id_short)
    for element in elements:
        if element.id_short in names:
            return element
    return None


def _read_package(source: Path | BinaryIO, name: str) -> tuple[Store, list[str]]:
    store: Store = model.DictIdentifiableStore()
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    target: Any = str(source) if isinstance(source, Path) else source
    try:
        with aasx.AASXReader(target, failsafe=False) as reader:
            reader.read_into(store, files)
    except FileNotFoundError:
        raise Problem(422, "Unprocessable Content", f"{name}: no such file") from None
    except Exception as exc:
        raise Problem(
            422,
            "Unprocessable Content",
            f"{name}: not a readable AASX package (AAS metamodel 3.0): {exc}",
            errors=[{"file": name, "message": str(exc)}],
        ) from None
    return store, sorted(files)


def _fail(name: str, where: str, message: str) -> Problem:
    return Problem(
        422,
        "Unprocessable Content",
        f"{name}: {where}: {message}",
        errors=[{"file": name, "element": where, "message": message}],
    )


def _nameplate_fields(submodel: model.Submodel) -> dict[str, str]:
    """Return the nameplate's non-empty fields by idShort; address fields as ``Collection/idShort``."""
    found: dict[str, str] = {}
    for id_short, semantics in NAMEPLATE_FIELDS.items():
        text = _text(_find(submodel.submodel_element, semantics, id_short))
        if text:
            found[id_short] = text
    address = _find(
        submodel.submodel_element,
        (CONTACT_INFORMATION, ADDRESS_INFORMATION),
        ("ContactInformation", "AddressInformation"),
    )
    if isinstance(address, model.SubmodelElementCollection):
        for id_short, semantics in ADDRESS_FIELDS.items():
            text = _text(_find(address.value, semantics, id_short))
            if text:
                found[f"{address.id_short}/{id_short}"] = text
    return found


_NAMEPLATE_COLUMNS = {
    "ManufacturerProductDesignation": "manufacturer_product_designation",
    "ManufacturerProductFamily": "manufacturer_product_family",
    "ManufacturerProductType": "manufacturer_product_type",
    "OrderCodeOfManufacturer": "order_code_of_manufacturer",
    "ProductArticleNumberOfManufacturer": "product_article_number_of_manufacturer",
    "SerialNumber": "serial_number",
    "YearOfConstruction": "year_of_construction",
    "HardwareVersion": "hardware_version",
    "FirmwareVersion": "firmware_version",
    "CountryOfOrigin": "country_of_origin",
    "URIOfTheProduct": "uri_of_the_product",
    "Company": "company",
    "Street": "street",
    "Zipcode": "zipcode",
    "CityTown": "city_town",
    "StateCounty": "state_county",
    "NationalCode": "national_code",
}
"""Where each text field of the nameplate is stored (address fields by their last idShort)."""


def _manufacturer_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _nameplate_values(name: str, where: str, nameplate: dict[str, str]) -> dict[str, Any]:
    """Return the :class:`SupplierNameplate` columns of ``nameplate``; absent fields are None.

    Refuses a field too long for its column or a DateOfManufacture that is no date, naming it.
    """
    table = SupplierNameplate.__table__
    values: dict[str, Any] = dict.fromkeys(_NAMEPLATE_COLUMNS.values())
    values["manufacturer_name"] = nameplate["ManufacturerName"]
    values["manufacturer_key"] = _manufacturer_key(nameplate["ManufacturerName"])
    for key, text in nameplate.items():
        column = (
            "manufacturer_name" if key == "ManufacturerName" else _NAMEPLATE_COLUMNS.get(key.split("/")[-1])
        )
        if column is None:
            continue
        length = getattr(table.c[column].type, "length", None)
        if length is not None and len(text) > length:
            raise _fail(name, f"{where}/{key}", f"is {len(text)} characters long; at most {length} are kept")
        values[column] = text
    values["date_of_manufacture"] = None
    if "DateOfManufacture" in nameplate:
        text = nameplate["DateOfManufacture"]
        # xs:date may carry a time zone, and some tools write an xs:dateTime: the day is what counts.
        day = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2}|T.*)?", text)
        try:
            values["date_of_manufacture"] = date.fromisoformat(day.group(1) if day else text)
        except ValueError:
            raise _fail(name, f"{where}/DateOfManufacture", f"{text!r} is not a date (YYYY-MM-DD)") from None
    return values


@dataclass(frozen=True)
class _Pcf:
    kg_co2e: Decimal
    unit: str
    quantity: Decimal
    published: date | None
    expires: date | None


def _number(name: str, where: str, element: Any) -> Decimal:
    text = _text(element)
    if text is None:
        raise _fail(name, where, "has no value")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _fail(name, where, f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise _fail(name, where, f"{text!r} is not a finite non-negative number")
    return value


def _day(element: Any) -> date | None:
    value = getattr(element, "value", None)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _gate_footprint_1_0(name: str, submodel: model.Submodel) -> _Pcf:
    """Return the cradle-to-gate PCF of a Carbon Footprint 1.0 submodel (A1-A3, or A1, A2 and A3 summed)."""
    where = f"submodel {submodel.id_short}"
    listing = _find(submodel.submodel_element, f"{CF}/ProductCarbonFootprints/1/0", "ProductCarbonFootprints")
    if listing is None or not isinstance(
        listing, model.SubmodelElementList | model.SubmodelElementCollection
    ):
        raise _fail(name, where, "has no ProductCarbonFootprints list")
    chosen: list[tuple[int, Any]] = []
    for index, item in enumerate(listing.value):
        if not isinstance(item, model.SubmodelElementCollection):
            continue
        phases = _find(item.value, f"{CF}/LifeCyclePhases/1/0", "LifeCyclePhases")
        ids: set[str] = set()
        for phase in getattr(phases, "value", ()):
            value_id = phase.value_id.key[0].value.strip() if getattr(phase, "value_id", None) else None
            text = _text(phase) or ""
            if value_id in _PHASE_IDS_BEFORE_GATE or text.split(" ")[0] in ("A1-A3", "A1", "A2", "A3"):
                ids.add(value_id or text)
        if ids:
            chosen.append((index, item))
    if not chosen:
        raise _fail(
            name, f"{where}/ProductCarbonFootprints", "no footprint covers the life cycle phases A1-A3"
        )
    total = Decimal(0)
    units: set[tuple[str, Decimal]] = set()
    published: date | None = None
    expires: date | None = None
    for index, item in chosen:
        at = f"{where}/ProductCarbonFootprints[{index}]"
        total += _number(name, f"{at}/PcfCO2eq", _find(item.value, "0173-1#02-ABG855#003", "PcfCO2eq"))
        unit_element = _find(item.value, "0173-1#02-ABG856#003", "ReferenceImpactUnitForCalculation")
        unit_id = (
            unit_element.value_id.key[0].value.strip() if getattr(unit_element, "value_id", None) else ""
        )
        unit = _UNIT_IDS.get(unit_id) or (_text(unit_element) or "")
        quantity = _number(
            name,
            f"{at}/QuantityOfMeasureForCalculation",
            _find(item.value, "0173-1#02-ABG857#003", "QuantityOfMeasureForCalculation"),
        )
        units.add((unit, quantity))
        published = published or _day(_find(item.value, f"{CF}/PublicationDate/1/0", "PublicationDate"))
        expires = expires or _day(_find(item.value, f"{CF}/ExpirationDate/1/0", "ExpirationDate"))
    if len(units) > 1:
        raise _fail(name, f"{where}/ProductCarbonFootprints", "the A1-A3 footprints refer to different units")
    unit, quantity = units.pop()
    return _Pcf(kg_co2e=total, unit=unit, quantity=quantity, published=published, expires=expires)


def _gate_footprint_0_9(name: str, submodel: model.Submodel) -> _Pcf:
    """Return the A1-A3 PCF of a Carbon Footprint 0.9 submodel (PCFCO2eq per PCFLifeCyclePhase)."""
    where = f"submodel {submodel.id_short}"
    for element in submodel.submodel_element:
        if not isinstance(element, model.SubmodelElementCollection):
            continue
        values = {e.id_short: e for e in element.value}
        if (_text(values.get("PCFLifeCyclePhase")) or "").replace(" ", "") != "A1-A3":
            continue
        at = f"{where}/{element.id_short}"
        return _Pcf(
            kg_co2e=_number(name, f"{at}/PCFCO2eq", values.get("PCFCO2eq")),
            unit=_text(values.get("PCFReferenceValueForCalculation")) or "",
            quantity=_number(
                name,
                f"{at}/PCFQuantityOfMeasureForCalculation",
                values.get("PCFQuantityOfMeasureForCalculation"),
            ),
            published=None,
            expires=None,
        )
    raise _fail(name, where, "no footprint has PCFLifeCyclePhase A1-A3")


def _per_unit(name: str, pcf: _Pcf, part: Part) -> float:
    if pcf.quantity == 0:
        raise _fail(name, "QuantityOfMeasureForCalculation", "is zero")
    per = pcf.kg_co2e / pcf.quantity
    if pcf.unit in ("piece", "pcs", "") and part.unit == "pcs":
        return float(per)
    to_kg = {"g": Decimal("0.001"), "kg": Decimal(1), "t": Decimal(1000), "kilogram": Decimal(1)}
    if pcf.unit in to_kg:
        if part.unit == "kg":
            return float(per * to_kg[pcf.unit])
        if part.mass_kg:
            return float(per * to_kg[pcf.unit] * _decimal(part.mass_kg))
        raise _fail(
            name,
            "ReferenceImpactUnitForCalculation",
            f"the footprint is per {pcf.unit} but part '{part.part_number}' has no mass to convert it",
        )
    raise _fail(
        name,
        "ReferenceImpactUnitForCalculation",
        f"unit {pcf.unit!r} cannot be converted to the part's unit {part.unit!r}",
    )


def _identifiers(shell: model.AssetAdministrationShell, nameplate: dict[str, str]) -> list[tuple[str, str]]:
    """Return (how, value) candidates to find the part by, most specific first."""
    found: list[tuple[str, str]] = []
    for how in ("ProductArticleNumberOfManufacturer", "OrderCodeOfManufacturer", "ManufacturerProductType"):
        if how in nameplate:
            found.append((how, nameplate[how]))
    for specific in shell.asset_information.specific_asset_id:
        if specific.name in ("manufacturerPartId", "partNumber", "customerPartId", "gtin"):
            found.append((f"specificAssetId {specific.name}", str(specific.value)))
    asset_id = shell.asset_information.global_asset_id or ""
    gtin = re.search(r"/01/(\d{8,14})(?:/|$)", asset_id)
    if gtin:
        found.append(("GTIN in the Digital Link", gtin.group(1)))
    if asset_id.startswith("urn:keten:part:"):
        found.append(("globalAssetId", asset_id.removeprefix("urn:keten:part:").split(":serial:")[0]))
    return found


def import_aasx(
    session: Session,
    *,
    path: Path | BinaryIO,
    part_number: str | None = None,
    organization: str | None = None,
    file_name: str | None = None,
    imported_by: str | None = None,
) -> AasxImport:
    """Store a supplier's AASX nameplate and carbon footprint as primary data of the matching part.

    The part is the one named by ``part_number``, else the catalog part whose part number equals
    the nameplate's article number, order code or product type, a specific asset id, or the GTIN
    of a Digital Link. The supplier is ``organization`` (a code), else the organization whose name
    is the nameplate's manufacturer name. The nameplate replaces the part's nameplate of the same
    manufacturer, if one is held. Everything is checked before anything is written; both rows are
    only flushed, so they commit, or not, together.
    """
    name = file_name or (path.name if isinstance(path, Path) else getattr(path, "name", None) or "AASX")
    name = Path(str(name)).name
    raw: Any = path
    if not isinstance(path, Path):
        data = path.read()
        raw = io.BytesIO(data)
        digest = hashlib.sha256(data).hexdigest()
    else:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise Problem(422, "Unprocessable Content", f"{name}: cannot be read: {exc.strerror}") from None
    store, _ = _read_package(raw, name)
    shells = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    if len(shells) != 1:
        raise _fail(
            name, "package", f"holds {len(shells)} asset administration shells; import one product at a time"
        )
    shell = shells[0]
    submodels = [o for o in store if isinstance(o, model.Submodel)]
    by_semantic = {_semantic(s): s for s in submodels}
    nameplate_sm = by_semantic.get(NAMEPLATE_SUBMODEL) or by_semantic.get(NAMEPLATE_3_SUBMODEL)
    if nameplate_sm is None:
        raise _fail(name, "package", f"has no Digital Nameplate submodel (semanticId {NAMEPLATE_SUBMODEL})")
    nameplate = _nameplate_fields(nameplate_sm)
    if "ManufacturerName" not in nameplate:
        raise _fail(name, f"submodel {nameplate_sm.id_short}/ManufacturerName", "is missing or empty")
    nameplate_values = _nameplate_values(name, f"submodel {nameplate_sm.id_short}", nameplate)
    asset_id = shell.asset_information.global_asset_id
    if asset_id is not None and len(asset_id) > 1000:
        raise _fail(name, "asset/globalAssetId", f"is {len(asset_id)} characters long; at most 1000 are kept")
    footprint_sm = by_semantic.get(CARBON_FOOTPRINT_SUBMODEL)
    if footprint_sm is not None:
        pcf = _gate_footprint_1_0(name, footprint_sm)
    elif CARBON_FOOTPRINT_0_9_SUBMODEL in by_semantic:
        pcf = _gate_footprint_0_9(name, by_semantic[CARBON_FOOTPRINT_0_9_SUBMODEL])
    else:
        raise _fail(
            name, "package", f"has no Carbon Footprint submodel (semanticId {CARBON_FOOTPRINT_SUBMODEL})"
        )

    if part_number is not None:
        part = session.scalars(select(Part).where(Part.part_number == part_number)).one_or_none()
        if part is None:
            raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
        matched_by = "part number given"
    else:
        candidates = _identifiers(shell, nameplate)
        values = {value for _, value in candidates}
        parts = {p.part_number: p for p in session.scalars(select(Part).where(Part.part_number.in_(values)))}
        if not parts:
            tried = "; ".join(f"{how} {value!r}" for how, value in candidates) or "no identifiers"
            raise _fail(
                name,
                "asset",
                f"matches no part of the catalog (tried {tried}); name the part to attach it to",
            )
        if len(parts) > 1:
            raise _fail(name, "asset", f"matches several parts ({', '.join(sorted(parts))}); name the part")
        part = next(iter(parts.values()))
        matched_by = next(how for how, value in candidates if value == part.part_number)

    if organization is not None:
        org = session.scalars(select(Organization).where(Organization.code == organization)).one_or_none()
        if org is None:
            raise Problem(404, "Not Found", f"no organization with code '{organization}'")
    else:
        org = session.scalars(
            select(Organization).where(func.lower(Organization.name) == nameplate["ManufacturerName"].lower())
        ).first()
    kg = _per_unit(name, pcf, part)
    warnings: list[str] = []
    if org is None:
        warnings.append(
            f"no organization is named {nameplate['ManufacturerName']!r}; the PCF is kept without one"
        )
    if pcf.expires and pcf.published and pcf.expires < pcf.published:
        raise _fail(name, "ExpirationDate", "lies before the PublicationDate")

    described = ", ".join(f"{k}={v}" for k, v in sorted(nameplate.items()))
    source = f"AASX {name} sha256:{digest[:16]}; nameplate {described}"[:1000]
    same = select(SupplierPcf).where(SupplierPcf.part_id == part.id, SupplierPcf.kg_co2e_per_unit == kg)
    same = same.where(
        SupplierPcf.organization_id == org.id if org else SupplierPcf.organization_id.is_(None),
        SupplierPcf.valid_from == pcf.published if pcf.published else SupplierPcf.valid_from.is_(None),
    )
    held = session.scalars(same).first()
    created = held is None
    if held is None:
        held = SupplierPcf(
            part_id=part.id,
            organization_id=org.id if org else None,
            kg_co2e_per_unit=kg,
            biogenic_kg_co2e_per_unit=0.0,
            primary_data_share=1.0,
            quality=2.0,
            valid_from=pcf.published,
            valid_to=pcf.expires,
            source=source,
        )
        session.add(held)
        session.flush()
    plate = session.scalars(
        select(SupplierNameplate).where(
            SupplierNameplate.part_id == part.id,
            SupplierNameplate.manufacturer_key == nameplate_values["manufacturer_key"],
        )
    ).one_or_none()
    replaced = plate is not None
    if plate is None:
        plate = SupplierNameplate(part_id=part.id)
        session.add(plate)
    for column, value in nameplate_values.items():
        setattr(plate, column, value)
    plate.organization_id = org.id if org else None
    plate.template = _semantic(nameplate_sm) or NAMEPLATE_SUBMODEL
    plate.global_asset_id = asset_id
    # A label of where the fields came from; the digest below identifies the file exactly.
    plate.source_file = name[:255]
    plate.source_sha256 = digest
    plate.imported_at = datetime.now(UTC)
    plate.imported_by = imported_by
    session.flush()
    return AasxImport(
        file=name,
        part_number=part.part_number,
        matched_by=matched_by,
        organization=org.code if org else None,
        nameplate=nameplate,
        kg_co2e_per_unit=kg,
        valid_from=pcf.published,
        valid_to=pcf.expires,
        supplier_pcf_id=held.id,
        created=created,
        nameplate_id=plate.id,
        nameplate_replaced=replaced,
        warnings=tuple(warnings),
    )


def list_nameplates(session: Session, *, part_number: str) -> list[tuple[SupplierNameplate, str | None]]:
    """Return the part's supplier nameplates with their organization's code, by manufacturer name."""
    part_id = session.scalar(select(Part.id).where(Part.part_number == part_number))
    if part_id is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    rows = session.execute(
        select(SupplierNameplate, Organization.code)
        .outerjoin(Organization, Organization.id == SupplierNameplate.organization_id)
        .where(SupplierNameplate.part_id == part_id)
        .order_by(SupplierNameplate.manufacturer_key)
    )
    return [(plate, code) for plate, code in rows]
