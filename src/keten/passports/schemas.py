"""Pydantic shapes of passports: the content (every field marked with its access tier), the
hand-written input, and what the API returns.

Names of the content follow the UNTP Digital Product Passport (issuedBy, product, batch,
materialsProvenance, emissionsScorecard, circularityScorecard, conformityClaim) and the data groups
of the CIRPASS / prEN 18223 DPP data model (unique product identifier, economic operator, facility,
substances of concern, de-manufacturing, end of life) where they apply; JSON uses camelCase.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from keten import ranges
from keten.timestamps import UtcDateTime
from keten.validators import check_country

__all__ = [
    "AsBuiltLine",
    "CarbonFootprint",
    "Circularity",
    "Composition",
    "CriticalRawMaterial",
    "DisassemblyStep",
    "Document",
    "EndOfLifeRoute",
    "Facility",
    "GrantIn",
    "GrantRead",
    "Identification",
    "InputAddress",
    "InputDocument",
    "InputLabel",
    "InputSparePart",
    "InputSubstance",
    "IssueIn",
    "Label",
    "MachineLifecycle",
    "MaintainedModule",
    "MaterialShare",
    "MemberIn",
    "ModelReference",
    "NameplateRead",
    "Owner",
    "Party",
    "PassportContent",
    "PassportInputData",
    "PassportRead",
    "PostalAddress",
    "Registration",
    "RevisionRead",
    "ServiceEntry",
    "SparePart",
    "SubstanceOfConcern",
    "Tier",
    "TierLevel",
    "check_cas",
    "check_ec",
    "check_gtin",
    "check_scip",
    "check_url",
    "tier_of",
    "tier_table",
]

TierLevel = Literal["public", "legitimate_interest", "authority", "owner"]


@dataclass(frozen=True)
class Tier:
    """Metadata of a content field: the least access tier that sees it."""

    level: TierLevel


PUBLIC = Tier("public")
LEGITIMATE = Tier("legitimate_interest")
AUTHORITY = Tier("authority")
OWNER = Tier("owner")


def tier_of(metadata: list[Any]) -> TierLevel | None:
    """Return the tier named in a field's metadata, or None when it names none."""
    for item in metadata:
        if isinstance(item, Tier):
            return item.level
    return None


def _gs1_check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gtin(value: str) -> str:
    """Return a GTIN as 14 digits (GTIN-8, -12 and -13 padded with zeros); refuses a wrong check digit."""
    cleaned = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{8}|\d{12,14}", cleaned):
        raise ValueError(f"'{value}' is not a GTIN; expected 8, 12, 13 or 14 digits")
    if _gs1_check_digit(cleaned[:-1]) != int(cleaned[-1]):
        raise ValueError(
            f"'{value}' is not a valid GTIN: its check digit should be {_gs1_check_digit(cleaned[:-1])}"
        )
    return cleaned.zfill(14)


def check_cas(value: str) -> str:
    """Return a CAS Registry Number whose check digit is right."""
    cleaned = value.strip()
    match = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cleaned)
    if not match:
        raise ValueError(f"'{value}' is not a CAS number; expected digits as 7440-50-8")
    digits = (match.group(1) + match.group(2))[::-1]
    check = sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10
    if check != int(match.group(3)):
        raise ValueError(f"'{value}' is not a valid CAS number: its check digit should be {check}")
    return cleaned


def check_ec(value: str) -> str:
    """Return an EC (EINECS/ELINCS/NLP) number whose check digit is right."""
    cleaned = value.strip()
    match = re.fullmatch(r"(\d{3})-(\d{3})-(\d)", cleaned)
    if not match:
        raise ValueError(f"'{value}' is not an EC number; expected digits as 231-159-6")
    digits = match.group(1) + match.group(2)
    check = sum((i + 1) * int(d) for i, d in enumerate(digits)) % 11
    if check == 10 or check != int(match.group(3)):
        raise ValueError(f"'{value}' is not a valid EC number: its check digit is wrong")
    return cleaned


