"""JSON-LD of passports: the published context and the document a machine gets from the resolver.

Every content term that a published vocabulary defines maps to it: schema.org, the UN Transparency
Protocol (UNTP core and Digital Product Passport vocabularies), the Asset Administration Shell's RDF
vocabulary, and Wikidata's properties for CAS and EC numbers. Only terms that no published
vocabulary has keep keten's own IRI, under :data:`VOCABULARY`; docs/passports.md lists each term
with its IRI. The context is generated from the content models (:func:`build_context`) and kept as
a file in the package (``context/passport-v1.jsonld``, a test keeps the two equal). Documents name
it by its stable URL :data:`CONTEXT_URL`, so a passport expands to the same triples on every node
and without any node running: :func:`document_loader` serves the shipped copy to pyld, and the node
also serves it at :data:`CONTEXT_PATH`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from keten.passports.schemas import PassportContent

__all__ = [
    "CONTEXT_FILE",
    "CONTEXT_PATH",
    "CONTEXT_URL",
    "MAPPED",
    "PREFIXES",
    "VOCABULARY",
    "build_context",
    "context",
    "document_loader",
    "expand_iri",
    "to_jsonld",
]

CONTEXT_FILE = Path(__file__).resolve().parent / "context" / "passport-v1.jsonld"
CONTEXT_PATH = "/contexts/passport-v1.jsonld"
CONTEXT_URL = "https://keten.dev/ns/passport/v1.jsonld"
"""The stable URL of the context, under keten's own namespace; documents name the context by it."""
VOCABULARY = "https://keten.dev/ns/passport#"
"""keten's own terms: only those no published vocabulary defines."""
PREFIXES = {
    "schema": "https://schema.org/",
    "untp": "https://test.uncefact.org/vocabulary/untp/core/0/",
    "untpdpp": "https://test.uncefact.org/vocabulary/untp/dpp/0/",
    "aas": "https://admin-shell.io/aas/3/0/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MAPPED: dict[str, str] = {
    # identification: the product (UNTP ProductPassport.product)
    "identification": "untp:product",
    "uniqueProductIdentifier": "schema:identifier",
    "granularity": "untpdpp:granularityLevel",
    "gtin": "schema:gtin",
    "serialNumber": "schema:serialNumber",
    "batchNumber": "untp:batchNumber",
    "digitalLink": "schema:hasGS1DigitalLink",
    "globalAssetId": "aas:AssetInformation/globalAssetId",
    "partNumber": "schema:mpn",
    "productName": "schema:name",
    "description": "schema:description",
    "productCategory": "schema:category",
    "productionDate": "schema:productionDate",
    "model": "schema:isBasedOn",
    "revision": "schema:version",
    # parties and places
    "economicOperator": "schema:manufacturer",
    "name": "schema:name",
    "operatorId": "schema:identifier",
    "facilityId": "schema:identifier",
    "address": "schema:address",
    "streetAddress": "schema:streetAddress",
    "postalCode": "schema:postalCode",
    "locality": "schema:addressLocality",
    "city": "schema:addressLocality",
    "country": "schema:addressCountry",
    "lei": "schema:leiCode",
    "gln": "schema:globalLocationNumber",
    "chamberOfCommerceNumber": "untp:registeredId",
    "website": "schema:url",
    "contactEmail": "schema:email",
    # composition
    "materials": "untp:materialsProvenance",
    "massFraction": "untp:massFraction",
    "recycledShare": "untp:recycledMassFraction",
    "recycledContentShare": "untp:recycledContent",
    "casNumber": "wdt:P231",
    "ecNumber": "wdt:P232",
    # footprint (UNTP emissions scorecard)
    "carbonFootprint": "untp:emissionsScorecard",
    "totalKgCo2e": "untp:carbonFootprint",
    "primaryDataShare": "untp:primarySourcedRatio",
    "declaredUnit": "untp:declaredUnit",
    "standard": "untp:reportingStandard",
    "performanceClass": "untp:performanceLevel",
    "studyUrl": "schema:citation",
    "computedAt": "schema:dateCreated",
    # circularity (UNTP circularity scorecard)
    "circularity": "untp:circularityScorecard",
    "repairInstructions": "untp:repairInformation",
    "endOfLife": "untp:recyclingInformation",
    "note": "schema:description",
    "step": "schema:position",
    "position": "schema:position",
    "tools": "schema:tool",
    # documents, labels, due diligence
    "documents": "schema:subjectOf",
    "kind": "schema:additionalType",
    "title": "schema:name",
    "url": "schema:url",
    "issuedBy": "schema:issuedBy",
    "validUntil": "schema:validThrough",
    "labels": "schema:hasCertification",
    "legislation": "untp:referenceRegulation",
    "dueDiligenceReport": "untp:dueDiligenceDeclaration",
}
"""Each content term that a published vocabulary defines, and its IRI there."""
_SCOPED = {"criticalRawMaterials": {"materials": "crmMaterials"}}
"""Terms that mean something else inside one property: a critical raw material's ``materials`` are
material codes, not UNTP material provenance."""
_JSON_LITERALS = {"byStage", "topContributors", "proof", "views"}
_IRIS = {"digitalLink", "globalAssetId", "uniqueProductIdentifier"}
_DATES = {"productionDate": "xsd:date", "validUntil": "xsd:date", "computedAt": "xsd:dateTime"}


