"""The fields ESPR (Regulation (EU) 2024/1781, art. 7, Annex III) and the Battery Regulation
((EU) 2023/1542, Annex XIII) ask of a passport beyond what the catalogue and the footprint engine
give: the operators with their postal addresses and identifiers, the facility identifier,
substances with concentration, hazard classes and SCIP number, renewable content, the footprint's
class, standard, stages and study, labels, the repairability score, registration and back-up, and
the due diligence report.

Each comes from data keten keeps where it keeps it (organizations and their sites, the exploded
BOM's masses, the footprint's stages), else from the passport input the owner sets
(:class:`keten.passports.schemas.PassportInputData`), which validates it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from keten.partners import service as partners
from keten.passports.schemas import (
    CarbonFootprint,
    Circularity,
    Composition,
    Document,
    Facility,
    Label,
    Party,
    PassportContent,
    PassportInputData,
    PostalAddress,
    Registration,
    SubstanceOfConcern,
)
from keten.problems import Problem

__all__ = ["LIFE_CYCLE_STAGES", "complete", "facility_id", "operator_id"]

LIFE_CYCLE_STAGES = {
    "materials": "raw material acquisition and pre-processing",
    "purchased_parts": "raw material acquisition and pre-processing",
    "manufacturing_energy": "main product production",
    "process_emissions": "main product production",
    "transport": "distribution",
    "use": "use",
    "end_of_life": "end of life and recycling",
}
"""keten's footprint stages as the life-cycle stages of Regulation (EU) 2023/1542 Annex II name them."""


def operator_id(gln: str | None) -> str | None:
    """Return a party GLN as the GS1 Digital Link URI that identifies the party (AI 417)."""
    return f"https://id.gs1.org/417/{gln}" if gln else None


def facility_id(gln: str | None) -> str | None:
    """Return a location GLN as the GS1 Digital Link URI that identifies the place (AI 414)."""
    return f"https://id.gs1.org/414/{gln}" if gln else None


def _site_address(session: Session, code: str) -> PostalAddress | None:
    sites = partners.organization_sites(session, code=code)
    if not sites:
        return None
    site = sites[0]
    return PostalAddress(street_address=site.address, locality=site.city, country=site.country)


def _manufacturer(session: Session, party: Party | None, data: PassportInputData) -> Party | None:
    if party is None:
        return None
    owners, _ = partners.list_organizations(session, role="own", limit=1, offset=0)
    if data.operator_address is not None:
        address: PostalAddress | None = PostalAddress(**data.operator_address.model_dump())
    else:
        address = _site_address(session, owners[0].code) if owners else None
    return party.model_copy(
        update={"operator_id": data.operator_id or operator_id(party.gln), "address": address}
    )


def _party(session: Session, code: str | None, field: str, eori: str | None = None) -> Party | None:
    """Return the organization ``code`` as a party with the address of its first site."""
    if code is None:
        return None
    try:
        org = partners.get_organization(session, code=code)
    except Problem as exc:
        raise Problem(
            422, "Unknown organization", f"the passport input's {field} is {code!r}, no organization"
        ) from exc
    return Party(
        name=org.name,
        operator_id=operator_id(org.gln),
        address=_site_address(session, org.code),
        eori=eori,
        country=org.country,
        lei=org.lei,
        gln=org.gln,
        chamber_of_commerce_number=org.kvk,
        website=org.website,
    )


def _substances(
    composition: Composition, data: PassportInputData, product_mass_kg: float | None
) -> list[SubstanceOfConcern]:
    """Return the substances with EC number, concentration (w/w %), hazard classes and SCIP number:
    a concentration not given is the substance's mass over the product's."""
    out = []
    for built, given in zip(composition.substances_of_concern, data.substances, strict=True):
        concentration = given.concentration_percent
        if concentration is None and built.mass_kg is not None and product_mass_kg:
            concentration = round(100 * built.mass_kg / product_mass_kg, 4)
        out.append(
            built.model_copy(
                update={
                    "ec_number": given.ec_number,
                    "concentration_percent": concentration,
                    "hazard_classes": list(given.hazard_classes),
                    "scip_number": given.scip_number,
                }
            )
        )
    return out


def _footprint(footprint: CarbonFootprint | None, data: PassportInputData) -> CarbonFootprint | None:
    if footprint is None:
        return None
    stages = [LIFE_CYCLE_STAGES.get(k, k) for k, v in footprint.by_stage.items() if v]
    return footprint.model_copy(
        update={
            "standard": data.footprint_standard or footprint.standard,
            "life_cycle_stages": list(dict.fromkeys(stages)),
            "performance_class": data.footprint_performance_class,
            "study_url": data.footprint_study_url,
        }
    )


def _due_diligence(data: PassportInputData) -> Document | None:
    if data.due_diligence_report_url is None and data.due_diligence_report_title is None:
        return None
    return Document(
        kind="due_diligence_report",
        title=data.due_diligence_report_title or "Supply-chain due diligence report",
        url=data.due_diligence_report_url,
        issued_by=data.due_diligence_report_issued_by,
    )


def _registration(data: PassportInputData) -> Registration | None:
    if data.registry_id is None and data.backup_provider is None and data.backup_url is None:
        return None
    return Registration(
        registry_id=data.registry_id, backup_provider=data.backup_provider, backup_url=data.backup_url
    )


def complete(
    session: Session, content: PassportContent, data: PassportInputData, *, product_mass_kg: float | None
) -> PassportContent:
    """Return a model passport's content with the fields of this module filled in."""
    facility: Facility | None = content.facility
    if facility is not None:
        facility = facility.model_copy(update={"facility_id": data.facility_id or facility_id(facility.gln)})
    composition = content.composition
    if composition is not None:
        composition = composition.model_copy(
            update={
                "renewable_content_share": data.renewable_content_share,
                "substances_of_concern": _substances(composition, data, product_mass_kg),
            }
        )
    circularity: Circularity | None = content.circularity
    if circularity is not None:
        circularity = circularity.model_copy(
            update={
                "repairability_score": data.repairability_score,
                "repairability_method": data.repairability_method,
            }
        )
    return content.model_copy(
        update={
            "economic_operator": _manufacturer(session, content.economic_operator, data),
            "importer": _party(session, data.importer, "importer", data.importer_eori),
            "authorised_representative": _party(
                session, data.authorised_representative, "authorised_representative"
            ),
            "facility": facility,
            "composition": composition,
            "carbon_footprint": _footprint(content.carbon_footprint, data),
            "circularity": circularity,
            "labels": [Label(**label.model_dump()) for label in data.labels],
            "due_diligence_report": _due_diligence(data),
            "registration": _registration(data),
        }
    )