def check_scip(value: str) -> str:
    """Return a SCIP number: the UUID ECHA's SCIP database gives a notified article, in lower case."""
    cleaned = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", cleaned):
        raise ValueError(f"'{value}' is not a SCIP number; ECHA issues them as UUIDs (8-4-4-4-12 hex digits)")
    return cleaned


def check_url(value: str) -> str:
    """Return an absolute http(s) URL."""
    cleaned = value.strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", cleaned):
        raise ValueError(f"'{value}' is not an absolute http or https URL")
    return cleaned


Gtin = Annotated[str, AfterValidator(check_gtin)]
Ec = Annotated[str, AfterValidator(check_ec)]
Scip = Annotated[str, AfterValidator(check_scip)]
Url = Annotated[str, StringConstraints(max_length=1000), AfterValidator(check_url)]
Cas = Annotated[str, AfterValidator(check_cas)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# GS1 AI 21 and AI 10: up to 20 characters of GS1's CSET 82 (the URL-safe subset used here).
SerialText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,20}$")]
Share = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
"""A mass fraction in per cent weight by weight (w/w %)."""
Eori = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{2}[A-Za-z0-9]{1,15}$")]
"""An EORI number: the issuing member state's country code and up to 15 characters."""
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _camel(name: str) -> str:
    return to_camel(name).replace("Co2E", "Co2e")


class _Content(BaseModel):
    """A part of the passport content: camelCase in JSON, nothing unknown accepted."""

    model_config = ConfigDict(alias_generator=_camel, populate_by_name=True, extra="forbid", frozen=True)


# --- the content ------------------------------------------------------------------------------


class ModelReference(_Content):
    """The model passport revision a batch or item passport inherits its content from."""

    id: Annotated[str, PUBLIC]
    revision: Annotated[int, PUBLIC]
    sha256: Annotated[str, PUBLIC]


class Identification(_Content):
    """Who the passport is of: unique id, GS1 keys, Digital Link, AAS asset id, category."""

    unique_product_identifier: Annotated[str, PUBLIC]
    granularity: Annotated[Literal["model", "batch", "item"], PUBLIC]
    gtin: Annotated[str, PUBLIC]
    serial_number: Annotated[str | None, PUBLIC] = None
    batch_number: Annotated[str | None, PUBLIC] = None
    digital_link: Annotated[str, PUBLIC]
    global_asset_id: Annotated[str, PUBLIC]
    part_number: Annotated[str, PUBLIC]
    product_name: Annotated[str, PUBLIC]
    description: Annotated[str | None, PUBLIC] = None
    product_category: Annotated[str | None, PUBLIC] = None
    commodity_code: Annotated[str | None, PUBLIC] = None
    """Harmonized System / Combined Nomenclature code."""
    production_date: Annotated[date | None, PUBLIC] = None
    model: Annotated[ModelReference | None, PUBLIC] = None


class PostalAddress(_Content):
    """A postal address of an economic operator (ESPR art. 27(7) and 29(3), Annex III (g), (j))."""

    street_address: Annotated[str | None, PUBLIC] = None
    postal_code: Annotated[str | None, PUBLIC] = None
    locality: Annotated[str | None, PUBLIC] = None
    country: Annotated[str | None, PUBLIC] = None
    """ISO 3166-1 alpha-2."""


class Party(_Content):
    """An economic operator: the manufacturer, the importer or the authorised representative."""

    name: Annotated[str, PUBLIC]
    operator_id: Annotated[str | None, PUBLIC] = None
    """Unique operator identifier (ESPR Annex III (g), (h), (k)): a party GLN as a GS1 Digital Link
    (AI 417) unless the passport input names another."""
    address: Annotated[PostalAddress | None, PUBLIC] = None
    eori: Annotated[str | None, PUBLIC] = None
    """EORI number (ESPR Annex III (j), for the importer)."""
    country: Annotated[str | None, PUBLIC] = None
    lei: Annotated[str | None, PUBLIC] = None
    gln: Annotated[str | None, PUBLIC] = None
    chamber_of_commerce_number: Annotated[str | None, PUBLIC] = None
    website: Annotated[str | None, PUBLIC] = None
    contact_email: Annotated[str | None, LEGITIMATE] = None