def expand_iri(compact: str) -> str:
    """Return the full IRI of a compact one (``schema:gtin``)."""
    prefix, _, local = compact.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else compact


def _terms(model: type[BaseModel], into: set[str]) -> None:
    for name, info in model.model_fields.items():
        into.add(info.alias or name)
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _terms(annotation, into)
            stack.extend(getattr(annotation, "__args__", ()))


def _definition(term: str, iri: str) -> Any:
    if term in _JSON_LITERALS:
        return {"@id": iri, "@type": "@json"}
    if term in _IRIS:
        return {"@id": iri, "@type": "@id"}
    if term in _DATES:
        return {"@id": iri, "@type": _DATES[term]}
    if term in _SCOPED:
        scoped = {inner: f"{VOCABULARY}{own}" for inner, own in _SCOPED[term].items()}
        return {"@id": iri, "@context": scoped}
    return iri


def build_context() -> dict[str, Any]:
    """Return the JSON-LD context of passports, generated from the content models."""
    terms: set[str] = {"passport", "tier", "revision", "proof"}
    _terms(PassportContent, terms)
    mapped: dict[str, Any] = {
        "@version": 1.1,
        "@vocab": VOCABULARY,
        **PREFIXES,
        "id": "@id",
        "DigitalProductPassport": f"{VOCABULARY}DigitalProductPassport",
    }
    terms.discard("id")  # the model revision's id names the passport it is: the node's @id
    for term in sorted(terms):
        mapped[term] = _definition(term, MAPPED.get(term, f"{VOCABULARY}{term}"))
    return {"@context": mapped}


@cache
def context() -> dict[str, Any]:
    """Return the published context as shipped in the package."""
    loaded: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return loaded


def document_loader(
    fallback: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Return a pyld document loader that serves the passport context from the package (by its
    stable URL or the node's path), so passports expand offline; any other URL goes to
    ``fallback``, or is refused when there is none."""

    def load(url: str, options: dict[str, Any]) -> dict[str, Any]:
        if url == CONTEXT_URL or url.endswith(CONTEXT_PATH):
            return {"contextUrl": None, "documentUrl": url, "document": context()}
        if fallback is None:
            raise LookupError(f"{url} is not the passport context, and this loader fetches nothing else")
        return fallback(url, options)

    return load


def to_jsonld(document: dict[str, Any]) -> dict[str, Any]:
    """Return a downloaded passport (see keten.passports.service.document) as JSON-LD."""
    return {
        "@context": CONTEXT_URL,
        "@id": document["id"],
        "@type": "DigitalProductPassport",
        **{k: v for k, v in document.items() if k != "id"},
    }
