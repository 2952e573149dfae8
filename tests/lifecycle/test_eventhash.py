"""The EPCIS Event Hash ID against the reference implementation's examples, and its invariances."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from keten.lifecycle.eventhash import event_hash_id, namespaces_of, prehash

EXAMPLES = Path(__file__).parent / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.jsonld"))


def _events(doc: dict[str, Any]) -> list[dict[str, Any]]:
    body = doc["epcisBody"]
    found: list[dict[str, Any]] = body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"]
    return found


def test_the_examples_are_there() -> None:
    assert len(NAMES) >= 15


@pytest.mark.parametrize("name", NAMES)
def test_hash_ids_match_the_reference_examples(name: str) -> None:
    doc = json.loads((EXAMPLES / f"{name}.jsonld").read_text("utf-8"))
    expected = [
        line.strip() for line in (EXAMPLES / f"{name}.hashes").read_text("utf-8").splitlines() if line.strip()
    ]
    namespaces = namespaces_of(doc["@context"])
    assert [event_hash_id(e, namespaces) for e in _events(doc)] == expected


BASE = {
    "type": "ObjectEvent",
    "eventTime": "2026-05-01T10:00:00.000+02:00",
    "eventTimeZoneOffset": "+02:00",
    "epcList": ["urn:epc:id:sgtin:8712345.000001.SN1", "urn:epc:id:sgtin:8712345.000001.SN2"],
    "action": "OBSERVE",
    "bizStep": "repairing",
}


def test_the_same_event_written_otherwise_has_the_same_hash() -> None:
    other = {
        "bizStep": "https://ref.gs1.org/cbv/BizStep-repairing",
        "action": "OBSERVE",
        "epcList": [
            "https://example.com/01/08712345000011/21/SN2",
            "https://id.gs1.org/01/08712345000011/21/SN1?x=1",
        ],
        "eventTimeZoneOffset": "+02:00",
        "eventTime": "2026-05-01T08:00:00Z",
        "type": "ObjectEvent",
        "eventID": "urn:uuid:0b5b4c1e-8b85-4a8e-9d7d-3f0b35e3b0a1",
        "recordTime": "2026-05-02T00:00:00Z",
    }
    assert prehash(other) == prehash(BASE)
    assert event_hash_id(other) == event_hash_id(BASE)


def test_any_field_that_differs_changes_the_hash() -> None:
    for change in (
        {"bizStep": "inspecting"},
        {"eventTime": "2026-05-01T10:00:00.001+02:00"},
        {"disposition": "active"},
    ):
        assert event_hash_id({**BASE, **change}) != event_hash_id(BASE)


def test_the_pre_hash_string_of_a_small_event_by_hand() -> None:
    # GTIN body 0 + 8712345 + 00001 = 0871234500001, check digit 1 (weights 3,1 from the right).
    assert prehash(BASE) == (
        "eventType=ObjectEventeventTime=2026-05-01T08:00:00.000ZeventTimeZoneOffset=+02:00"
        "epcListepc=https://id.gs1.org/01/08712345000011/21/SN1epc=https://id.gs1.org/01/08712345000011/21/SN2"
        "action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-repairing"
    )


def test_a_time_past_the_calendar_in_utc_is_hashed_as_written() -> None:
    # 9999-12-31T23:59:59-14:00 is past year 9999 in UTC, which no datetime holds.
    late = {**BASE, "eventTime": "9999-12-31T23:59:59-14:00", "eventTimeZoneOffset": "-14:00"}
    assert "eventTime=9999-12-31T23:59:59-14:00" in prehash(late)


def test_a_value_rendered_once_is_rendered_anew_under_other_prefixes() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-05-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:8712345.000001.SN1"],
        "action": "OBSERVE",
        "bizStep": "ex:check",
    }
    one = prehash(event, {"ex": "https://one.example.com/"})
    other = prehash(event, {"ex": "https://other.example.com/"})
    assert "bizStep=https://one.example.com/check" in one
    assert "bizStep=https://other.example.com/check" in other
    assert prehash(event, {"ex": "https://one.example.com/"}) == one
    assert prehash({**event, "bizStep": " ex:check "}, {"ex": "https://one.example.com/"}) == one
