"""A supplier's Asset Administration Shell package (AASX) in: its nameplate and its product carbon footprint.

The import reads a supplier's AASX, finds its Digital Nameplate (2.0 or 3.0) and Carbon Footprint
(1.0, or the 0.9 draft keten's footprint export still writes), matches the asset to a part of the
catalog, stores the nameplate as the part's :class:`SupplierNameplate` of that manufacturer and the
footprint as the supplier's PCF, primary data, which the footprint engine then uses in place of the
part's own estimate. A file that cannot be read or lacks what is needed is refused with a 422
problem naming the file, submodel and element, and nothing is written. The semantic ids here, as
the IDTA templates give them, serve the export (``keten.passports.aas_export``) too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from basyx.aas import model
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.footprints.models import SupplierPcf
from keten.partners.models import Organization
from keten.passports.aasx_package import AasxLimits, check_size, read_package, refusal
from keten.passports.models import SupplierNameplate
from keten.problems import Problem

__all__ = [
    "AasxImport",
    "import_aasx",
    "list_nameplates",
]

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
            raise refusal(
                name, f"{where}/{key}", f"is {len(text)} characters long; at most {length} are kept"
            )
        values[column] = text
    values["date_of_manufacture"] = None
    if "DateOfManufacture" in nameplate:
        text = nameplate["DateOfManufacture"]
        # xs:date may carry a time zone, and some tools write an xs:dateTime: the day is what counts.
        day = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2}|T.*)?", text)
        try:
            values["date_of_manufacture"] = date.fromisoformat(day.group(1) if day else text)
        except ValueError:
            raise refusal(
                name, f"{where}/DateOfManufacture", f"{text!r} is not a date (YYYY-MM-DD)"
            ) from None
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
        raise refusal(name, where, "has no value")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise refusal(name, where, f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise refusal(name, where, f"{text!r} is not a finite non-negative number")
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
        raise refusal(name, where, "has no ProductCarbonFootprints list")
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
        raise refusal(
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
        raise refusal(
            name, f"{where}/ProductCarbonFootprints", "the A1-A3 footprints refer to different units"
        )
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
    raise refusal(name, where, "no footprint has PCFLifeCyclePhase A1-A3")


def _per_unit(name: str, pcf: _Pcf, part: Part) -> float:
    if pcf.quantity == 0:
        raise refusal(name, "QuantityOfMeasureForCalculation", "is zero")
    per = pcf.kg_co2e / pcf.quantity
    if pcf.unit in ("piece", "pcs", "") and part.unit == "pcs":
        return float(per)
    to_kg = {"g": Decimal("0.001"), "kg": Decimal(1), "t": Decimal(1000), "kilogram": Decimal(1)}
    if pcf.unit in to_kg:
        if part.unit == "kg":
            return float(per * to_kg[pcf.unit])
        if part.mass_kg:
            return float(per * to_kg[pcf.unit] * Decimal(repr(float(part.mass_kg))))
        raise refusal(
            name,
            "ReferenceImpactUnitForCalculation",
            f"the footprint is per {pcf.unit} but part '{part.part_number}' has no mass to convert it",
        )
    raise refusal(
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
    limits: AasxLimits = AasxLimits(),
) -> AasxImport:
    """Store a supplier's AASX nameplate and carbon footprint as primary data of the matching part.

    The part is the one named by ``part_number``, else the catalog part whose part number equals
    the nameplate's article number, order code or product type, a specific asset id, or the GTIN
    of a Digital Link. The supplier is ``organization`` (a code), else the organization whose name
    is the nameplate's manufacturer name. The nameplate replaces the part's nameplate of the same
    manufacturer, if one is held. Everything is checked before anything is written; both rows are
    only flushed, so they commit, or not, together. A package larger than ``limits`` is refused
    before it is unpacked.
    """
    name = file_name or (path.name if isinstance(path, Path) else getattr(path, "name", None) or "AASX")
    name = Path(str(name)).name
    if isinstance(path, Path):
        try:
            check_size(name, path.stat().st_size, limits)
            data = path.read_bytes()
        except FileNotFoundError:
            raise Problem(422, "Unprocessable Content", f"{name}: no such file") from None
        except OSError as exc:
            raise Problem(422, "Unprocessable Content", f"{name}: cannot be read: {exc.strerror}") from None
    else:
        # Read no more than one byte past the limit: enough to know the upload is too large.
        data = path.read(limits.max_bytes + 1)
        check_size(name, len(data), limits, read_whole=False)
    store, _ = read_package(data, name, limits)
    digest = hashlib.sha256(data).hexdigest()
    shells = [o for o in store if isinstance(o, model.AssetAdministrationShell)]
    if len(shells) != 1:
        raise refusal(
            name, "package", f"holds {len(shells)} asset administration shells; import one product at a time"
        )
    shell = shells[0]
    submodels = [o for o in store if isinstance(o, model.Submodel)]
    by_semantic = {_semantic(s): s for s in submodels}
    nameplate_sm = by_semantic.get(NAMEPLATE_SUBMODEL) or by_semantic.get(NAMEPLATE_3_SUBMODEL)
    if nameplate_sm is None:
        ids = {s.id for s in submodels}
        absent = [str(r.key[-1].value) for r in shell.submodel if r.key and r.key[-1].value not in ids]
        raise refusal(
            name,
            "package",
            f"has no Digital Nameplate submodel (semanticId {NAMEPLATE_SUBMODEL})"
            + (
                f"; the shell refers to submodels it does not hold: {', '.join(sorted(absent))}"
                if absent
                else ""
            ),
        )
    nameplate = _nameplate_fields(nameplate_sm)
    if "ManufacturerName" not in nameplate:
        raise refusal(name, f"submodel {nameplate_sm.id_short}/ManufacturerName", "is missing or empty")
    nameplate_values = _nameplate_values(name, f"submodel {nameplate_sm.id_short}", nameplate)
    asset_id = shell.asset_information.global_asset_id
    if asset_id is not None and len(asset_id) > 1000:
        raise refusal(
            name, "asset/globalAssetId", f"is {len(asset_id)} characters long; at most 1000 are kept"
        )
    footprint_sm = by_semantic.get(CARBON_FOOTPRINT_SUBMODEL)
    if footprint_sm is not None:
        pcf = _gate_footprint_1_0(name, footprint_sm)
    elif CARBON_FOOTPRINT_0_9_SUBMODEL in by_semantic:
        pcf = _gate_footprint_0_9(name, by_semantic[CARBON_FOOTPRINT_0_9_SUBMODEL])
    else:
        raise refusal(
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
            raise refusal(
                name,
                "asset",
                f"matches no part of the catalog (tried {tried}); name the part to attach it to",
            )
        if len(parts) > 1:
            raise refusal(name, "asset", f"matches several parts ({', '.join(sorted(parts))}); name the part")
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
        raise refusal(name, "ExpirationDate", "lies before the PublicationDate")

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
            # Neither Carbon Footprint template states a primary data share: it is unknown, which
            # the footprint engine counts as 0 and flags, as for a PACT footprint without one.
            primary_data_share=None,
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
