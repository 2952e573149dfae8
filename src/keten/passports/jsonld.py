"""JSON-LD of passports: the published context and the document a machine gets from the resolver.

The context maps every content term to the keten passport vocabulary (``urn:keten:passport:v1:``),
and terms schema.org already defines to schema.org, so that a passport expands to the same triples
on every node. It is generated from the content models and kept as a file in the repository
(``context/passport-v1.jsonld``), which the node serves at :data:`CONTEXT_PATH`; a test keeps the
two equal.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from keten.passports.schemas import PassportContent

__all__ = ["CONTEXT_FILE", "CONTEXT_PATH", "VOCABULARY", "build_context", "context", "to_jsonld"]

CONTEXT_FILE = Path(__file__).resolve().parent / "context" / "passport-v1.jsonld"
CONTEXT_PATH = "/contexts/passport-v1.jsonld"
VOCABULARY = "urn:keten:passport:v1:"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

_SCHEMA_ORG = {
    "gtin": "schema:gtin",
    "serialNumber": "schema:serialNumber",
    "productName": "schema:name",
    "description": "schema:description",
    "productionDate": "schema:productionDate",
    "url": "schema:url",
    "website": "schema:url",
    "name": "schema:name",
    "address": "schema:address",
    "country": "schema:addressCountry",
    "lei": "schema:leiCode",
    "gln": "schema:globalLocationNumber",
    "title": "schema:name",
    "validUntil": "schema:validThrough",
}
_JSON_LITERALS = {"byStage", "topContributors", "proof", "views"}
_IRIS = {"digitalLink", "globalAssetId", "uniqueProductIdentifier"}
_DATES = {"productionDate": "xsd:date", "validUntil": "xsd:date", "computedAt": "xsd:dateTime"}


def _terms(model: type[BaseModel], into: set[str]) -> None:
    for name, info in model.model_fields.items():
        into.add(info.alias or name)
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _terms(annotation, into)
            stack.extend(getattr(annotation, "__args__", ()))


def build_context() -> dict[str, Any]:
    """Return the JSON-LD context of passports, generated from the content models."""
    terms: set[str] = {"passport", "tier", "revision", "proof"}
    _terms(PassportContent, terms)
    mapped: dict[str, Any] = {
        "@version": 1.1,
        "@vocab": VOCABULARY,
        "schema": SCHEMA,
        "xsd": XSD,
        "DigitalProductPassport": f"{VOCABULARY}DigitalProductPassport",
    }
    for term in sorted(terms):
        iri = _SCHEMA_ORG.get(term, f"{VOCABULARY}{term}")
        if term in _JSON_LITERALS:
            mapped[term] = {"@id": iri, "@type": "@json"}
        elif term in _IRIS:
            mapped[term] = {"@id": iri, "@type": "@id"}
        elif term in _DATES:
            mapped[term] = {"@id": iri, "@type": _DATES[term]}
        else:
            mapped[term] = iri
    return {"@context": mapped}


@cache
def context() -> dict[str, Any]:
    """Return the published context as stored in the repository."""
    loaded: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return loaded


def to_jsonld(document: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    """Return a downloaded passport (see keten.passports.service.document) as JSON-LD."""
    return {
        "@context": base_url.rstrip("/") + CONTEXT_PATH,
        "@id": document["id"],
        "@type": "DigitalProductPassport",
        **{k: v for k, v in document.items() if k != "id"},
    }