class Facility(_Content):
    """Where the product is made."""

    name: Annotated[str, PUBLIC]
    facility_id: Annotated[str | None, PUBLIC] = None
    """Unique facility identifier (ESPR Annex III (i)): the site's GLN as a GS1 Digital Link (AI 414)
    unless the passport input names another."""
    country: Annotated[str, PUBLIC]
    city: Annotated[str | None, PUBLIC] = None
    gln: Annotated[str | None, PUBLIC] = None
    address: Annotated[str | None, LEGITIMATE] = None


class MaterialShare(_Content):
    """One material in one unit of the product, summed over the whole BOM."""

    code: Annotated[str, LEGITIMATE]
    name: Annotated[str, LEGITIMATE]
    family: Annotated[str, LEGITIMATE]
    cas_number: Annotated[str | None, LEGITIMATE] = None
    mass_kg: Annotated[float, LEGITIMATE]
    mass_fraction: Annotated[float | None, LEGITIMATE] = None
    recycled_share: Annotated[float, LEGITIMATE]


class CriticalRawMaterial(_Content):
    """A critical raw material of the EU 2023 list (CRMA annex) in one unit of the product."""

    crm: Annotated[str, PUBLIC]
    """Code of the list's entry: an element (Co, W) or a group (LREE, HREE, PGM)."""
    name: Annotated[str, PUBLIC]
    strategic: Annotated[bool, PUBLIC]
    materials: Annotated[list[str], PUBLIC]
    mass_kg: Annotated[float, PUBLIC]
    recycled_share: Annotated[float | None, PUBLIC] = None
    """Share of the mass recovered from waste: public, as Regulation (EU) 2023/1542 art. 8 and
    Annex XIII 1(e) set for cobalt, lithium and nickel."""


class SubstanceOfConcern(_Content):
    """A substance of concern (ESPR art. 7(5)), where it is and how much."""

    name: Annotated[str, PUBLIC]
    cas_number: Annotated[str | None, PUBLIC] = None
    ec_number: Annotated[str | None, PUBLIC] = None
    location: Annotated[str, PUBLIC]
    """Part number or component that contains it."""
    mass_kg: Annotated[float | None, PUBLIC] = None
    concentration_percent: Annotated[float | None, PUBLIC] = None
    """Concentration in the product, w/w % (ESPR art. 7(5)(c)): as given, else its mass over the
    product's mass."""
    hazard_classes: Annotated[list[str], PUBLIC] = []
    """CLP hazard classes and categories (Regulation (EC) 1272/2008), such as Carc. 1B."""
    scip_number: Annotated[str | None, PUBLIC] = None
    """The SCIP number ECHA gave the article's notification (a UUID)."""
    reason: Annotated[str | None, PUBLIC] = None
    handling: Annotated[str | None, LEGITIMATE] = None


class Composition(_Content):
    """What one unit is made of."""

    total_mass_kg: Annotated[float | None, PUBLIC] = None
    recycled_content_share: Annotated[float | None, PUBLIC] = None
    """Mass-weighted share of recycled input over every material."""
    renewable_content_share: Annotated[float | None, PUBLIC] = None
    """Share of renewable content (ESPR Annex I; Regulation (EU) 2023/1542 Annex XIII 1(f))."""
    critical_raw_materials: Annotated[list[CriticalRawMaterial], PUBLIC] = []
    substances_of_concern: Annotated[list[SubstanceOfConcern], PUBLIC] = []
    materials: Annotated[list[MaterialShare], LEGITIMATE] = []


