"""keten's EPCIS 2.0 schema, constraint by constraint, on documents right and wrong; the compiled
check and the one that gives reasons agree on each."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from keten.lifecycle import validation
from keten.lifecycle.vocabulary import LIFECYCLE_STEPS, keten_step
from tests.lifecycle.conftest import document, event

EXAMPLES = Path(__file__).parent / "examples"
MACHINE = "urn:epc:id:sgtin:8712345.000001.SN1"


def _agree(kind: str, data: Any) -> bool:
    """Return whether ``data`` is valid, after checking both validators say the same."""
    compiled_ok = validation._passes(kind, data)
    reasons_ok = not list(validation._validator(kind).iter_errors(data))
    assert compiled_ok == reasons_ok, (kind, data)
    return reasons_ok


def test_the_schemas_are_valid_draft_7() -> None:
    Draft7Validator.check_schema(validation.document_schema())
    Draft7Validator.check_schema(validation.event_schema())


def test_the_reference_examples_of_recorded_types_pass() -> None:
    for path in sorted(EXAMPLES.glob("*.jsonld")):
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("type") != "EPCISDocument":
            continue
        types = {e["type"] for e in doc["epcisBody"]["eventList"]}
        assert _agree("document", doc) == (types <= set(validation.RECORDED_TYPES)), path.name


def test_every_lifecycle_step_is_accepted() -> None:
    assert _agree("document", document(*(event(MACHINE, step) for step in LIFECYCLE_STEPS)))


AGGREGATION = {
    "type": "AggregationEvent", "eventTime": "2026-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
    "parentID": MACHINE, "childEPCs": ["urn:epc:id:sgtin:8712345.000002.M1"], "action": "ADD",
    "bizStep": "replacing",
}  # fmt: skip
TRANSFORMATION = {
    "type": "TransformationEvent", "eventTime": "2026-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
    "inputEPCList": [MACHINE],
    "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:8712345.000003.L1", "quantity": 12.5,
                            "uom": "KGM"}],
    "bizStep": keten_step("recycling"),
}  # fmt: skip
ASSOCIATION = {
    "type": "AssociationEvent", "eventTime": "2026-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
    "parentID": "urn:epc:id:grai:8712345.00001.7", "childEPCs": [MACHINE], "action": "ADD",
}  # fmt: skip


@pytest.mark.parametrize(
    ("base", "change", "where"),
    [
        (event(MACHINE), {"bizStep": "polishing"}, "bizStep"),
        (event(MACHINE), {"bizStep": "urn:epcglobal:cbv:bizstep:polishing"}, "bizStep"),
        (event(MACHINE), {"action": "MOVE"}, "action"),
        (event(MACHINE), {"eventTime": "2026-01-01 10:00"}, "eventTime"),
        (event(MACHINE), {"eventTime": "2026-01-01T10:00:00"}, "eventTime"),
        (event(MACHINE), {"eventTimeZoneOffset": "+15:00"}, "eventTimeZoneOffset"),
        (event(MACHINE), {"epcList": [MACHINE, MACHINE]}, "epcList"),
        (event(MACHINE), {"epcList": ["not a uri"]}, "epcList/0"),
        (event(MACHINE), {"disposition": "broken"}, "disposition"),
        (event(MACHINE), {"readPoint": {"name": "x"}}, "readPoint"),
        (event(MACHINE), {"parentID": MACHINE}, "(root)"),
        (event(MACHINE), {"sourceList": [{"source": "urn:epc:id:pgln:8712345.00000"}]}, "sourceList/0"),
        (event(MACHINE), {"quantityList": [{"epcClass": "urn:epc:class:lgtin:8712345.1.L", "uom": "kg"}]},
         "quantityList/0/uom"),
        (AGGREGATION, {"childEPCs": []}, "(root)"),
        (AGGREGATION, {"action": None}, "(root)"),
        (TRANSFORMATION, {"outputQuantityList": []}, "(root)"),
        (ASSOCIATION, {"parentID": None}, "(root)"),
        (event(MACHINE), {"type": "TransactionEvent"}, "type"),
    ],
)  # fmt: skip
def test_a_wrong_event_is_refused_naming_where(
    base: dict[str, Any], change: dict[str, Any], where: str
) -> None:
    assert _agree("document", document(base))
    wrong = {k: v for k, v in {**copy.deepcopy(base), **change}.items() if v is not None}
    doc = document(wrong)
    assert not _agree("document", doc)
    findings = validation.validate_document(doc)
    assert any(f.startswith(f"epcisBody/eventList/0/{where}".removesuffix("/(root)")) for f in findings), (
        findings
    )


def test_the_document_itself_is_checked() -> None:
    doc = document(event(MACHINE))
    for field in ("@context", "schemaVersion", "creationDate", "epcisBody"):
        broken = {k: v for k, v in doc.items() if k != field}
        assert not _agree("document", broken)
        assert any(field in f for f in validation.validate_document(broken)), field
    assert not _agree("document", {**doc, "schemaVersion": "two"})
    assert _agree("document", {**doc, "https://ns.example.com/sentBy": "x"})
    assert not _agree("document", {**doc, "sentBy": "x"})


def test_a_single_event_needs_its_own_context() -> None:
    assert validation.validate_event(event(MACHINE)) == ["(root): '@context' is a required property"]
    assert (
        validation.validate_event(
            {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", **event(MACHINE)}
        )
        == []
    )
