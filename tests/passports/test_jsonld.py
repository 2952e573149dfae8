"""JSON-LD that others understand: every term a published vocabulary defines expands to that
vocabulary's IRI, keten's own IRIs are left only where none exists, and the context expands
offline from the copy in the package."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld as pyld
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import jsonld, service
from keten.passports.models import TIERS

from .conftest import RESOLVER, Product, marker_content

OWN_IN_PUBLIC_VIEW = 39
"""keten's own predicates in the public view of a fully filled passport (docs/passports.md)."""
PREDICATES_IN_PUBLIC_VIEW = 85


def _predicates(node: Any, into: set[str]) -> None:
    """Add every predicate IRI of an expanded JSON-LD node (and the nodes inside it) to ``into``."""
    if isinstance(node, list):
        for item in node:
            _predicates(item, into)
    elif isinstance(node, dict):
        if node.get("@type") == "@json":
            return
        for key, value in node.items():
            if not key.startswith("@"):
                into.add(key)
                _predicates(value, into)
            elif key in ("@list", "@set", "@graph"):
                _predicates(value, into)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every network connection, so a loader that fetches anything fails."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _marker_documents(engine: Engine) -> dict[str, dict[str, Any]]:
    """Return the JSON-LD of a model passport whose every field is filled, at each tier, and of an
    item of it at the owner tier (its ``model`` reference)."""
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver=RESOLVER)
        service.revise(session, passport_id=model.uid, resolver=RESOLVER, content=marker_content())
        [item] = service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
        session.commit()
        documents = {
            tier: jsonld.to_jsonld(service.document(session, passport_id=model.uid, tier=tier))
            for tier in TIERS
        }
        documents["item"] = jsonld.to_jsonld(service.document(session, passport_id=item.uid, tier="owner"))
        return documents


def _expanded_predicates(document: dict[str, Any]) -> set[str]:
    expanded = pyld.expand(document, {"documentLoader": jsonld.document_loader()})
    found: set[str] = set()
    _predicates(expanded, found)
    return found


def test_mapped_terms_expand_to_their_vocabularies_and_own_terms_are_counted(
    engine: Engine, product: Product, offline: None
) -> None:
    documents = _marker_documents(engine)
    public = _expanded_predicates(documents["public"])
    own = {p for p in public if p.startswith(jsonld.VOCABULARY)}
    assert len(public) == PREDICATES_IN_PUBLIC_VIEW and len(own) == OWN_IN_PUBLIC_VIEW, (
        len(public),
        len(own),
    )
    everything = _expanded_predicates(documents["owner"]) | _expanded_predicates(documents["item"])
    for term in jsonld.MAPPED:
        # A mapped term never falls back to keten's vocabulary: a mapping lost shows up here.
        assert jsonld.VOCABULARY + term not in everything, term
    used = {jsonld.expand_iri(c) for c in jsonld.MAPPED.values()}
    assert used <= everything, used - everything
    assert {p for p in everything if not p.startswith(jsonld.VOCABULARY)} <= used | {
        "https://schema.org/identifier"
    }
    # A critical raw material's material codes are not UNTP material provenance.
    assert jsonld.VOCABULARY + "crmMaterials" in everything
    assert "https://test.uncefact.org/vocabulary/untp/core/0/materialsProvenance" in everything


def test_the_intended_iris_come_out_of_pyld(engine: Engine, product: Product, offline: None) -> None:
    document = _marker_documents(engine)["item"]
    [expanded] = pyld.expand(document, {"documentLoader": jsonld.document_loader()})
    untp = jsonld.PREFIXES["untp"]
    passport = expanded[jsonld.VOCABULARY + "passport"][0]
    product = passport[untp + "product"][0]
    ident = document["passport"]["identification"]
    assert product["https://schema.org/gtin"][0]["@value"] == ident["gtin"]
    assert product["https://schema.org/hasGS1DigitalLink"][0]["@id"] == ident["digitalLink"]
    assert (
        product["https://admin-shell.io/aas/3/0/AssetInformation/globalAssetId"][0]["@id"]
        == ident["globalAssetId"]
    )
    assert product["https://schema.org/mpn"][0]["@value"] == ident["partNumber"]
    scorecard = passport[untp + "emissionsScorecard"][0]
    assert (
        scorecard[untp + "carbonFootprint"][0]["@value"]
        == document["passport"]["carbonFootprint"]["totalKgCo2e"]
    )
    maker = passport["https://schema.org/manufacturer"][0]
    assert maker["https://schema.org/name"][0]["@value"] == document["passport"]["economicOperator"]["name"]
    material = passport[jsonld.VOCABULARY + "composition"][0][untp + "materialsProvenance"][0]
    assert untp + "recycledMassFraction" in material and untp + "massFraction" in material


def test_the_context_resolves_offline_and_from_the_node(
    anonymous_client: TestClient, engine: Engine, product: Product, offline: None
) -> None:
    shipped = json.loads(jsonld.CONTEXT_FILE.read_text(encoding="utf-8"))
    assert shipped == jsonld.build_context() == jsonld.context()
    assert anonymous_client.get(jsonld.CONTEXT_PATH).json() == shipped
    document = _marker_documents(engine)["public"]
    assert document["@context"] == jsonld.CONTEXT_URL == "https://keten.dev/ns/passport/v1.jsonld"
    assert pyld.expand(document, {"documentLoader": jsonld.document_loader()})
    with pytest.raises(pyld.JsonLdError):
        pyld.expand(
            {"@context": "https://example.com/other.jsonld", "a": 1},
            {"documentLoader": jsonld.document_loader()},
        )
    loaded = jsonld.document_loader()(jsonld.CONTEXT_URL, {})
    assert loaded["document"] == shipped