class CarbonFootprint(_Content):
    """The product carbon footprint from the footprint engine (ISO 14067)."""

    total_kg_co2e: Annotated[float, PUBLIC]
    cradle_to_gate_kg_co2e: Annotated[float, PUBLIC]
    by_stage: Annotated[dict[str, float], PUBLIC]
    primary_data_share: Annotated[float | None, PUBLIC] = None
    declared_unit: Annotated[str, PUBLIC] = "1 piece"
    methodology: Annotated[str, PUBLIC] = "ISO 14067:2018; GHG Protocol Product Standard; PACT Methodology"
    standard: Annotated[str, PUBLIC] = "ISO 14067:2018"
    """The standard the footprint was computed by, unless the passport input names another."""
    life_cycle_stages: Annotated[list[str], PUBLIC] = []
    """The life-cycle stages covered, named as Regulation (EU) 2023/1542 Annex II names them."""
    performance_class: Annotated[str | None, PUBLIC] = None
    """Carbon footprint performance class (Regulation (EU) 2023/1542 art. 7(2))."""
    study_url: Annotated[str | None, PUBLIC] = None
    """Link to the public version of the study behind the figures (2023/1542 Annex XIII 1(c))."""
    computed_at: Annotated[datetime, PUBLIC]
    factor_set: Annotated[str | None, AUTHORITY] = None
    factor_set_version: Annotated[str | None, AUTHORITY] = None
    input_revisions: Annotated[str | None, AUTHORITY] = None
    top_contributors: Annotated[list[dict[str, Any]], OWNER] = []


class SparePart(_Content):
    """A spare part and how long it can be ordered."""

    part_number: Annotated[str, LEGITIMATE]
    name: Annotated[str, LEGITIMATE]
    available_years: Annotated[float | None, LEGITIMATE] = None
    lead_time_days: Annotated[int | None, OWNER] = None


class DisassemblyStep(_Content):
    """One step of taking the product apart."""

    step: Annotated[int, LEGITIMATE]
    description: Annotated[str, LEGITIMATE]
    tools: Annotated[list[str], LEGITIMATE] = []
    fasteners: Annotated[str | None, LEGITIMATE] = None
    time_minutes: Annotated[float | None, LEGITIMATE] = None
    hazards: Annotated[str | None, LEGITIMATE] = None


class EndOfLifeRoute(_Content):
    """What to do with a component at the end of life."""

    component: Annotated[str, PUBLIC]
    route: Annotated[Literal["reuse", "remanufacture", "recycle", "recover", "dispose"], PUBLIC]
    note: Annotated[str | None, PUBLIC] = None


class Circularity(_Content):
    """Durability, repair, spare parts, disassembly and end of life."""

    expected_lifetime_years: Annotated[float | None, PUBLIC] = None
    warranty_years: Annotated[float | None, PUBLIC] = None
    spare_parts_available_years: Annotated[float | None, PUBLIC] = None
    repairability: Annotated[str | None, PUBLIC] = None
    repairability_score: Annotated[float | None, PUBLIC] = None
    """Repairability score on a scale of 0 to 10 (ESPR art. 7(2)(b)(ii), Annex I)."""
    repairability_method: Annotated[str | None, PUBLIC] = None
    """How the score was given, such as EN 45554:2020."""
    repair_instructions: Annotated[list[str], PUBLIC] = []
    spare_parts: Annotated[list[SparePart], LEGITIMATE] = []
    disassembly: Annotated[list[DisassemblyStep], LEGITIMATE] = []
    end_of_life: Annotated[list[EndOfLifeRoute], PUBLIC] = []


class Document(_Content):
    """A conformity document, certificate or manual."""

    kind: Annotated[str, PUBLIC]
    title: Annotated[str, PUBLIC]
    url: Annotated[str | None, PUBLIC] = None
    issued_by: Annotated[str | None, PUBLIC] = None
    valid_until: Annotated[date | None, PUBLIC] = None


class Label(_Content):
    """A marking or label the product carries, as data: CE marking, ecolabels, energy labels."""

    name: Annotated[str, PUBLIC]
    """As on the product: CE, UKCA, EU Ecolabel, …"""
    legislation: Annotated[list[str], PUBLIC] = []
    """The Union acts or schemes it declares conformity with, such as 2006/42/EC."""
    url: Annotated[str | None, PUBLIC] = None
    issued_by: Annotated[str | None, PUBLIC] = None
    valid_until: Annotated[date | None, PUBLIC] = None


