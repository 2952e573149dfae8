"""The fields ESPR and the Battery Regulation ask of a passport (``keten.passports.regulatory``), as
elements of the Asset Administration Shell.

Read, like the rest of the AAS, from the passport as one tier downloads it: a field the tier does
not read is absent from the view, so no element shows it. Where a published IDTA template has the
field, its idShort and semanticId are used (data/aas/SOURCES.md names each file read):

- CE marking and other labels: ``Markings`` of the Digital Nameplate 2.0 (IDTA 02006-2-0);
- footprint performance class and the link to the study: ``PerformanceClass`` and
  ``WebLinkToPublicCarbonFootprintStudy`` of the battery passport's carbon footprint (IDTA
  02035-3, which extends IDTA 02023 Carbon Footprint 1.0); the standard joins
  ``PcfCalculationMethods``;
- operator identifier, unique facility identifier, postal addresses (IDTA 02035-1, Digital
  Nameplate 3.0 and the ``AddressInformation`` of IDTA 02002), substances of concern
  (``HazardousSubstances`` of IDTA 02035-6) and renewable content (IDTA 02035-7);

and otherwise the IRI the passport's JSON-LD context gives the field (``keten.passports.jsonld``:
a published vocabulary's term where one exists, else keten's own ``https://keten.dev/ns/passport#…``):
the EORI number, the SCIP number, the repairability score and method, the registry id and back-up
copy, the due diligence report, and the life-cycle stages by the Battery Regulation's names. All
but the elements of the nameplate and the footprint sit in one submodel, ``RegulatoryInformation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from basyx.aas import model

from keten.passports import jsonld
from keten.passports.aas_elements import mlp, prop, ref

__all__ = [
    "REGULATORY_SUBMODEL",
    "Regulatory",
    "markings",
    "pcf_elements",
    "regulatory_of",
    "regulatory_submodel",
]

REGULATORY_SUBMODEL = f"{jsonld.VOCABULARY}RegulatoryInformation"

_NAMEPLATE_MARKING = "https://admin-shell.io/zvei/nameplate/2/0/Nameplate/Markings/Marking"
_BATTERY_CF = "urn:samm:io.admin-shell.idta.batterypass.carbon_footprint:1.0.0#"
_BATTERY_NAMEPLATE = "urn:samm:io.admin-shell.idta.batterypass.digital_nameplate:1.0.0#"
_BATTERY_MATERIALS = "urn:samm:io.admin-shell.idta.batterypass.material_composition:1.0.1#"
_BATTERY_CIRCULARITY = "urn:samm:io.admin-shell.idta.batterypass.circularity:1.0.0#"
_DOCUMENT_IDENTIFIER = "urn:samm:io.admin-shell.idta.handover_documentation:2.0.0#DocumentIdentifier"
_ADDRESS_INFORMATION = "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/AddressInformation"
_UNIQUE_FACILITY_IDENTIFIER = "https://admin-shell.io/idta/nameplate/3/0/UniqueFacilityIdentifier"


@dataclass(frozen=True)
class Regulatory:
    """The regulatory sections of a passport view (camelCase JSON, as the tier reads them)."""

    parties: tuple[tuple[str, str, Mapping[str, Any]], ...]
    """(idShort, field, party) of the economic operator, the importer and the authorised representative."""
    facility_id: str | None
    labels: tuple[Mapping[str, Any], ...]
    substances: tuple[Mapping[str, Any], ...]
    renewable_content_share: float | None
    repairability_score: float | None
    repairability_method: str | None
    registration: Mapping[str, Any]
    due_diligence_report: Mapping[str, Any] | None
    life_cycle_stages: tuple[str, ...]


def regulatory_of(passport: Mapping[str, Any]) -> Regulatory:
    """Return the regulatory sections of ``passport`` (the ``passport`` of a download)."""
    roles = (
        ("EconomicOperator", "economicOperator"),
        ("Importer", "importer"),
        ("AuthorisedRepresentative", "authorisedRepresentative"),
    )
    composition = passport.get("composition") or {}
    circularity = passport.get("circularity") or {}
    footprint = passport.get("carbonFootprint") or {}
    return Regulatory(
        parties=tuple((name, key, passport[key]) for name, key in roles if passport.get(key)),
        facility_id=(passport.get("facility") or {}).get("facilityId"),
        labels=tuple(passport.get("labels") or ()),
        substances=tuple(composition.get("substancesOfConcern") or ()),
        renewable_content_share=composition.get("renewableContentShare"),
        repairability_score=circularity.get("repairabilityScore"),
        repairability_method=circularity.get("repairabilityMethod"),
        registration=passport.get("registration") or {},
        due_diligence_report=passport.get("dueDiligenceReport"),
        life_cycle_stages=tuple(footprint.get("lifeCycleStages") or ()),
    )


def _term(key: str) -> str:
    """Return the IRI the JSON-LD context gives the passport field ``key`` (camelCase)."""
    return jsonld.expand_iri(jsonld.MAPPED.get(key, f"{jsonld.VOCABULARY}{key}"))


def _content_type(url: str) -> str:
    return "application/pdf" if url.lower().split("?")[0].endswith(".pdf") else "text/html"


def _present(elements: list[model.SubmodelElement | None]) -> list[model.SubmodelElement]:
    return [e for e in elements if e is not None]


def markings(labels: tuple[Mapping[str, Any], ...]) -> model.SubmodelElementCollection | None:
    """Return the nameplate's ``Markings``: one ``Marking`` per label (CE marking and the others)."""
    if not labels:
        return None
    entries = []
    for number, label in enumerate(labels, start=1):
        url = label.get("url")
        elements = _present(
            [
                prop("MarkingName", f"{_NAMEPLATE_MARKING}/MarkingName", label["name"]),
                prop(
                    "DesignationOfCertificateOrApproval",
                    "0112/2///61987#ABH783#001",
                    "; ".join(label["legislation"]),
                )
                if label.get("legislation")
                else None,
                prop("ExpiryDate", f"{_NAMEPLATE_MARKING}/ExpiryDate", label["validUntil"])
                if label.get("validUntil")
                else None,
                # The template's one mandatory file: the marking's image or certificate where known.
                model.File(
                    "MarkingFile",
                    content_type=_content_type(url) if url else "application/octet-stream",
                    value=url,
                    semantic_id=ref(f"{_NAMEPLATE_MARKING}/MarkingFile"),
                ),
                prop(
                    "MarkingAdditionalText", f"{_NAMEPLATE_MARKING}/MarkingAdditionalText", label["issuedBy"]
                )
                if label.get("issuedBy")
                else None,
            ]
        )
        entries.append(
            model.SubmodelElementCollection(
                f"Marking{number:02d}", value=elements, semantic_id=ref("0173-1#01-AHD206#001")
            )
        )
    return model.SubmodelElementCollection("Markings", value=entries, semantic_id=ref("0173-1#01-AGZ673#001"))