class Registration(_Content):
    """Where the passport is registered (ESPR art. 13) and who keeps its back-up copy (art. 10)."""

    registry_id: Annotated[str | None, PUBLIC] = None
    """The identifier the EU digital product passport registry gave the passport."""
    backup_provider: Annotated[str | None, AUTHORITY] = None
    """The digital product passport service provider that keeps a back-up copy."""
    backup_url: Annotated[str | None, AUTHORITY] = None


class AsBuiltLine(_Content):
    """A part actually built into a serialized machine."""

    position: Annotated[str, LEGITIMATE]
    part_number: Annotated[str, LEGITIMATE]
    name: Annotated[str, LEGITIMATE]
    quantity: Annotated[float, LEGITIMATE]
    serial_number: Annotated[str | None, LEGITIMATE] = None


class MaintainedModule(_Content):
    """A module a serialized machine holds now, after the replacements its events record."""

    id: Annotated[str, LEGITIMATE]
    """The module's GS1 Digital Link URI."""
    since: Annotated[datetime, LEGITIMATE]


class ServiceEntry(_Content):
    """One service event of a serialized machine: an inspection, repair, replacement, upgrade or
    refurbishment."""

    event_id: Annotated[str, LEGITIMATE]
    """The EPCIS eventID."""
    event_time: Annotated[datetime, LEGITIMATE]
    business_step: Annotated[str, LEGITIMATE]
    """The business step's short name (repairing, refurbishing, …)."""
    location: Annotated[str | None, LEGITIMATE] = None


class MachineLifecycle(_Content):
    """What happened to a serialized machine after it left the factory, from its EPCIS events."""

    status: Annotated[Literal["in_use", "in_repair", "refurbished", "end_of_life"], PUBLIC]
    status_since: Annotated[datetime, PUBLIC]
    as_maintained: Annotated[list[MaintainedModule], LEGITIMATE] = []
    service_record: Annotated[list[ServiceEntry], LEGITIMATE] = []


class Owner(_Content):
    """The issuing company's own figures, never shown outside it."""

    revenue_per_unit_eur: Annotated[float | None, OWNER] = None
    suppliers: Annotated[list[str], OWNER] = []
    notes: Annotated[str | None, OWNER] = None


class PassportContent(_Content):
    """The full content of one passport revision; readers get it filtered to their tier.

    A batch or item passport holds identification, its as-built BOM and a reference to the model
    passport revision; the other sections come from that model revision.
    """

    identification: Annotated[Identification, PUBLIC]
    economic_operator: Annotated[Party | None, PUBLIC] = None
    """The manufacturer (ESPR Annex III (g))."""
    importer: Annotated[Party | None, PUBLIC] = None
    """ESPR Annex III (j)."""
    authorised_representative: Annotated[Party | None, PUBLIC] = None
    """The economic operator established in the Union responsible for the tasks of Regulation (EU)
    2019/1020 art. 4 (ESPR Annex III (k))."""
    facility: Annotated[Facility | None, PUBLIC] = None
    composition: Annotated[Composition | None, PUBLIC] = None
    carbon_footprint: Annotated[CarbonFootprint | None, PUBLIC] = None
    circularity: Annotated[Circularity | None, PUBLIC] = None
    documents: Annotated[list[Document], PUBLIC] = []
    labels: Annotated[list[Label], PUBLIC] = []
    due_diligence_report: Annotated[Document | None, PUBLIC] = None
    """Supply-chain due diligence report (Regulation (EU) 2023/1542 art. 52(3), Annex XIII 1(d))."""
    registration: Annotated[Registration | None, PUBLIC] = None
    technical_documentation: Annotated[list[Document], AUTHORITY] = []
    """Documents for market surveillance authorities only (technical file, test reports)."""
    as_built: Annotated[list[AsBuiltLine], LEGITIMATE] = []
    lifecycle: Annotated[MachineLifecycle | None, PUBLIC] = None
    """A serialized machine's status, as-maintained modules and service record."""
    owner: Annotated[Owner | None, OWNER] = None


ITEM_SECTIONS = ("identification", "asBuilt", "lifecycle")
"""Sections a batch or item passport holds itself; the rest it inherits from the model."""


# --- hand-written input ------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSubstance(_Input):
    name: Short
    cas_number: Cas | None = None
    ec_number: Ec | None = None
    location: Short
    mass_kg: ranges.MassKg | None = None
    concentration_percent: Percent | None = None
    hazard_classes: list[Short] = []
    scip_number: Scip | None = None
    reason: Short | None = None
    handling: Text | None = None


class InputDocument(_Input):
    kind: Short
    title: Short
    url: Short | None = None
    issued_by: Short | None = None
    valid_until: date | None = None
    tier: Literal["public", "authority"] = "public"


class InputLabel(_Input):
    name: Short
    legislation: list[Short] = []
    url: Url | None = None
    issued_by: Short | None = None
    valid_until: date | None = None


class InputAddress(_Input):
    street_address: Short | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    locality: Short | None = None
    country: Annotated[str, AfterValidator(check_country)] | None = None


class InputSparePart(_Input):
    part_number: Short
    available_years: ranges.Years | None = None


class InputStep(_Input):
    step: Annotated[int, Field(ge=1, le=10_000)]
    description: Text
    tools: list[Short] = []
    fasteners: Short | None = None
    time_minutes: ranges.Minutes | None = None
    hazards: Text | None = None


class InputEndOfLife(_Input):
    component: Short
    route: Literal["reuse", "remanufacture", "recycle", "recover", "dispose"]
    note: Text | None = None


class PassportInputData(_Input):
    """What people write for a product's passport; every field optional, lists replace the old ones."""

    gtin: Gtin | None = None
    product_category: Short | None = None
    commodity_code: Annotated[str, StringConstraints(pattern=r"^\d{4}(\.?\d{2}){0,3}$")] | None = None
    facility: Short | None = None
    """Site code of the facility that makes the product; the own company's first site if absent."""
    contact_email: Short | None = None
    operator_id: Short | None = None
    """Unique operator identifier of the manufacturer; its party GLN (AI 417) if absent."""
    operator_address: InputAddress | None = None
    """The manufacturer's postal address; that of the own company's first site if absent."""
    facility_id: Short | None = None
    """Unique facility identifier; the site's GLN (AI 414) if absent."""
    importer: Code | None = None
    """Organization code of the importer; its address is that of its first site."""
    importer_eori: Eori | None = None
    authorised_representative: Code | None = None
    """Organization code of the authorised representative."""
    renewable_content_share: Share | None = None
    footprint_performance_class: Annotated[str, StringConstraints(pattern=r"^[A-G]$")] | None = None
    footprint_standard: Short | None = None
    footprint_study_url: Url | None = None
    repairability_score: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    repairability_method: Short | None = None
    labels: list[InputLabel] = []
    registry_id: Short | None = None
    backup_provider: Short | None = None
    backup_url: Url | None = None
    due_diligence_report_title: Short | None = None
    due_diligence_report_url: Url | None = None
    due_diligence_report_issued_by: Short | None = None
    expected_lifetime_years: ranges.Years | None = None
    warranty_years: ranges.Years | None = None
    spare_parts_available_years: ranges.Years | None = None
    repairability: Text | None = None
    repair_instructions: list[Text] = []
    spare_parts: list[InputSparePart] = []
    disassembly: list[InputStep] = []
    end_of_life: list[InputEndOfLife] = []
    substances: list[InputSubstance] = []
    documents: list[InputDocument] = []
    notes: Text | None = None


# --- API ---------------------------------------------------------------------------------------