def pcf_elements(performance_class: str | None, study_url: str | None) -> list[model.SubmodelElement]:
    """Return what the battery passport's footprint (IDTA 02035-3) adds to a ``ProductCarbonFootprint``."""
    elements: list[model.SubmodelElement] = []
    if performance_class:
        elements.append(prop("PerformanceClass", f"{_BATTERY_CF}performanceClass", performance_class))
    if study_url:
        elements.append(
            model.SubmodelElementList(
                "WebLinkToPublicCarbonFootprintStudy",
                model.Property,
                value=[prop(None, _DOCUMENT_IDENTIFIER, study_url)],
                semantic_id=ref(f"{_BATTERY_CF}webLinkToPublicCarbonFootprintStudy"),
                semantic_id_list_element=ref(_DOCUMENT_IDENTIFIER),
                value_type_list_element=model.datatypes.String,
            )
        )
    return elements


def _address(address: Mapping[str, Any]) -> model.SubmodelElementCollection | None:
    fields = (
        ("Street", "0173-1#02-AAO128#002", "streetAddress"),
        ("Zipcode", "0173-1#02-AAO129#002", "postalCode"),
        ("CityTown", "0173-1#02-AAO132#002", "locality"),
        ("NationalCode", "0173-1#02-AAO134#002", "country"),
    )
    elements = [mlp(name, semantic, address[key]) for name, semantic, key in fields if address.get(key)]
    if not elements:
        return None
    return model.SubmodelElementCollection(
        "AddressInformation", value=elements, semantic_id=ref(_ADDRESS_INFORMATION)
    )


def _party(id_short: str, key: str, party: Mapping[str, Any]) -> model.SubmodelElementCollection:
    elements = _present(
        [
            mlp("Company", "0173-1#02-AAW001#001", party["name"]),
            prop("OperatorIdentifier", f"{_BATTERY_NAMEPLATE}operatorIdentifier", party["operatorId"])
            if party.get("operatorId")
            else None,
            _address(party["address"]) if party.get("address") else None,
            prop("Eori", _term("eori"), party["eori"]) if party.get("eori") else None,
        ]
    )
    return model.SubmodelElementCollection(id_short, value=elements, semantic_id=ref(_term(key)))