class IssueIn(BaseModel):
    """Issue a passport for a product: its model passport, a batch, or serialized items."""

    model_config = ConfigDict(extra="forbid")

    part_number: Short
    level: Literal["model", "batch", "item"] = "model"
    serials: Annotated[list[SerialText], Field(max_length=100_000)] = []
    batch: SerialText | None = None
    production_date: date | None = None


class RevisionRead(BaseModel):
    """A revision's header as signed, without content."""

    number: int
    sha256: str
    previous_sha256: str | None
    key_id: str
    created_at: UtcDateTime
    created_by: str | None


class PassportRead(BaseModel):
    """A passport in a list."""

    id: str
    level: str
    part_number: str
    gtin: str
    serial: str | None
    batch: str | None
    digital_link: str
    current_revision: int
    created_at: UtcDateTime


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: Short
    tier: Literal["legitimate_interest", "authority"]
    note: Short | None = None


class GrantRead(BaseModel):
    organization: str
    organization_name: str
    tier: str
    granted_at: UtcDateTime
    granted_by: str | None
    note: str | None


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Short
    organization: Short


class AasxImportRead(BaseModel):
    """What importing a supplier's AASX found and stored."""

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
    nameplate_id: int
    nameplate_replaced: bool
    warnings: list[str]

    @classmethod
    def of(cls, report: Any) -> AasxImportRead:
        """Return the answer for an ``aas.AasxImport`` report."""
        return cls(**{**dataclasses.asdict(report), "warnings": list(report.warnings)})


class NameplateRead(BaseModel):
    """A supplier's Digital Nameplate of a part, as its latest imported AASX package gave it.

    The fields are the IDTA 02006 nameplate's, named after its idShorts; the contact address is
    the nameplate's ContactInformation (2.0) or AddressInformation (3.0).
    """

    id: int
    part_number: str
    organization: str | None = Field(description="Code of the supplier in keten's partners, if known.")
    manufacturer_name: str
    manufacturer_product_designation: str | None
    manufacturer_product_family: str | None
    manufacturer_product_type: str | None
    order_code_of_manufacturer: str | None
    product_article_number_of_manufacturer: str | None
    serial_number: str | None
    year_of_construction: str | None
    date_of_manufacture: date | None
    hardware_version: str | None
    firmware_version: str | None
    country_of_origin: str | None
    uri_of_the_product: str | None
    company: str | None
    street: str | None
    zipcode: str | None
    city_town: str | None
    state_county: str | None
    national_code: str | None
    template: str = Field(description="Semantic id of the nameplate submodel the fields were read from.")
    global_asset_id: str | None
    source_file: str
    source_sha256: str
    imported_at: UtcDateTime
    imported_by: str | None

    @classmethod
    def of(cls, row: Any, *, part_number: str, organization: str | None) -> NameplateRead:
        """Return the answer for a ``SupplierNameplate`` row of ``part_number``."""
        columns = set(cls.model_fields) - {"part_number", "organization"}
        return cls(
            part_number=part_number, organization=organization, **{c: getattr(row, c) for c in columns}
        )


def tier_table(
    model: type[BaseModel] = PassportContent, prefix: str = "", floor: int = 0
) -> list[tuple[str, str]]:
    """Return (field path in JSON, least tier that reads it) of every field of the passport content.

    A field inside a section reads at the higher of its own tier and its section's. This is the
    one table of tiers: every format is filtered by it (``keten.passports.service.view``), and
    docs/passports.md prints it.
    """
    order = list(get_args(TierLevel))
    rows: list[tuple[str, str]] = []
    for name, info in model.model_fields.items():
        tier = tier_of(info.metadata)
        if tier is None:
            raise TypeError(f"{model.__name__}.{name} has no access tier")
        rank = max(floor, order.index(tier))
        path = f"{prefix}{info.alias or name}"
        nested = [
            a for a in _annotations(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        rows.append((path, order[rank]))
        if nested:
            rows += tier_table(nested[0], f"{path}.", rank)
    return rows


def _annotations(annotation: Any) -> list[Any]:
    found = [annotation]
    for arg in get_args(annotation):
        found += _annotations(arg)
    return found