def _substance(substance: Mapping[str, Any]) -> model.SubmodelElementCollection:
    identifier = substance.get("casNumber") or substance.get("ecNumber") or substance["name"]
    hazards = list(substance.get("hazardClasses") or ())
    concentration = substance.get("concentrationPercent")
    elements = _present(
        [
            prop(
                "HazardousSubstanceClass", f"{_BATTERY_MATERIALS}hazardousSubstanceClass", "; ".join(hazards)
            )
            if hazards
            else None,
            prop("HazardousSubstanceName", f"{_BATTERY_MATERIALS}hazardousSubstanceName", substance["name"]),
            prop(
                "HazardousSubstanceConcentration",
                f"{_BATTERY_MATERIALS}hazardousSubstanceConcentration",
                float(concentration),
                model.datatypes.Double,
            )
            if concentration is not None
            else None,
            model.SubmodelElementCollection(
                "HazardousSubstanceLocation",
                value=[prop("ComponentId", f"{_BATTERY_MATERIALS}componentId", substance["location"])],
                semantic_id=ref(f"{_BATTERY_MATERIALS}hazardousSubstanceLocation"),
            ),
            prop(
                "HazardousSubstanceIdentifier",
                f"{_BATTERY_MATERIALS}hazardousSubstanceIdentifier",
                identifier,
            ),
        ]
    )
    own = (
        ("CasNumber", "casNumber", model.datatypes.String),
        ("EcNumber", "ecNumber", model.datatypes.String),
        ("ScipNumber", "scipNumber", model.datatypes.String),
        ("MassKg", "massKg", model.datatypes.Double),
        ("Reason", "reason", model.datatypes.String),
        ("Handling", "handling", model.datatypes.String),
    )
    for id_short, key, value_type in own:
        if substance.get(key) is not None:
            value = float(substance[key]) if value_type is model.datatypes.Double else substance[key]
            elements.append(prop(id_short, _term(key), value, value_type))
    return model.SubmodelElementCollection(
        None, value=elements, semantic_id=ref(f"{_BATTERY_MATERIALS}HazardousSubstance")
    )


def _document(id_short: str, document: Mapping[str, Any]) -> model.SubmodelElementCollection:
    elements = _present(
        [
            mlp("Title", "0173-1#02-AAO105#002", document["title"]),
            prop("DocumentIdentifier", _DOCUMENT_IDENTIFIER, document["url"])
            if document.get("url")
            else None,
            prop("IssuedBy", _term("issuedBy"), document["issuedBy"]) if document.get("issuedBy") else None,
        ]
    )
    return model.SubmodelElementCollection(
        id_short, value=elements, semantic_id=ref(_term("dueDiligenceReport"))
    )


def _scalars(found: Regulatory) -> list[model.SubmodelElement]:
    """Return the single-valued elements: facility id, renewable content, repairability, registration."""
    own = (
        ("RepairabilityScore", "repairabilityScore", found.repairability_score, model.datatypes.Double),
        ("RepairabilityMethod", "repairabilityMethod", found.repairability_method, model.datatypes.String),
        ("RegistryId", "registryId", found.registration.get("registryId"), model.datatypes.String),
        (
            "BackupProvider",
            "backupProvider",
            found.registration.get("backupProvider"),
            model.datatypes.String,
        ),
        ("BackupUrl", "backupUrl", found.registration.get("backupUrl"), model.datatypes.String),
    )
    elements: list[model.SubmodelElement] = []
    if found.facility_id:
        elements.append(prop("UniqueFacilityIdentifier", _UNIQUE_FACILITY_IDENTIFIER, found.facility_id))
    if found.renewable_content_share is not None:
        share = float(found.renewable_content_share)
        elements.append(
            prop("RenewableContent", f"{_BATTERY_CIRCULARITY}renewableContent", share, model.datatypes.Float)
        )
    for id_short, term, value, value_type in own:
        if value is not None:
            elements.append(
                prop(
                    id_short,
                    _term(term),
                    float(value) if value_type is model.datatypes.Double else value,
                    value_type,
                )
            )
    return elements


def regulatory_submodel(found: Regulatory, submodel_id: str) -> model.Submodel | None:
    """Return the ``RegulatoryInformation`` submodel of what the tier reads, or None when it reads none."""
    elements: list[model.SubmodelElement] = [_party(name, key, party) for name, key, party in found.parties]
    elements += _scalars(found)
    if found.substances:
        elements.append(
            model.SubmodelElementList(
                "HazardousSubstances",
                model.SubmodelElementCollection,
                value=[_substance(s) for s in found.substances],
                semantic_id=ref(f"{_BATTERY_MATERIALS}hazardousSubstances"),
                semantic_id_list_element=ref(f"{_BATTERY_MATERIALS}HazardousSubstance"),
            )
        )
    if found.due_diligence_report:
        elements.append(_document("DueDiligenceReport", found.due_diligence_report))
    if found.life_cycle_stages:
        elements.append(
            model.SubmodelElementList(
                "LifeCycleStages",
                model.Property,
                value=[prop(None, _term("lifeCycleStages"), s) for s in found.life_cycle_stages],
                semantic_id=ref(_term("lifeCycleStages")),
                semantic_id_list_element=ref(_term("lifeCycleStages")),
                value_type_list_element=model.datatypes.String,
            )
        )
    if not elements:
        return None
    return model.Submodel(
        submodel_id,
        id_short="RegulatoryInformation",
        semantic_id=ref(REGULATORY_SUBMODEL),
        administration=model.AdministrativeInformation(version="1", revision="0"),
        submodel_element=elements,
    )
